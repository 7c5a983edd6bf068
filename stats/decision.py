"""The contest's decision: which k entrants advance, how likely each is to, and whether it is decided.

Pure numpy/scipy; nothing here imports Django. docs/decision.md says what the decision means and
what it does not; DESIGN.md's Ratings CLI prints ``advance`` exactly as ``advance`` returns it.

Two different figures, never to be confused:

- ``models``: each model's probability of advancing, the share of the board's bootstrap refits
  (the very rounds and seed of its intervals, not a second bootstrap) in which it is among the top
  k. A description of the uncertainty today, re-read as often as one likes; not a verdict.
- ``decided``: a verdict that stays valid when it is re-checked after every vote. The set is
  decided when, for every model inside it and every model outside it, a one-sided anytime-valid
  confidence sequence for the difference of their strengths (Robbins' normal mixture on the
  Bradley–Terry fit's Wald statistic, "asymptotic confidence sequences" of Waudby-Smith et al.)
  lies above zero. Each of the k * (m - k) comparisons gets an equal share of the error
  (1 - confidence), so the chance that the set is ever declared while wrong, at any look, is at
  most 1 - confidence (asymptotically), however often the board is looked at.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from stats.counts import PairCounts
from stats.ratings import RIDGE, bootstrap_with_fit, leaderboard_rows

# How a tie at the cut is handled in a refit (several models share the k-th rating):
# "share": the tied models split the remaining places equally (the probabilities sum to k);
# "all": every tied model counts as advancing (the probabilities may sum to more than k).
TIE_RULES = ("share", "all")
# The information (1 / variance of a difference of strengths, natural log-odds units) at which
# the confidence sequence is tightest: about where a 30-point gap is decided at 95%. The boundary
# is valid at every information; this only chooses where it is tightest.
TIGHTEST_INFORMATION = 400.0
# Elo points per unit of natural log-odds (scale 400, base 10, as in stats.ratings).
POINTS_PER_LOGIT = 400 / math.log(10)


@dataclass(frozen=True)
class Rule:
    """A contest's declared decision rule: ``k`` advance, decided at ``confidence``, ties by ``tie``.

    Raises ValueError on a k below 1, a confidence outside (0, 1) or an unknown tie rule; that k
    is below the number of models is checked against a board (``advance``).
    """

    k: int
    confidence: float = 0.95
    tie: str = "share"

    def __post_init__(self):
        if isinstance(self.k, bool) or not isinstance(self.k, int) or self.k < 1:
            raise ValueError(f"k must be a whole number of at least 1, not {self.k!r}")
        if not isinstance(self.confidence, int | float) or not 0 < self.confidence < 1:
            raise ValueError(f"confidence must be between 0 and 1 (exclusive), not {self.confidence!r}")
        if self.tie not in TIE_RULES:
            raise ValueError(f"tie must be one of {', '.join(TIE_RULES)}, not {self.tie!r}")


def information(counts: PairCounts, ratings: np.ndarray) -> np.ndarray:
    """Return the Bradley–Terry fit's Fisher information (m x m, log-odds units) at ``ratings``.

    The prior's ridge is included, so it is invertible even before every model has played.
    A tie counts as half a win each way, whose variance is below a win's: the information of a
    win/loss model is then a lower bound on the truth, which keeps the sequence conservative.
    """
    m = len(counts.models)
    theta = np.asarray(ratings, dtype=float) / POINTS_PER_LOGIT
    played = counts.first_wins + counts.second_wins + counts.draws
    p = expit(theta[counts.first] - theta[counts.second])
    weight = played * p * (1 - p)
    matrix = RIDGE * np.eye(m)
    np.add.at(matrix, (counts.first, counts.second), -weight)
    np.add.at(matrix, (counts.second, counts.first), -weight)
    np.add.at(matrix, (counts.first, counts.first), weight)
    np.add.at(matrix, (counts.second, counts.second), weight)
    return matrix


def boundary(info: np.ndarray, alpha: float) -> np.ndarray:
    """Return the z a difference must exceed at information ``info`` (one-sided, error ``alpha``).

    Robbins' one-sided normal mixture (Howard et al. 2021, eq. 14): a Gaussian random walk S with
    variance V crosses sqrt(2 (V + rho) log(sqrt((V + rho) / rho) / (2 alpha) + 1)) at some V with
    probability at most alpha; divided by sqrt(V) it is a threshold on the Wald z.
    """
    info = np.maximum(np.asarray(info, dtype=float), 1e-12)
    rho = TIGHTEST_INFORMATION / (2 * math.log(1 / alpha) + math.log(1 + 2 * math.log(1 / alpha)))
    return np.sqrt(2 * (info + rho) * np.log(np.sqrt((info + rho) / rho) / (2 * alpha) + 1) / info)


def cut_contrasts(counts: PairCounts, ratings: np.ndarray, inside: np.ndarray):
    """Return (inside index, outside index, z, information) of every inside-outside comparison."""
    inside_index, outside_index = np.flatnonzero(inside), np.flatnonzero(~inside)
    i, j = (a.ravel() for a in np.meshgrid(inside_index, outside_index, indexing="ij"))
    covariance = np.linalg.inv(information(counts, ratings))
    variance = covariance[i, i] + covariance[j, j] - 2 * covariance[i, j]
    gap = (np.asarray(ratings, dtype=float)[i] - np.asarray(ratings, dtype=float)[j])
    return i, j, gap / POINTS_PER_LOGIT / np.sqrt(variance), 1 / variance


def advance_probabilities(resampled: np.ndarray, k: int, tie: str = "share") -> np.ndarray:
    """Return each model's share of the refits (rows of ``resampled``) in which it is in the top k."""
    resampled = np.asarray(resampled, dtype=float)
    if resampled.shape[0] == 0:
        return np.zeros(resampled.shape[1])
    kth = -np.sort(-resampled, axis=1)[:, k - 1:k]
    above, level = resampled > kth, resampled == kth
    if tie == "all":
        return (above | level).mean(axis=0)
    places = (k - above.sum(axis=1, keepdims=True)) / level.sum(axis=1, keepdims=True)
    return (above + level * places).mean(axis=0)


