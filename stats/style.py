"""Style control: an answer's style, and Bradley–Terry ratings with style held equal.

Public arenas publish a board with answer style (length, Markdown) held equal beside the plain
one, since voters favour longer, more formatted answers. This is LMSYS's computation
(FastChat, fastchat/serve/monitor/rating_systems.py: ``preprocess_for_style`` and
``fit_contextual_bt``), so that the two agree on the same votes:

- each feature enters as (a - b) / (a + b + 1), then centred and divided by its standard
  deviation over the votes;
- one logistic row per vote (a tie counts as target 0.5), logit = ln(10) * (w_a - w_b) + x · γ,
  ratings are 1000 + 400 * w;
- a Gaussian prior (FastChat's ``reg`` 0.5: ``reg / 4 * sum(params ** 2)``) on the model
  strengths w and the style coefficients γ. That prior is what keeps the fit on the rating
  scale when votes are few: without it (this module used the plain fit's tiny ridge before) a
  style coefficient and the models it stands in for can walk off together to ±6000.

Two checks keep the board honest instead of printing a number (``style_board``): below a
minimum of votes nothing is fitted; and when a style feature is (almost) a function of which
two models met — a model always writes long, another never uses headers, as the demo's personas
do — style and model are confounded and the data cannot tell them apart, so the board says so.
Newton's method replaces FastChat's L-BFGS (same objective, exact Hessian, a convergence check);
a fit whose gradient does not vanish is reported, not shown. Pure numpy; nothing imports Django.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from stats.counts import encode

_FENCED_CODE = re.compile(r"^(```|~~~).*?(^\1|\Z)", re.MULTILINE | re.DOTALL)
_HEADER = re.compile(r"^ {0,3}#{1,6}\s+\S", re.MULTILINE)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S", re.MULTILINE)
_BOLD = re.compile(r"\*\*[^*\n]+?\*\*|__[^_\n]+?__")
STYLE_FEATURES = ("length", "headers", "list_items", "bold")

# FastChat's default: reg 0.5 on the un-duplicated rows (LogisticRegression's C=1 on duplicated rows).
PRIOR = 0.5
MAX_NEWTON_STEPS = 100
# The fit has converged when no partial derivative of the objective exceeds this (per vote).
GRADIENT_TOLERANCE = 1e-6
# Below this share of a feature's variance left once the pairing of models is accounted for,
# the feature says little more than which models met: style and model are confounded.
MIN_INDEPENDENT_SHARE = 0.1

STATUS_OK = "ok"
STATUS_TOO_FEW_VOTES = "too_few_votes"
STATUS_CONFOUNDED = "confounded"
STATUS_NOT_CONVERGED = "not_converged"


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

    A style coefficient is the log-odds gained per standard deviation of the normalised feature
    difference. ``independent_share`` is, per feature, the share of its variance not explained
    by which two models met (1: free of the models, 0: a function of them); a feature that never
    varies is left out of both. ``converged`` is False when Newton's method stopped short.
    """

    models: tuple[str, ...]
    ratings: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    style_coefficients: dict[str, float]
    independent_share: dict[str, float] = field(default_factory=dict)
    converged: bool = True


def _style_matrix(features, names: Sequence[str]) -> np.ndarray:
    rows = list(features) if not isinstance(features, np.ndarray) else features
    if len(rows) and isinstance(rows[0], Mapping):
        return np.array([[row[name] for name in names] for row in rows], dtype=float)
    return np.asarray(rows, dtype=float).reshape(len(rows), len(names))


