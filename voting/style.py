"""Style control: an answer's style, and Bradley–Terry ratings with style held equal.

Public arenas publish a board with answer style (length, Markdown) held equal beside the plain
one, since voters favour longer, more formatted answers. Pure numpy/scipy; nothing here imports
Django. The ridge and Newton's stopping rule are the plain fit's (``voting.ratings``).
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from voting.counts import encode
from voting.ratings import MAX_NEWTON_STEPS, RIDGE, STEP_TOLERANCE

_FENCED_CODE = re.compile(r"^(```|~~~).*?(^\1|\Z)", re.MULTILINE | re.DOTALL)
_HEADER = re.compile(r"^ {0,3}#{1,6}\s+\S", re.MULTILINE)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S", re.MULTILINE)
_BOLD = re.compile(r"\*\*[^*\n]+?\*\*|__[^_\n]+?__")
STYLE_FEATURES = ("length", "headers", "list_items", "bold")


def style_features(text: str) -> dict[str, float]:
    """Return an answer's style: length in characters, Markdown headers, list items, bold spans.

    Characters rather than tokens keep this free of any one team's tokenizer. Markup inside
    fenced code blocks is not counted, since ``# comment`` in code is not a header.
    """
    prose = _FENCED_CODE.sub("", text)
    return {"length": float(len(text)), "headers": float(len(_HEADER.findall(prose))),
            "list_items": float(len(_LIST_ITEM.findall(prose))),
            "bold": float(len(_BOLD.findall(prose)))}


@dataclass(frozen=True)
class StyleControlledFit:
    """Ratings with answer style held equal, and the log-odds effect of each style feature.

    A style coefficient is the log-odds gained per one root-mean-square of the normalised
    feature difference (a_k - b_k) / (a_k + b_k + 1).
    """

    models: tuple[str, ...]
    ratings: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    style_coefficients: dict[str, float]


def _style_matrix(features, names: Sequence[str]) -> np.ndarray:
    rows = list(features) if not isinstance(features, np.ndarray) else features
    if len(rows) and isinstance(rows[0], Mapping):
        return np.array([[row[name] for name in names] for row in rows], dtype=float)
    return np.asarray(rows, dtype=float).reshape(len(rows), len(names))


def _fit_rows(code_a, code_b, target, style, weight, start) -> np.ndarray:
    """Newton on the row-level logistic loss; params are m model strengths then the style terms.

    The model block of the Hessian is assembled with bincount, so no n x m design matrix exists.
    """
    m = len(start) - style.shape[1]
    params = start.copy()

    def loss(x: np.ndarray) -> float:
        z = x[:m][code_a] - x[:m][code_b] + style @ x[m:]
        return float((weight * (np.logaddexp(0.0, z) - target * z)).sum() + 0.5 * RIDGE * x @ x)

    for _ in range(MAX_NEWTON_STEPS):
        theta, gamma = params[:m], params[m:]
        p = expit(theta[code_a] - theta[code_b] + style @ gamma)
        residual, curvature = weight * (p - target), weight * p * (1.0 - p)
        gradient = np.r_[np.bincount(code_a, residual, m) - np.bincount(code_b, residual, m),
                         style.T @ residual] + RIDGE * params
        pair = np.bincount(code_a * m + code_b, curvature, m * m).reshape(m, m)
        hessian = np.empty((len(params), len(params)))
        hessian[:m, :m] = -(pair + pair.T)
        hessian[np.arange(m), np.arange(m)] = pair.sum(axis=0) + pair.sum(axis=1)
        weighted = curvature[:, None] * style
        cross = np.array([np.bincount(code_a, col, m) - np.bincount(code_b, col, m)
                          for col in weighted.T]).reshape(style.shape[1], m)
        hessian[m:, :m], hessian[:m, m:] = cross, cross.T
        hessian[m:, m:] = style.T @ weighted
        hessian += RIDGE * np.eye(len(params))
        step = -np.linalg.solve(hessian, gradient)
        before, size = loss(params), 1.0
        # Halve the step until the loss falls, so no start or data set makes Newton overshoot.
        while (loss(params + size * step) > before + 1e-4 * size * (gradient @ step)
               + 1e-12 * abs(before) and size > 1e-9):
            size *= 0.5
        params += size * step
        if np.abs(step).max() < STEP_TOLERANCE:
            break
    return params


def fit_style_controlled(model_a, model_b, winner, features_a, features_b,
                         feature_names: Sequence[str], *, bootstrap_rounds: int = 100,
                         seed: int = 0, scale: float = 400, base: float = 10,
                         init_rating: float = 1000) -> StyleControlledFit:
    """Fit Bradley–Terry with style covariates, one logistic row per vote (ties as target 0.5).

    ``features_a``/``features_b`` are n x k arrays (columns in ``feature_names`` order) or
    sequences of mappings such as ``style_features`` returns. Each feature enters as
    (a - b) / (a + b + 1), divided by its root-mean-square but not mean-centred, so that two
    answers of equal style get no adjustment whatever side they sat on. Intervals come from
    resampling rows with ``np.random.default_rng(seed)``. Ratings are mean-centred at
    ``init_rating``; the ridge of ``fit_bradley_terry`` applies to every parameter.
    """
    names, code_a, code_b, outcome = encode(model_a, model_b, winner)
    a, b = _style_matrix(features_a, feature_names), _style_matrix(features_b, feature_names)
    if a.shape != b.shape or len(a) != len(code_a):
        raise ValueError(f"style features have shapes {a.shape} and {b.shape} "
                         f"for {len(code_a)} votes")
    difference = (a - b) / (a + b + 1.0)
    spread = np.sqrt((difference ** 2).mean(axis=0)) if len(difference) else np.ones(a.shape[1])
    style = difference / np.where(spread > 0, spread, 1.0)
    target = np.array([1.0, 0.0, 0.5, 0.5])[outcome]
    m, n = len(names), len(code_a)
    start = np.zeros(m + style.shape[1])
    point = _fit_rows(code_a, code_b, target, style, np.ones(n), start)
    rng = np.random.default_rng(seed)
    rounds = [_fit_rows(code_a, code_b, target, style,
                        np.bincount(rng.integers(0, n, n), minlength=n).astype(float), point)
              for _ in range(bootstrap_rounds if n else 0)]

    def to_ratings(theta: np.ndarray) -> np.ndarray:
        return init_rating + (theta - theta.mean(axis=-1, keepdims=True)) * (scale / math.log(base))

    ratings = to_ratings(point[:m])
    if rounds:
        lower, upper = np.percentile(to_ratings(np.array(rounds)[:, :m]), [2.5, 97.5], axis=0)
    else:
        lower = upper = ratings
    return StyleControlledFit(names, ratings, lower, upper,
                              {name: float(c) for name, c in zip(feature_names, point[m:])})
