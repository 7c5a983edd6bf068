"""Ratings of a contest's entrants from its votes: Bradley–Terry, bootstrap CIs, Elo, ranks.

Pure numpy/scipy; nothing here imports Django, so anyone can recompute a leaderboard from the
published vote dataset with this file and the counts it fits (stats/counts.py) alone. Style
control lives beside it (stats/style.py).

Definitions (the leaderboard publishes exactly these):

- A vote is a row ``model_a, model_b, winner`` with ``winner`` in ``"model_a"``, ``"model_b"``,
  ``"tie"``, ``"tie (bothbad)"`` (the public arena datasets' convention). Which side a model sat
  on does not matter for Bradley–Terry.
- Bradley–Terry: P(i beats j) = 1 / (1 + base ** ((r_j - r_i) / scale)), scale 400, base 10.
  A tie or a both-bad vote counts as half a win each way. Ratings are the maximum-likelihood
  estimate, fitted on the aggregated pair counts, mean-centred at ``init_rating`` (1000) within
  each connected part of the comparison graph, or shifted so that an anchor model has its
  pinned rating.
- Every fit adds a ridge of ``RIDGE / 2 * sum(theta ** 2)`` on the natural log-odds scale
  (theta = rating * ln(base) / scale). It keeps ratings finite when the MLE does not exist (a
  model that never lost or never won, or a group of models that never lost to the rest) and it
  centres each connected part at zero. On ordinary data it moves a rating by about
  ``RIDGE * (rating - 1000) / information``, i.e. well under 0.01 points for any model with more
  than about twenty battles.
- 95% intervals: resample the votes multinomially over the aggregated pair-outcome cells
  (identical in distribution to resampling rows), refit every round, take the 2.5 and 97.5
  percentiles.
- ``rank`` = 1 + number of models with a strictly higher rating; ``rank_ub`` = 1 + number of
  models whose ``ci_lower`` is above this model's ``ci_upper``. Both are computed from the
  published, rounded figures so that a reader can check them.
- ``win_rate`` = (wins + 0.5 * (ties + both-bad)) / battles.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.special import expit

from stats.counts import PairCounts, aggregate, encode

# Small enough to agree with the unpenalised MLE within 0.01 points on real data, large enough
# to stop Newton's method from walking to infinity when the MLE does not exist.
RIDGE = 1e-4
# Newton stops when no rating moves by more than about 1e-6 points.
STEP_TOLERANCE = 1e-8
MAX_NEWTON_STEPS = 200


@dataclass(frozen=True)
class Connectivity:
    """How well the votes tie the models together.

    ``components`` are the connected parts of the comparison graph (largest first); ratings in
    different parts are not comparable. ``unbounded`` lists models in parts where some group never
    lost (or never won) against the rest, so their gaps are set by the ridge, not the data.
    """

    components: tuple[tuple[str, ...], ...]
    unbounded: tuple[str, ...]

    @property
    def disconnected(self) -> bool:
        return len(self.components) > 1


def connectivity(counts: PairCounts) -> Connectivity:
    """Return the connected parts of the comparison graph and the models without an MLE."""
    m = len(counts.models)
    if m == 0:
        return Connectivity((), ())
    met = coo_matrix((np.ones(len(counts.first)), (counts.first, counts.second)), shape=(m, m))
    n_parts, part = connected_components(met, directed=False)
    # The MLE exists inside a part iff "beat or tied" edges make the part strongly connected.
    score_first = counts.first_wins + counts.draws
    score_second = counts.second_wins + counts.draws
    tails = np.r_[counts.first[score_first > 0], counts.second[score_second > 0]]
    heads = np.r_[counts.second[score_first > 0], counts.first[score_second > 0]]
    edges = coo_matrix((np.ones(len(tails)), (tails, heads)), shape=(m, m))
    _, strong = connected_components(edges, directed=True, connection="strong")
    components = sorted((tuple(counts.models[i] for i in np.flatnonzero(part == p))
                         for p in range(n_parts)), key=lambda c: (-len(c), c))
    split = {p for p in range(n_parts) if len(set(strong[part == p])) > 1}
    unbounded = tuple(counts.models[i] for i in range(m) if part[i] in split)
    return Connectivity(tuple(components), unbounded)


def _newton(counts: PairCounts, won_first: np.ndarray, won_second: np.ndarray,
            theta: np.ndarray) -> np.ndarray:
    """Minimise the ridge-penalised BT loss for every row of ``theta`` (rounds x m) at once.

    ``won_first``/``won_second`` (rounds x pairs) are wins plus half draws. Each step solves the
    batched Newton system and halves the step for rounds whose loss would not decrease; the loss
    is strictly convex, so this converges for every round.
    """
    theta = theta.copy()
    m, first, second = theta.shape[1], counts.first, counts.second
    if len(first) == 0:
        return np.zeros_like(theta)
    incidence = np.zeros((len(first), m))
    incidence[np.arange(len(first)), first] = 1.0
    incidence[np.arange(len(first)), second] = -1.0
    played = won_first + won_second
    diagonal = np.arange(m)

    def loss(th, w1, w2):
        d = th[:, first] - th[:, second]
        return ((w1 * np.logaddexp(0.0, -d) + w2 * np.logaddexp(0.0, d)).sum(axis=1)
                + 0.5 * RIDGE * (th * th).sum(axis=1))

    active = np.arange(theta.shape[0])
    for _ in range(MAX_NEWTON_STEPS):
        if active.size == 0:
            break
        th, w1, w2, n = theta[active], won_first[active], won_second[active], played[active]
        p = expit(th[:, first] - th[:, second])
        gradient = (n * p - w1) @ incidence + RIDGE * th
        curvature = n * p * (1.0 - p)
        hessian = np.zeros((len(active), m, m))
        hessian[:, first, second] = -curvature
        hessian[:, second, first] = -curvature
        hessian[:, diagonal, diagonal] = curvature @ np.abs(incidence) + RIDGE
        step = -np.linalg.solve(hessian, gradient[..., None])[..., 0]
        before, slope, size = loss(th, w1, w2), (gradient * step).sum(axis=1), np.ones(len(active))
        for _ in range(50):
            candidate = th + size[:, None] * step
            worse = loss(candidate, w1, w2) > before + 1e-4 * size * slope + 1e-12 * np.abs(before)
            if not worse.any():
                break
            size[worse] *= 0.5
        theta[active] = candidate
        active = active[np.abs(step).max(axis=1) >= STEP_TOLERANCE]
    return theta


def _to_ratings(theta: np.ndarray, counts: PairCounts, *, scale: float, base: float,
                init_rating: float, anchor: tuple[str, float] | None) -> np.ndarray:
    """Turn log-odds strengths into Elo-scale ratings, centred per connected part or anchored."""
    ratings = theta * (scale / math.log(base))
    for component in connectivity(counts).components:
        members = [counts.models.index(name) for name in component]
        # The ridge already centres each part; this removes the last round-off.
        ratings[..., members] -= ratings[..., members].mean(axis=-1, keepdims=True)
    ratings += init_rating
    if anchor is not None:
        name, pinned = anchor
        if name not in counts.models:
            raise ValueError(f"anchor model {name!r} has no votes and is not among the models")
        ratings += pinned - ratings[..., [counts.models.index(name)]]
    return ratings


def fit_bradley_terry(counts: PairCounts, *, scale: float = 400, base: float = 10,
                      init_rating: float = 1000, anchor: tuple[str, float] | None = None
                      ) -> np.ndarray:
    """Return the Bradley–Terry ratings of ``counts.models`` (same order), never NaN.

    Centred at ``init_rating`` within each connected part of the comparison graph (a model with no
    votes is a part of its own and gets ``init_rating``); with ``anchor=(name, rating)`` every
    rating is shifted by one constant so that ``name`` has ``rating``. Zero votes and no models
    give an empty array. See the module docstring for the ridge that keeps every rating finite,
    and ``connectivity`` for telling when it, rather than the data, sets a gap.
    """
    return _to_ratings(_fit_theta(counts), counts, scale=scale, base=base,
                       init_rating=init_rating, anchor=anchor)


def _fit_theta(counts: PairCounts) -> np.ndarray:
    half = 0.5 * counts.draws
    return _newton(counts, (counts.first_wins + half)[None].astype(float),
                   (counts.second_wins + half)[None].astype(float),
                   np.zeros((1, len(counts.models))))[0]


def _bootstrap_theta(counts: PairCounts, theta: np.ndarray, rounds: int, seed: int) -> np.ndarray:
    total, pairs = counts.votes, len(counts.first)
    if rounds == 0 or total == 0:
        return np.tile(theta, (rounds, 1))
    # Ties and both-bad are merged: the fit only sees their sum, whose law is the same.
    cells = np.concatenate([counts.first_wins, counts.second_wins, counts.draws])
    drawn = np.random.default_rng(seed).multinomial(total, cells / cells.sum(), size=rounds)
    half = 0.5 * drawn[:, 2 * pairs:]
    return _newton(counts, drawn[:, :pairs] + half, drawn[:, pairs:2 * pairs] + half,
                   np.tile(theta, (rounds, 1)))


def bootstrap(counts: PairCounts, *, rounds: int = 1000, seed: int = 0, scale: float = 400,
              base: float = 10, init_rating: float = 1000,
              anchor: tuple[str, float] | None = None) -> np.ndarray:
    """Return ``rounds`` x m bootstrap ratings, each round centred or anchored like the fit.

    Each round draws ``counts.votes`` votes multinomially from the observed pair-outcome cells
    with ``np.random.default_rng(seed)``; all rounds are refitted together by batched Newton.
    """
    theta = _bootstrap_theta(counts, _fit_theta(counts), rounds, seed)
    return _to_ratings(theta, counts, scale=scale, base=base, init_rating=init_rating,
                       anchor=anchor)


def online_elo(model_a, model_b, winner, *, k: float = 4, scale: float = 400, base: float = 10,
               init_rating: float = 1000) -> dict[str, float]:
    """Return online Elo ratings after replaying the votes in the given order.

    Order-dependent, so the leaderboard shows it only as a secondary view. Ties and both-bad
    score half a point each way. Raise ValueError like ``aggregate``.
    """
    names, code_a, code_b, outcome = encode(model_a, model_b, winner)
    ratings = [float(init_rating)] * len(names)
    score_a = (1.0, 0.0, 0.5, 0.5)
    for a, b, o in zip(code_a.tolist(), code_b.tolist(), outcome.tolist()):
        expected_a = 1.0 / (1.0 + base ** ((ratings[b] - ratings[a]) / scale))
        change = k * (score_a[o] - expected_a)
        ratings[a] += change
        ratings[b] -= change
    return dict(zip(names, ratings))


def leaderboard(model_a, model_b, winner, *, bootstrap_rounds: int = 1000, seed: int = 0,
                anchor: tuple[str, float] | None = None, min_battles_provisional: int = 0,
                models: Sequence[str] | None = None,
                weights: Sequence[float] | None = None) -> dict:
    """Return the leaderboard JSON of DESIGN.md, sorted by rating (then name).

    Ratings and CI bounds are rounded to 2 decimals and ``win_rate`` to 4; ``rank`` and ``rank_ub``
    are computed from those rounded figures. With ``bootstrap_rounds=0`` the interval is the
    rating itself. A model without votes (only possible via ``models``) has ``win_rate`` None.
    Extra facts live under ``"diagnostics"``: ``disconnected``, ``components``, ``unbounded`` and,
    when ``min_battles_provisional > 0``, ``provisional`` (models with fewer battles).
    Zero votes give an empty ``models`` list (or the given models, unrated), not an error.
    With ``weights`` (see ``aggregate``) every count, ``battles`` and ``votes`` included, is the
    weighted sum, rounded for display; the bootstrap draws that many votes.
    """
    counts = aggregate(model_a, model_b, winner, models=models, weights=weights)
    return leaderboard_from_counts(counts, bootstrap_rounds=bootstrap_rounds, seed=seed,
                                   anchor=anchor, min_battles_provisional=min_battles_provisional)


def leaderboard_from_counts(counts: PairCounts, *, bootstrap_rounds: int = 1000, seed: int = 0,
                            anchor: tuple[str, float] | None = None,
                            min_battles_provisional: int = 0) -> dict:
    """Return ``leaderboard``'s JSON from counts already aggregated (so a caller that also
    draws the matrices from the same counts aggregates the votes once)."""
    ratings, resampled = bootstrap_with_fit(counts, rounds=bootstrap_rounds, seed=seed,
                                            anchor=anchor)
    return leaderboard_rows(counts, ratings, resampled,
                            min_battles_provisional=min_battles_provisional)


def bootstrap_with_fit(counts: PairCounts, *, rounds: int = 1000, seed: int = 0,
                       anchor: tuple[str, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return the board's point ratings and its ``rounds`` x m bootstrap ratings (one fit, one
    bootstrap), so the intervals and the decision (stats.decision) read the same refits."""
    theta = _fit_theta(counts)
    settings = dict(scale=400, base=10, init_rating=1000, anchor=anchor)
    ratings = _to_ratings(theta, counts, **settings)
    resampled = _to_ratings(_bootstrap_theta(counts, theta, rounds, seed), counts, **settings)
    return ratings, resampled