def style_design(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return FastChat's style columns, (a - b) / (a + b + 1) centred and scaled to unit
    standard deviation, and which columns vary (a constant column is left at zero)."""
    difference = (a - b) / (a + b + 1.0)
    if not len(difference):
        return difference, np.zeros(a.shape[1], dtype=bool)
    centred = difference - difference.mean(axis=0)
    spread = centred.std(axis=0)
    varies = spread > 1e-12
    return centred / np.where(varies, spread, 1.0), varies


def independent_share(code_a: np.ndarray, code_b: np.ndarray, m: int,
                      style: np.ndarray) -> np.ndarray:
    """Return, per style column, the share of its variance left after a least-squares fit on
    the models' pairing (one strength per model, entering as strength_a - strength_b)."""
    n = len(code_a)
    if not n:
        return np.ones(style.shape[1])
    pairing = np.zeros((n, m))
    pairing[np.arange(n), code_a] = 1.0
    pairing[np.arange(n), code_b] = -1.0
    solution, *_ = np.linalg.lstsq(pairing, style, rcond=None)
    residual = ((style - pairing @ solution) ** 2).sum(axis=0)
    total = (style ** 2).sum(axis=0)
    return np.where(total > 0, residual / np.where(total > 0, total, 1.0), 1.0)


def _fit_rows(code_a, code_b, target, style, weight, start) -> tuple[np.ndarray, bool]:
    """Minimise FastChat's objective by Newton's method with backtracking; return the
    parameters (model strengths w, then the style terms γ) and whether the gradient vanished.

    The model block of the Hessian is assembled with bincount, so no n x m design matrix exists.
    """
    m = len(start) - style.shape[1]
    alpha = math.log(10.0)
    params = start.copy()
    tolerance = GRADIENT_TOLERANCE * max(1.0, float(weight.sum()))

    def logits(x: np.ndarray) -> np.ndarray:
        return alpha * (x[:m][code_a] - x[:m][code_b]) + style @ x[m:]

    def loss(x: np.ndarray) -> float:
        z = logits(x)
        return float((weight * (np.logaddexp(0.0, z) - target * z)).sum() + PRIOR / 2 * x @ x)

    def gradient_at(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        p = expit(logits(x))
        residual, curvature = weight * (p - target), weight * p * (1.0 - p)
        gradient = np.r_[alpha * (np.bincount(code_a, residual, m) - np.bincount(code_b, residual, m)),
                         style.T @ residual] + PRIOR * x
        return gradient, residual, curvature

    for _ in range(MAX_NEWTON_STEPS):
        gradient, _residual, curvature = gradient_at(params)
        if np.abs(gradient).max() < tolerance:
            return params, True
        pair = np.bincount(code_a * m + code_b, curvature, m * m).reshape(m, m)
        hessian = np.empty((len(params), len(params)))
        hessian[:m, :m] = -(pair + pair.T) * alpha ** 2
        hessian[np.arange(m), np.arange(m)] = (pair.sum(axis=0) + pair.sum(axis=1)) * alpha ** 2
        weighted = curvature[:, None] * style
        cross = alpha * np.array([np.bincount(code_a, col, m) - np.bincount(code_b, col, m)
                                  for col in weighted.T]).reshape(style.shape[1], m)
        hessian[m:, :m], hessian[:m, m:] = cross, cross.T
        hessian[m:, m:] = style.T @ weighted
        hessian += PRIOR * np.eye(len(params))
        step = -np.linalg.solve(hessian, gradient)
        before, size = loss(params), 1.0
        # Halve the step until the loss falls, so no start or data set makes Newton overshoot.
        while loss(params + size * step) > before + 1e-4 * size * (gradient @ step) and size > 1e-9:
            size *= 0.5
        params = params + size * step
    gradient, _residual, _curvature = gradient_at(params)
    return params, bool(np.abs(gradient).max() < tolerance)


def fit_style_controlled(model_a, model_b, winner, features_a, features_b,
                         feature_names: Sequence[str], *, bootstrap_rounds: int = 100,
                         seed: int = 0, scale: float = 400,
                         init_rating: float = 1000) -> StyleControlledFit:
    """Fit Bradley–Terry with style covariates as FastChat does (see the module's docstring).

    ``features_a``/``features_b`` are n x k arrays (columns in ``feature_names`` order) or
    sequences of mappings such as ``style_features`` returns. Intervals come from resampling
    rows with ``np.random.default_rng(seed)``; the style columns are those of the full data, as
    in FastChat's bootstrap. Ratings are mean-centred at ``init_rating`` (the prior already
    centres them; the shift only removes rounding).
    """
    names, code_a, code_b, outcome = encode(model_a, model_b, winner)
    a, b = _style_matrix(features_a, feature_names), _style_matrix(features_b, feature_names)
    if a.shape != b.shape or len(a) != len(code_a):
        raise ValueError(f"style features have shapes {a.shape} and {b.shape} "
                         f"for {len(code_a)} votes")
    style, varies = style_design(a, b)
    target = np.array([1.0, 0.0, 0.5, 0.5])[outcome]
    m, n = len(names), len(code_a)
    start = np.zeros(m + style.shape[1])
    point, converged = _fit_rows(code_a, code_b, target, style, np.ones(n), start)
    rng = np.random.default_rng(seed)
    rounds = []
    for _ in range(bootstrap_rounds if n else 0):
        weight = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        rounds.append(_fit_rows(code_a, code_b, target, style, weight, point)[0])

    def to_ratings(w: np.ndarray) -> np.ndarray:
        return init_rating + (w - w.mean(axis=-1, keepdims=True)) * scale

    ratings = to_ratings(point[:m])
    if rounds:
        lower, upper = np.percentile(to_ratings(np.array(rounds)[:, :m]), [2.5, 97.5], axis=0)
    else:
        lower = upper = ratings
    share = independent_share(code_a, code_b, m, style)
    return StyleControlledFit(
        names, ratings, lower, upper,
        {name: float(c) for name, c, v in zip(feature_names, point[m:], varies) if v},
        {name: float(s) for name, s, v in zip(feature_names, share, varies) if v},
        converged,
    )


def style_board(model_a, model_b, winner, features_a, features_b, *, min_votes: int,
                bootstrap_rounds: int, seed: int) -> dict:
    """Return the style-controlled board as the leaderboard and `manage.py ratings` show it.

    ``{"status", "votes", "min_votes", "models": [{"model", "rating", "ci_lower", "ci_upper"}],
    "coefficients": {feature: γ}, "independent_share": {feature: share}}``. ``models`` is empty
    unless ``status`` is "ok": below ``min_votes`` votes nothing is fitted ("too_few_votes");
    a feature whose independent share is under MIN_INDEPENDENT_SHARE makes it "confounded";
    a fit that did not converge is "not_converged". Features are in STYLE_FEATURES order.
    """
    votes = len(model_a)
    board = {"status": STATUS_OK, "votes": votes, "min_votes": min_votes, "models": [],
             "coefficients": {}, "independent_share": {}}
    if votes < max(min_votes, 1):
        return {**board, "status": STATUS_TOO_FEW_VOTES}
    fit = fit_style_controlled(model_a, model_b, winner, features_a, features_b, STYLE_FEATURES,
                               bootstrap_rounds=bootstrap_rounds, seed=seed)
    board["coefficients"] = {k: round(v, 4) for k, v in fit.style_coefficients.items()}
    board["independent_share"] = {k: round(v, 4) for k, v in fit.independent_share.items()}
    if not fit.converged:
        return {**board, "status": STATUS_NOT_CONVERGED}
    if any(share < MIN_INDEPENDENT_SHARE for share in fit.independent_share.values()):
        return {**board, "status": STATUS_CONFOUNDED}
    models = [
        {"model": model, "rating": round(float(fit.ratings[i]), 2),
         "ci_lower": round(float(fit.ci_lower[i]), 2), "ci_upper": round(float(fit.ci_upper[i]), 2)}
        for i, model in enumerate(fit.models)
    ]
    models.sort(key=lambda row: (-row["rating"], row["model"]))
    return {**board, "models": models}
