"""Ratings of a contest's entrants from its votes: Bradley–Terry, bootstrap CIs, Elo, style control.

Pure numpy/scipy; nothing here imports Django, so anyone can recompute a leaderboard from the
published vote dataset with this file alone.

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
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.special import expit

WINNER_LABELS = ("model_a", "model_b", "tie", "tie (bothbad)")
_WINNER_CODES = {label: code for code, label in enumerate(WINNER_LABELS)}
# Small enough to agree with the unpenalised MLE within 0.01 points on real data, large enough
# to stop Newton's method from walking to infinity when the MLE does not exist.
RIDGE = 1e-4
# Newton stops when no rating moves by more than about 1e-6 points.
_STEP_TOLERANCE = 1e-8
_MAX_NEWTON_STEPS = 200


@dataclass(frozen=True)
class PairCounts:
    """Vote counts per unordered pair of models: the sufficient statistics of Bradley–Terry.

    ``models`` is sorted; pair k is ``models[first[k]]`` vs ``models[second[k]]`` with
    ``first[k] < second[k]``. Only pairs that met at least once are listed. ``ties`` holds plain
    ties and ``both_bad`` the both-bad votes; both count as half a win each way.
    """

    models: tuple[str, ...]
    first: np.ndarray
    second: np.ndarray
    first_wins: np.ndarray
    second_wins: np.ndarray
    ties: np.ndarray
    both_bad: np.ndarray

    @property
    def votes(self) -> int:
        """Return the number of votes (rounded, when the counts are weighted)."""
        return int(round(float(self.first_wins.sum() + self.second_wins.sum() + self.draws.sum())))

    @property
    def draws(self) -> np.ndarray:
        return self.ties + self.both_bad

    @property
    def battles(self) -> np.ndarray:
        """Return the number of votes each model took part in."""
        per_pair = self.first_wins + self.second_wins + self.draws
        m = len(self.models)
        return np.bincount(self.first, per_pair, m) + np.bincount(self.second, per_pair, m)

    @property
    def scores(self) -> np.ndarray:
        """Return each model's wins plus half its ties and both-bad votes."""
        m, half = len(self.models), 0.5 * self.draws
        return (np.bincount(self.first, self.first_wins + half, m)
                + np.bincount(self.second, self.second_wins + half, m))


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


def _encode(model_a, model_b, winner, models: Sequence[str] | None = None):
    """Return sorted model names and per-row codes of side A, side B and outcome (0..3).

    Hashing each name once through a dict beats np.unique, which sorts strings.
    """
    columns = [v.tolist() if isinstance(v, np.ndarray) else list(v)
               for v in (model_a, model_b, winner)]
    a, b, outcome_labels = columns
    n = len(a)
    if len(b) != n or len(outcome_labels) != n:
        raise ValueError(f"model_a, model_b and winner differ in length: {n}, {len(b)}, "
                         f"{len(outcome_labels)}")
    names = tuple(sorted(set(a) | set(b) | set(models or ())))
    index = {name: code for code, name in enumerate(names)}
    code_a = np.fromiter(map(index.__getitem__, a), np.int64, n)
    code_b = np.fromiter(map(index.__getitem__, b), np.int64, n)
    try:
        outcome = np.fromiter(map(_WINNER_CODES.__getitem__, outcome_labels), np.int64, n)
    except KeyError as error:
        raise ValueError(f"unknown winner label {error.args[0]!r}; expected one of "
                         f"{', '.join(map(repr, WINNER_LABELS))}") from None
    if np.any(same := code_a == code_b):
        raise ValueError(f"model {names[code_a[np.argmax(same)]]!r} battles itself "
                         f"in {int(same.sum())} rows")
    return names, code_a, code_b, outcome


def aggregate(model_a, model_b, winner, *, models: Sequence[str] | None = None,
              weights: Sequence[float] | None = None) -> PairCounts:
    """Count votes per unordered pair and outcome.

    Accept sequences or numpy arrays (str or object) of equal length; ``models`` adds names that
    may have no votes (they get a rating of their own, see ``fit_bradley_terry``). ``weights``
    (one non-negative number a row) makes the counts weighted sums, as the combined track does
    with its published per-track weights; a weight of 2 is the same as the row counted twice.
    Raise ValueError for an unknown winner label, a model battling itself, unequal lengths or a
    negative or non-finite weight.
    """
    names, code_a, code_b, outcome = _encode(model_a, model_b, winner, models)
    return aggregate_encoded(names, code_a, code_b, outcome, weights=weights)