def leaderboard_rows(counts: PairCounts, ratings: np.ndarray, resampled: np.ndarray, *,
                     min_battles_provisional: int = 0) -> dict:
    """Return the leaderboard JSON of a fit and its refits (none: the interval is the rating)."""
    if len(resampled) > 0:
        lower, upper = np.percentile(resampled, [2.5, 97.5], axis=0)
    else:
        lower = upper = ratings
    rating, lower, upper = (np.round(x, 2) for x in (ratings, lower, upper))
    battles, scores = counts.battles, counts.scores
    rows = [{"model": name,
             "rating": float(rating[i]),
             "ci_lower": float(lower[i]),
             "ci_upper": float(upper[i]),
             "rank": 1 + int((rating > rating[i]).sum()),
             "rank_ub": 1 + int((lower > upper[i]).sum()),
             "battles": int(round(battles[i])),
             "win_rate": round(float(scores[i] / battles[i]), 4) if battles[i] else None}
            for i, name in enumerate(counts.models)]
    rows.sort(key=lambda row: (-row["rating"], row["model"]))
    graph = connectivity(counts)
    diagnostics = {"disconnected": graph.disconnected,
                   "components": [list(c) for c in graph.components],
                   "unbounded": list(graph.unbounded)}
    if min_battles_provisional > 0:
        diagnostics["provisional"] = [row["model"] for row in rows
                                      if row["battles"] < min_battles_provisional]
    return {"models": rows, "method": "bradley-terry", "votes": counts.votes,
            "diagnostics": diagnostics}


def predicted_win_matrix(ratings: np.ndarray, *, scale: float = 400, base: float = 10
                         ) -> np.ndarray:
    """Return P(i beats j) = 1 / (1 + base ** ((r_j - r_i) / scale)); the diagonal is 0.5."""
    ratings = np.asarray(ratings, dtype=float)
    return expit((ratings[:, None] - ratings[None, :]) * (math.log(base) / scale))
