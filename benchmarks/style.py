"""Benchmark the style-controlled board (stats.style.style_board) as the leaderboard computes it.

Run: ``.venv/bin/python benchmarks/style.py`` (``--quick``: the two smaller sizes only). Prints,
per number of votes, the seconds of one board (the point fit, the confounding check and
LEADERBOARD_STYLE_BOOTSTRAP_ROUNDS resamples; 100 by default) and of the point fit alone, plus
how far FastChat's L-BFGS (same objective, scipy) is from it and how long it takes.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stats.style import (  # noqa: E402
    PRIOR, STYLE_FEATURES, fit_style_controlled, style_board, style_design,
)


def synthetic(n: int, models: int = 10, seed: int = 0):
    rng = np.random.default_rng(seed)
    names = np.array([f"model-{i}" for i in range(models)], dtype=object)
    strength = np.linspace(-0.8, 0.8, models)
    a = rng.integers(0, models, n)
    b = (a + rng.integers(1, models, n)) % models
    fa = np.c_[rng.gamma(4, 150, n), rng.poisson(1, n), rng.poisson(3, n), rng.poisson(2, n)]
    fb = np.c_[rng.gamma(4, 150, n), rng.poisson(1, n), rng.poisson(3, n), rng.poisson(2, n)]
    logit = strength[a] - strength[b] + 1.5 * (fa[:, 0] - fb[:, 0]) / (fa[:, 0] + fb[:, 0] + 1)
    winner = np.where(rng.random(n) < expit(logit), "model_a", "model_b").astype(object)
    return names[a], names[b], winner, fa, fb


def lbfgs(model_a, model_b, winner, fa, fb) -> tuple[np.ndarray, float]:
    models = sorted(set(model_a) | set(model_b))
    index = {m: i for i, m in enumerate(models)}
    ca = np.array([index[m] for m in model_a])
    cb = np.array([index[m] for m in model_b])
    y = (winner == "model_a").astype(float)
    x, _ = style_design(fa, fb)
    m, alpha = len(models), math.log(10.0)

    def f(p):
        z = alpha * (p[:m][ca] - p[:m][cb]) + x @ p[m:]
        q = expit(z)
        loss = (np.logaddexp(0, z) - y * z).sum() + PRIOR / 2 * p @ p
        g = PRIOR * p
        r = q - y
        g[:m] += alpha * (np.bincount(ca, r, m) - np.bincount(cb, r, m))
        g[m:] += x.T @ r
        return loss, g

    start = time.perf_counter()
    result = minimize(f, np.zeros(m + x.shape[1]), jac=True, method="L-BFGS-B",
                      options={"maxiter": 100, "gtol": 1e-6})
    return 1000 + 400 * (result.x[:m] - result.x[:m].mean()), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    sizes = (1_000, 10_000) if parser.parse_args().quick else (1_000, 10_000, 100_000)
    print(f"{'votes':>8} {'board s':>8} {'fit s':>7} {'L-BFGS s':>9} {'max |Δ| pts':>11}")
    for n in sizes:
        columns = synthetic(n)
        start = time.perf_counter()
        style_board(*columns, min_votes=50, bootstrap_rounds=100, seed=0)
        board = time.perf_counter() - start
        start = time.perf_counter()
        fit = fit_style_controlled(*columns, STYLE_FEATURES, bootstrap_rounds=0)
        point = time.perf_counter() - start
        reference, reference_seconds = lbfgs(*columns)
        gap = float(np.abs(np.sort(fit.ratings) - np.sort(reference)).max())
        print(f"{n:>8} {board:>8.2f} {point:>7.3f} {reference_seconds:>9.3f} {gap:>11.3f}")


if __name__ == "__main__":
    main()
