"""Choose which two entrants meet in a battle. Pure: no Django, so it can be tested alone.

Two draws, one per contest setting (contest.Contest.PairDraw): uniform over the unordered pairs,
or by given pair probabilities (the decision-aimed ones, computed by the statistics package when
the boards are recomputed, with a floor so every pair keeps being seen). Either way the side of
each entrant is a fair coin, and the probability with which the pair was drawn is returned so
the battle can record it and the dataset publish it (the draw depends only on earlier votes, so
the fit needs no weighting: docs/decision.md).
"""
import math
import random
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TypeVar

from stats import sampling as stats_sampling

T = TypeVar("T")


class PairProbabilitiesInvalid(ValueError):
    """The given pair probabilities cannot be drawn from for these candidates."""


def pair_sample(candidates: Sequence[T], *, rng: random.Random | None = None) -> tuple[T, T]:
    """Return two distinct candidates as (left, right).

    Every unordered pair is equally likely, and so is either order of the chosen pair, so
    neither a model nor a screen side is favoured. Raises ValueError with fewer than two.
    """
    if len(candidates) < 2:
        raise ValueError("a battle needs at least two candidates")
    rng = rng or random.SystemRandom()
    first, second = rng.sample(range(len(candidates)), 2)
    return candidates[first], candidates[second]


def pair_key(a: Hashable, b: Hashable) -> frozenset:
    """The key of an unordered pair in a probabilities mapping."""
    return frozenset((a, b))


def pair_probabilities_among(candidates: Sequence[T], probabilities: Mapping[frozenset, float],
                             *, key: Callable[[T], Hashable]) -> dict[frozenset, float]:
    """Return `probabilities` restricted to the pairs of `candidates`, summing to one.

    A pair the mapping lacks, a value that is not a finite non-negative number, or a total of
    zero raises PairProbabilitiesInvalid. Renormalising over fewer candidates (an entrant taken
    out of sampling) only raises each pair's share, so a floor given upstream still holds.
    """
    keys = [key(candidate) for candidate in candidates]
    pairs = [pair_key(a, b) for i, a in enumerate(keys) for b in keys[i + 1:]]
    values = []
    for pair in pairs:
        value = probabilities.get(pair)
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise PairProbabilitiesInvalid(f"no usable probability for the pair {sorted(map(str, pair))}")
        values.append(float(value))
    total = sum(values)
    if total <= 0:
        raise PairProbabilitiesInvalid("the pair probabilities sum to zero")
    return {pair: value / total for pair, value in zip(pairs, values)}


def pair_draw(candidates: Sequence[T], *, probabilities: Mapping[frozenset, float] | None = None,
              key: Callable[[T], Hashable] = lambda candidate: candidate,
              rng: random.Random | None = None) -> tuple[T, T, float]:
    """Return (left, right, probability of drawing this unordered pair).

    Without `probabilities`, uniform (pair_sample). With them (keyed by pair_key of the
    candidates' `key`), the pair is drawn with its renormalised probability
    (pair_probabilities_among, which raises PairProbabilitiesInvalid) by stats.sampling's draw,
    the sides by a coin.
    Raises ValueError with fewer than two candidates.
    """
    if len(candidates) < 2:
        raise ValueError("a battle needs at least two candidates")
    rng = rng or random.SystemRandom()
    if probabilities is None:
        left, right = pair_sample(candidates, rng=rng)
        n = len(candidates)
        return left, right, 2 / (n * (n - 1))
    shares = pair_probabilities_among(candidates, probabilities, key=key)
    by_key = {key(candidate): candidate for candidate in candidates}
    left, right, probability = stats_sampling.pair_draw(
        {tuple(sorted(pair, key=str)): share for pair, share in shares.items()}, rng=rng)
    return by_key[left], by_key[right], probability