def aggregate_encoded(names: Sequence[str], code_a, code_b, outcome, *,
                      weights: Sequence[float] | None = None) -> PairCounts:
    """Count votes already encoded as integer arrays: ``names[code]`` is a model, ``outcome``
    indexes ``WINNER_LABELS``. A columnar reader (see voting/dataset.py) dictionary-encodes the
    columns itself, so no per-row Python work is left. ``names`` must be sorted and unique;
    raise ValueError for a model battling itself or an outcome out of range.
    """
    names = tuple(names)
    code_a, code_b, outcome = (np.asarray(x, dtype=np.int64) for x in (code_a, code_b, outcome))
    if outcome.size and (outcome.min() < 0 or outcome.max() > 3):
        raise ValueError("outcome codes must be 0..3")
    if np.any(same := code_a == code_b):
        raise ValueError(f"model {names[code_a[np.argmax(same)]]!r} battles itself "
                         f"in {int(same.sum())} rows")
    m = len(names)
    if weights is not None:
        weights = np.asarray(weights, dtype=float)
        if weights.shape != code_a.shape:
            raise ValueError(f"weights has {weights.size} entries for {code_a.size} rows")
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError("weights must be finite and non-negative")
    swap = code_a > code_b
    low, high = np.minimum(code_a, code_b), np.maximum(code_a, code_b)
    # Relative to the lower index, "A won" becomes "B won" when A sat on the higher index.
    relative = outcome ^ (swap & (outcome < 2))
    cells = np.bincount((low * m + high) * 4 + relative, weights, minlength=m * m * 4).reshape(-1, 4)
    met = np.flatnonzero(cells.sum(axis=1))
    table = cells[met]
    return PairCounts(names, met // m, met % m, table[:, 0], table[:, 1], table[:, 2], table[:, 3])


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
    for _ in range(_MAX_NEWTON_STEPS):
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
        active = active[np.abs(step).max(axis=1) >= _STEP_TOLERANCE]
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
    names, code_a, code_b, outcome = _encode(model_a, model_b, winner)
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
    theta = _fit_theta(counts)
    settings = dict(scale=400, base=10, init_rating=1000, anchor=anchor)
    ratings = _to_ratings(theta, counts, **settings)
    if bootstrap_rounds > 0:
        resampled = _to_ratings(_bootstrap_theta(counts, theta, bootstrap_rounds, seed), counts,
                                **settings)
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


def battle_count_matrix(counts: PairCounts) -> np.ndarray:
    """Return the symmetric m x m matrix of votes per pair (zero diagonal)."""
    m = len(counts.models)
    matrix = np.zeros((m, m), dtype=np.int64)
    played = counts.first_wins + counts.second_wins + counts.draws
    matrix[counts.first, counts.second] = played
    matrix[counts.second, counts.first] = played
    return matrix


def win_rate_matrix(counts: PairCounts) -> list[list[float | None]]:
    """Return, JSON-ready, the share of i's votes against j that i won (ties count half).

    Entry [i][j] is None on the diagonal and for pairs that never met, so no NaN reaches JSON.
    """
    m = len(counts.models)
    matrix: list[list[float | None]] = [[None] * m for _ in range(m)]
    played = counts.first_wins + counts.second_wins + counts.draws
    for k, (i, j) in enumerate(zip(counts.first.tolist(), counts.second.tolist())):
        share = float((counts.first_wins[k] + 0.5 * counts.draws[k]) / played[k])
        matrix[i][j], matrix[j][i] = share, 1.0 - share
    return matrix


def predicted_win_matrix(ratings: np.ndarray, *, scale: float = 400, base: float = 10
                         ) -> np.ndarray:
    """Return P(i beats j) = 1 / (1 + base ** ((r_j - r_i) / scale)); the diagonal is 0.5."""
    ratings = np.asarray(ratings, dtype=float)
    return expit((ratings[:, None] - ratings[None, :]) * (math.log(base) / scale))


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

    for _ in range(_MAX_NEWTON_STEPS):
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
        if np.abs(step).max() < _STEP_TOLERANCE:
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
    names, code_a, code_b, outcome = _encode(model_a, model_b, winner)
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
