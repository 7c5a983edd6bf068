"""A plain numpy Bradley–Terry with 1,000 bootstrap rounds, as a reader without this project
would write it: the reference `benchmarks/ratings.py --versus-reference` holds `manage.py ratings`
against, on the same vote file, in the same run.

    .venv/bin/python benchmarks/ratings_reference.py votes.jsonl|votes.parquet [--rounds 1000]

It reads the file whole with pyarrow (the fastest reader such a reader would reach for), skips
excluded rows, encodes the models with np.unique, counts every pair's outcomes with np.bincount,
fits by Hunter's MM iteration (ties as half a win each way) and bootstraps by drawing the votes
multinomially over the pair-outcome cells, all rounds refitted together (vectorised, not a loop
of rounds). It prints each model's rating and 95% interval as JSON.
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np


def read(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if path.endswith(".parquet"):
        import pyarrow.parquet as pq
        table = pq.read_table(path)
    else:
        import pyarrow.json as pa_json
        table = pa_json.read_json(path)
    columns = {name: table.column(name).to_numpy(zero_copy_only=False)
               for name in ("model_a", "model_b", "winner", "excluded")}
    keep = np.array([not value for value in columns["excluded"]], dtype=bool)
    return columns["model_a"][keep], columns["model_b"][keep], columns["winner"][keep]


def mm_fit(wins: np.ndarray, games: np.ndarray, steps: int = 10_000) -> np.ndarray:
    """Return log-strengths (rounds x m) from score matrices wins[r, i, j] (i's score against j)."""
    rounds, m, _ = wins.shape
    score = wins.sum(axis=2)
    strength = np.ones((rounds, m))
    for _ in range(steps):
        pair = strength[:, :, None] + strength[:, None, :]
        updated = score / (games / pair).sum(axis=2)
        updated /= np.exp(np.log(updated).mean(axis=1, keepdims=True))
        done = np.abs(np.log(updated) - np.log(strength)).max() < 1e-9
        strength = updated
        if done:
            break
    return np.log(strength)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    model_a, model_b, winner = read(options.path)
    names, codes = np.unique(np.concatenate([model_a, model_b]), return_inverse=True)
    m, n = len(names), len(model_a)
    a, b = codes[:n], codes[n:]
    outcome = np.select([winner == "model_a", winner == "model_b"], [0, 1], 2)
    cells = np.bincount((a * m + b) * 3 + outcome, minlength=m * m * 3).astype(float)

    def scores(cell_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = cell_counts.reshape(-1, m, m, 3)
        won = c[..., 0] + 0.5 * c[..., 2]
        lost = c[..., 1] + 0.5 * c[..., 2]
        wins = won + lost.transpose(0, 2, 1)
        return wins, wins + wins.transpose(0, 2, 1)

    scale = 400 / np.log(10)
    rating = mm_fit(*scores(cells[None]))[0] * scale + 1000
    drawn = np.random.default_rng(options.seed).multinomial(n, cells / n, size=options.rounds)
    resampled = mm_fit(*scores(drawn.astype(float))) * scale + 1000
    lower, upper = np.percentile(resampled, [2.5, 97.5], axis=0)
    json.dump([{"model": str(name), "rating": round(float(rating[i]), 2),
                "ci_lower": round(float(lower[i]), 2), "ci_upper": round(float(upper[i]), 2)}
               for i, name in enumerate(names)], sys.stdout)


if __name__ == "__main__":
    main()
