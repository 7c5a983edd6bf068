"""Anomalous voters: the per-voter test of the Chatbot Arena paper, and a favouritism test.

Pure numpy/scipy, no Django.

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

That test only sees votes whose outcome is rare. An attacker who always votes for one model in
a close contest casts votes each of which is ordinary (the target wins a third of its battles
anyway), and passes it (benchmarks/attack.py measures this). So a second test, which the
published arenas do not run, looks at consistency instead: for each model a voter met, the
sum of (the model's score in the vote - its expected score among other voters on that pair),
standardised (`favour_z`); the voter's p-value is the most extreme model's two-sided normal
tail times the number of models (Bonferroni). The voter's overall p-value is
min(1, 2 * min(p_fisher, p_favour)) (Bonferroni over the two tests), so the flag rate of
honest voters stays at most alpha.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from stats.counts import WINNER_LABELS

OUTCOMES = 4  # first wins, second wins, tie, both bad
_FLIP = np.array([1, 0, 2, 3])  # the outcome seen from the other side
_WINNER_CODES = {label: code for code, label in enumerate(WINNER_LABELS)}


@dataclass(frozen=True)
class VoterTest:
    voter: str
    votes: int
    statistic: float  # Fisher's M
    p_fisher: float  # the paper's test
    p_favour: float  # the favouritism test, Bonferroni-corrected over the voter's models
    favoured: str  # the model the voter favoured (or sank) most, by z-score
    z_favour: float  # positive: voted for it more than others did; negative: against it
    p_value: float  # both tests together: min(1, 2 * min(p_fisher, p_favour))


def _in_reference(voter: Sequence[str], left_out: frozenset[str]) -> np.ndarray:
    """Return 1.0 for the votes that form the history, 0.0 for those of left-out voters."""
    return np.fromiter((name not in left_out for name in voter), float, len(voter))


def vote_pvalues(
    model_a: Sequence[str],
    model_b: Sequence[str],
    winner: Sequence[str],
    voter: Sequence[str],
    *,
    left_out: frozenset[str] = frozenset(),
) -> np.ndarray:
    """Return each vote's p-value against the pair's outcomes among the other voters.

    Votes of `left_out` voters are tested but form no one's history.
    """
    n = len(voter)
    if not (len(model_a) == len(model_b) == len(winner) == n):
        raise ValueError("model_a, model_b, winner and voter differ in length")
    if n == 0:
        return np.zeros(0)
    first, second, outcome = _oriented(model_a, model_b, winner)
    pair_keys = [f"{x}\x00{y}" for x, y in zip(first, second, strict=True)]
    pair_names, pair = np.unique(np.asarray(pair_keys, dtype=object), return_inverse=True)
    voter_names, who = np.unique(np.asarray(voter, dtype=object), return_inverse=True)
    weight = _in_reference(voter, left_out)
    total = np.zeros((len(pair_names), OUTCOMES))
    np.add.at(total, (pair, outcome), weight)
    own_key = who * len(pair_names) + pair
    own_names, own = np.unique(own_key, return_inverse=True)
    mine = np.zeros((len(own_names), OUTCOMES))
    np.add.at(mine, (own, outcome), weight)
    others = total[pair] - mine[own]  # n x 4: the history of each vote
    observed = others[np.arange(n), outcome][:, None]
    at_most_as_common = (others * (others <= observed)).sum(axis=1)
    return (1 + at_most_as_common) / (1 + others.sum(axis=1))


def _oriented(model_a, model_b, winner):
    """Return first/second model (by name), the outcome seen from first, and pair codes."""
    n = len(winner)
    a = np.asarray(model_a, dtype=object)
    b = np.asarray(model_b, dtype=object)
    swapped = a > b
    first = np.where(swapped, b, a)
    second = np.where(swapped, a, b)
    outcome = np.fromiter((_WINNER_CODES[w] for w in winner), np.int64, n)
    outcome = np.where(swapped, _FLIP[outcome], outcome)
    return first, second, outcome


def favour_z(
    model_a: Sequence[str],
    model_b: Sequence[str],
    winner: Sequence[str],
    voter: Sequence[str],
    *,
    left_out: frozenset[str] = frozenset(),
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return, per (voter, model), the z-score of how much the voter favoured the model.

    Each vote scores x = 1 for the model if it won, 0 if it lost, 1/2 for a tie or both bad.
    Against the same pair among other voters (with one win and one loss added, so that a
    one-sided history never gives a zero variance), the expected score is E and its variance
    V; z = sum(x - E) / sqrt(sum V) over the voter's votes with that model. Under the null
    (the voter votes like everyone else) z is about standard normal. Returns the arrays
    (voter names, model names, z, number of votes) of equal length.
    """
    first, second, outcome = _oriented(model_a, model_b, winner)
    n = len(outcome)
    x_first = np.array([1.0, 0.0, 0.5, 0.5])[outcome]
    pair_keys = np.asarray([f"{x}\x00{y}" for x, y in zip(first, second, strict=True)], dtype=object)
    pair_names, pair = np.unique(pair_keys, return_inverse=True)
    voter_names, who = np.unique(np.asarray(voter, dtype=object), return_inverse=True)
    pairs = len(pair_names)
    ref = _in_reference(voter, left_out)
    sums = (ref, ref * x_first, ref * x_first**2)
    total = np.stack([np.bincount(pair, w, pairs) for w in sums])
    own_names, own = np.unique(who * pairs + pair, return_inverse=True)
    mine = np.stack([np.bincount(own, w, len(own_names)) for w in sums])
    count, s1, s2 = total[:, pair] - mine[:, own]
    expected = (s1 + 1) / (count + 2)
    variance = np.maximum((s2 + 1) / (count + 2) - expected**2, 1e-6)
    model_names = np.unique(np.concatenate([first, second]))
    model_code = {name: code for code, name in enumerate(model_names)}
    m_first = np.fromiter((model_code[x] for x in first), np.int64, n)
    m_second = np.fromiter((model_code[x] for x in second), np.int64, n)
    keys = np.concatenate([who * len(model_names) + m_first, who * len(model_names) + m_second])
    residual = np.concatenate([x_first - expected, expected - x_first])
    variances = np.concatenate([variance, variance])
    key_names, key = np.unique(keys, return_inverse=True)
    s = np.bincount(key, residual, len(key_names))
    v = np.bincount(key, variances, len(key_names))
    votes = np.bincount(key, minlength=len(key_names))
    z = s / np.sqrt(v)
    return (
        voter_names[key_names // len(model_names)],
        model_names[key_names % len(model_names)],
        z,
        votes,
    )


def voters_test(
    model_a: Sequence[str],
    model_b: Sequence[str],
    winner: Sequence[str],
    voter: Sequence[str],
    *,
    min_votes: int = 1,
    left_out: frozenset[str] = frozenset(),
) -> list[VoterTest]:
    """Return both tests of every voter with at least `min_votes` votes.

    Votes of `left_out` voters form no one's history (see `voters_flag`). Sorted by p-value,
    most anomalous first.
    """
    p = vote_pvalues(model_a, model_b, winner, voter, left_out=left_out)
    if len(p) == 0:
        return []
    voter_names, who = np.unique(np.asarray(voter, dtype=object), return_inverse=True)
    counts = np.bincount(who, minlength=len(voter_names))
    statistic = np.bincount(who, -2 * np.log(p), minlength=len(voter_names))
    tail = stats.chi2.sf(statistic, 2 * counts)
    # The favouritism test: the voter's most extreme model, Bonferroni over their models.
    favour: dict[str, tuple[str, float]] = {}
    models_tested: Counter[str] = Counter()
    for name, model, z, _ in zip(
        *favour_z(model_a, model_b, winner, voter, left_out=left_out), strict=True
    ):
        models_tested[name] += 1
        if name not in favour or abs(z) > abs(favour[name][1]):
            favour[name] = (str(model), float(z))
    tests = []
    for i, name in enumerate(voter_names):
        if counts[i] < min_votes:
            continue
        favoured, z = favour[name]
        p_favour = min(1.0, float(2 * stats.norm.sf(abs(z))) * models_tested[name])
        tests.append(
            VoterTest(
                voter=str(name),
                votes=int(counts[i]),
                statistic=float(statistic[i]),
                p_fisher=float(tail[i]),
                p_favour=p_favour,
                favoured=favoured,
                z_favour=z,
                p_value=min(1.0, 2 * min(float(tail[i]), p_favour)),
            )
        )
    tests.sort(key=lambda test: (test.p_value, test.voter))
    return tests


def voters_flag(
    model_a, model_b, winner, voter, *, alpha: float, min_votes: int, rounds: int = 5
) -> list[VoterTest]:
    """Return the voters whose p-value is below `alpha` (most anomalous first).

    A massive attacker poisons the history every other voter is compared with, and makes
    honest voters look anomalous. So the test is repeated with the flagged voters' votes left
    out of the history, until the flagged set no longer changes (at most `rounds` times).
    """
    left_out: frozenset[str] = frozenset()
    tests: list[VoterTest] = []
    for _ in range(rounds):
        tests = voters_test(model_a, model_b, winner, voter, min_votes=min_votes, left_out=left_out)
        flagged = frozenset(test.voter for test in tests if test.p_value < alpha)
        if flagged == left_out:
            break
        left_out = flagged
    return [test for test in tests if test.p_value < alpha]