def advance(counts: PairCounts, ratings: np.ndarray, resampled: np.ndarray, rule: Rule) -> dict:
    """Return the contract's ``advance`` object for a board's fit and its bootstrap refits.

    ``ratings`` are the board's point ratings and ``resampled`` its bootstrap ratings (rounds x m,
    ``counts.models`` order), e.g. from ``stats.ratings.bootstrap_with_fit``. ``set`` is the top k
    by rating (all those tied at the cut under the "all" rule); with a tie at the cut the set is
    never decided. Probabilities are rounded to 4 decimals. Raises ValueError when k is not below
    the number of models.
    """
    m = len(counts.models)
    if rule.k >= m:
        raise ValueError(f"k ({rule.k}) must be below the number of models ({m})")
    ratings = np.asarray(ratings, dtype=float)
    order = sorted(range(m), key=lambda i: (-ratings[i], counts.models[i]))
    kth = ratings[order[rule.k - 1]]
    tied_at_cut = bool(ratings[order[rule.k]] == kth)
    inside = np.zeros(m, dtype=bool)
    inside[order[:rule.k]] = True
    if rule.tie == "all":
        inside |= ratings == kth
    decided = False
    if not tied_at_cut and counts.votes > 0:
        alpha = (1 - rule.confidence) / (rule.k * (m - rule.k))
        _, _, z, info = cut_contrasts(counts, ratings, inside)
        decided = bool(np.all(z > boundary(info, alpha)))
    probabilities = advance_probabilities(resampled, rule.k, rule.tie)
    return {"k": rule.k, "confidence": rule.confidence,
            "models": {name: round(float(probabilities[i]), 4)
                       for i, name in enumerate(counts.models)},
            "decided": decided,
            "set": [counts.models[i] for i in order if inside[i]]}


def leaderboard_with_advance(counts: PairCounts, rule: Rule, *, bootstrap_rounds: int = 1000,
                             seed: int = 0, anchor: tuple[str, float] | None = None,
                             min_battles_provisional: int = 0) -> dict:
    """Return ``stats.ratings.leaderboard_from_counts``'s JSON plus ``advance`` from the same refits."""
    ratings, resampled = bootstrap_with_fit(counts, rounds=bootstrap_rounds, seed=seed,
                                            anchor=anchor)
    board = leaderboard_rows(counts, ratings, resampled,
                             min_battles_provisional=min_battles_provisional)
    board["advance"] = advance(counts, ratings, resampled if bootstrap_rounds else ratings[None],
                               rule)
    return board
