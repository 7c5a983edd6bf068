"""The next battle's pair: uniform, or aimed at the contest's decision (who advances).

Pure numpy/scipy; nothing here imports Django. The arena draws with ``pair_draw`` from the
probabilities of ``uniform_probabilities`` or ``decision_probabilities`` and records the drawn
pair's probability with the battle (docs/decision.md).

Aimed at the decision, in the spirit of Chiang et al. 2024's active sampling (a pair's share
grows with how much one more vote on it shrinks the uncertainty that matters) but aimed at the
cut rather than at every interval: the uncertainty that matters is that of the comparisons between
a model inside the current advancing set and one outside it that are not yet decided. A pair's
score is the sum, over those comparisons, of the share of the comparison's variance one more vote
on the pair removes, each weighted by how far the comparison still is from being decided; pairs
are drawn in proportion to their score raised to SHARPNESS. Every pair keeps at least ``floor`` times its uniform share, so every pair keeps being seen and the fit
keeps learning every gap.

Why the fit stays unbiased: which pair is drawn depends only on earlier votes (and the sampler's
own randomness), never on the outcome of the vote being drawn, so the design is ignorable for the
likelihood: the Bradley–Terry likelihood of the votes is the same function of the ratings as under
uniform draws, and its maximum, its information and the confidence sequence of stats.decision are
used unchanged (no inverse-probability weights, which would only add variance). The floor keeps
every pair's information growing, which the consistency of the fit under an adaptive design
needs. tests/stats/test_sampling.py checks that the fitted ratings under aimed draws centre on the
true ones.
"""
from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import numpy as np
from scipy.special import ndtr

from stats.counts import PairCounts
from stats.decision import POINTS_PER_LOGIT, Rule, boundary, information
from stats.ratings import fit_bradley_terry

SAMPLERS = ("uniform", "decision")
# Every pair keeps at least this share of its uniform probability (with 5 entrants, 10 pairs:
# each at least 2% of the draws, four fifths of the draws aimed). docs/performance.md says why.
FLOOR = 0.2
# Drawing in proportion to a pair's score spreads the votes nearly as thinly as uniform draws (a
# vote on a neighbouring pair removes a quarter of what a vote on the pair itself does); the
# design that decides soonest puts them on the best pairs. Scores raised to this power draw
# mostly from the best pairs and still at random.
SHARPNESS = 3
# Below this z a comparison's gap is as good as unknown; its weight stops growing.
NEED_Z_FLOOR = 0.5


def pairs_of(models: Sequence[str]) -> list[tuple[str, str]]:
    """Return every unordered pair of ``models`` (sorted names), in a fixed order."""
    return list(itertools.combinations(sorted(set(models)), 2))


def uniform_probabilities(models: Sequence[str]) -> dict[tuple[str, str], float]:
    """Return every pair's probability under uniform draws (today's sampler)."""
    pairs = pairs_of(models)
    if not pairs:
        raise ValueError("a battle needs at least two models")
    return {pair: 1 / len(pairs) for pair in pairs}


def decision_probabilities(counts: PairCounts, models: Sequence[str], rule: Rule, *,
                           floor: float = FLOOR) -> dict[tuple[str, str], float]:
    """Return every pair of ``models``' probability of being drawn next, aimed at ``rule``'s cut.

    ``counts`` are the deciding board's votes so far (models without votes are allowed). The
    probabilities sum to one and none is below ``floor / number of pairs``. With k not below the
    number of models there is no cut to aim at and the draw is uniform. Raises ValueError on a
    floor outside [0, 1] or fewer than two models.
    """
    if not 0 <= floor <= 1:
        raise ValueError(f"floor must be between 0 and 1, not {floor!r}")
    pairs = pairs_of(models)
    uniform = uniform_probabilities(models)
    names = tuple(sorted(set(models) | set(counts.models)))
    if rule.k >= len(names) or floor == 1:
        return uniform
    if names != counts.models:
        counts = _widen(counts, names)
    score = _pair_scores(counts, rule, [(names.index(a), names.index(b)) for a, b in pairs])
    score = score ** SHARPNESS
    total = score.sum()
    if not np.isfinite(total) or total <= 0:
        return uniform
    share = floor / len(pairs) + (1 - floor) * score / total
    share /= share.sum()
    return {pair: float(p) for pair, p in zip(pairs, share)}


