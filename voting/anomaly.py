"""Anomalous voters: the per-voter test of the Chatbot Arena paper. Pure numpy/scipy, no Django.

Chiang et al. (2024), "Chatbot Arena: An Open Platform for Evaluating LLMs by Human
Preference", §5 (detecting anomalous users): each of a voter's votes gets a p-value against
the outcomes the same pair of models had among everyone else; the voter's p-values are
combined with Fisher's method, and a voter whose combined p-value is below a threshold is
flagged for review.

Here:
- A pair is unordered; its outcome is oriented (first model by name wins, second wins, tie,
  both bad), so "A wins" on the left and on the right are the same event.
- The history of a vote is every vote on that pair by *other* voters (the voter's own votes
  are left out, so that a voter who votes a lot does not make themselves look normal).
- The p-value of an outcome o with history counts c is conformal:
  p = (1 + sum of c[o'] over outcomes o' with c[o'] <= c[o]) / (1 + sum of c),
  the chance, under the null that the voter votes like everyone else, of an outcome at most as
  common as the one they chose. It is valid (never too small) even with a short history; an
  unseen pair gives p = 1.
- Fisher: M = -2 * sum(log p) follows chi-square with 2k degrees of freedom under the null
  (conservatively, since the p-values are discrete). The voter's p-value is its upper tail.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

OUTCOMES = 4  # first wins, second wins, tie, both bad
_FLIP = np.array([1, 0, 2, 3])  # the outcome seen from the other side
_WINNER_CODES = {"model_a": 0, "model_b": 1, "tie": 2, "tie (bothbad)": 3}


@dataclass(frozen=True)
class VoterTest:
    voter: str
    votes: int
    statistic: float  # Fisher's M
    p_value: float


def vote_pvalues(
    model_a: Sequence[str], model_b: Sequence[str], winner: Sequence[str], voter: Sequence[str]
) -> np.ndarray:
    """Return each vote's p-value against the pair's outcomes among the other voters."""
    n = len(voter)
    if not (len(model_a) == len(model_b) == len(winner) == n):
        raise ValueError("model_a, model_b, winner and voter differ in length")
    if n == 0:
        return np.zeros(0)
    a = np.asarray(model_a, dtype=object)
    b = np.asarray(model_b, dtype=object)
    swapped = a > b
    first = np.where(swapped, b, a)
    second = np.where(swapped, a, b)
    outcome = np.fromiter((_WINNER_CODES[w] for w in winner), np.int64, n)
    outcome = np.where(swapped, _FLIP[outcome], outcome)
    pair_keys = [f"{x}\x00{y}" for x, y in zip(first, second, strict=True)]
    pair_names, pair = np.unique(np.asarray(pair_keys, dtype=object), return_inverse=True)
    voter_names, who = np.unique(np.asarray(voter, dtype=object), return_inverse=True)
    total = np.zeros((len(pair_names), OUTCOMES))
    np.add.at(total, (pair, outcome), 1)
    own_key = who * len(pair_names) + pair
    own_names, own = np.unique(own_key, return_inverse=True)
    mine = np.zeros((len(own_names), OUTCOMES))
    np.add.at(mine, (own, outcome), 1)
    others = total[pair] - mine[own]  # n x 4: the history of each vote
    observed = others[np.arange(n), outcome][:, None]
    at_most_as_common = (others * (others <= observed)).sum(axis=1)
    return (1 + at_most_as_common) / (1 + others.sum(axis=1))


def voters_test(
    model_a: Sequence[str],
    model_b: Sequence[str],
    winner: Sequence[str],
    voter: Sequence[str],
    *,
    min_votes: int = 1,
) -> list[VoterTest]:
    """Return Fisher's combined test of every voter with at least `min_votes` votes.

    Sorted by p-value, most anomalous first.
    """
    p = vote_pvalues(model_a, model_b, winner, voter)
    if len(p) == 0:
        return []
    voter_names, who = np.unique(np.asarray(voter, dtype=object), return_inverse=True)
    counts = np.bincount(who, minlength=len(voter_names))
    statistic = np.bincount(who, -2 * np.log(p), minlength=len(voter_names))
    tail = stats.chi2.sf(statistic, 2 * counts)
    tests = [
        VoterTest(str(name), int(counts[i]), float(statistic[i]), float(tail[i]))
        for i, name in enumerate(voter_names)
        if counts[i] >= min_votes
    ]
    tests.sort(key=lambda test: (test.p_value, test.voter))
    return tests


def voters_flag(
    model_a, model_b, winner, voter, *, alpha: float, min_votes: int
) -> list[VoterTest]:
    """Return the voters whose combined p-value is below `alpha` (most anomalous first)."""
    return [
        test
        for test in voters_test(model_a, model_b, winner, voter, min_votes=min_votes)
        if test.p_value < alpha
    ]