def _pair_scores(counts: PairCounts, rule: Rule, pairs: list[tuple[int, int]]) -> np.ndarray:
    """Return each pair's score: the undecided cut comparisons' share of variance a vote removes."""
    m = len(counts.models)
    ratings = fit_bradley_terry(counts)
    order = sorted(range(m), key=lambda i: (-ratings[i], counts.models[i]))
    inside = np.zeros(m, dtype=bool)
    inside[order[:rule.k]] = True
    inner, outer = np.flatnonzero(inside), np.flatnonzero(~inside)
    i, j = (a.ravel() for a in np.meshgrid(inner, outer, indexing="ij"))
    covariance = np.linalg.inv(information(counts, ratings))
    contrasts = np.zeros((len(i), m))
    contrasts[np.arange(len(i)), i] = 1.0
    contrasts[np.arange(len(i)), j] = -1.0
    variance = np.einsum("cm,mn,cn->c", contrasts, covariance, contrasts)
    z = (ratings[i] - ratings[j]) / POINTS_PER_LOGIT / np.sqrt(variance)
    alpha = (1 - rule.confidence) / (rule.k * (m - rule.k))
    # Near 1 while a comparison is far from its boundary, a half on it, towards 0 once past it.
    bound = boundary(1 / variance, alpha)
    undecided = ndtr(bound - z)  # the standard normal CDF (scipy.stats.norm.cdf is this)
    # A comparison needs its information to grow by about (bound / z)^2 before it is decided:
    # the hardest one decides when the set is, so it weighs most.
    need = (bound / np.maximum(np.abs(z), NEED_Z_FLOOR)) ** 2
    a, b = np.array(pairs).T
    theta = ratings / POINTS_PER_LOGIT
    p = 1 / (1 + np.exp(theta[b] - theta[a]))
    weight = p * (1 - p)
    # One vote on pair (a, b) adds weight * e e' to the information (e = unit a - unit b); the
    # variance of contrast c then falls by weight * (c' S e)^2 / (1 + weight * e' S e).
    e = np.zeros((len(pairs), m))
    e[np.arange(len(pairs)), a] = 1.0
    e[np.arange(len(pairs)), b] = -1.0
    cross = contrasts @ covariance @ e.T
    own = np.einsum("pm,mn,pn->p", e, covariance, e)
    removed = weight * cross ** 2 / (1 + weight * own)
    return ((undecided * need)[:, None] * removed / variance[:, None]).sum(axis=0)


def _widen(counts: PairCounts, names: tuple[str, ...]) -> PairCounts:
    """Return ``counts`` over ``names`` (a superset of its models), so unseen models count too."""
    index = np.array([names.index(name) for name in counts.models], dtype=np.int64)
    return PairCounts(names, index[counts.first], index[counts.second], counts.first_wins,
                      counts.second_wins, counts.ties, counts.both_bad)


def pair_draw(probabilities: dict[tuple[str, str], float], *,
              rng: random.Random | None = None) -> tuple[str, str, float]:
    """Return (left, right, probability of the drawn pair): a pair drawn by ``probabilities``,
    its two sides in random order so neither model nor screen side is favoured."""
    rng = rng or random.SystemRandom()
    pairs = list(probabilities)
    (pair,) = rng.choices(pairs, weights=[probabilities[p] for p in pairs])
    left, right = pair if rng.random() < 0.5 else pair[::-1]
    return left, right, probabilities[pair]
