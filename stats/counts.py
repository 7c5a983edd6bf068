"""A vote dataset's sufficient statistics: votes encoded as integer codes and counted per pair.

Pure numpy; nothing here imports Django. ``stats.ratings`` fits Bradley–Terry on these counts,
and the leaderboard's observed matrices (votes and win shares per pair) are read from them.

A vote is a row ``model_a, model_b, winner`` with ``winner`` one of ``WINNER_LABELS`` (the
public arena datasets' convention); which side a model sat on does not matter to the counts.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WINNER_LABELS = ("model_a", "model_b", "tie", "tie (bothbad)")
_WINNER_CODES = {label: code for code, label in enumerate(WINNER_LABELS)}

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


def encode(model_a, model_b, winner, models: Sequence[str] | None = None):
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
    names, code_a, code_b, outcome = encode(model_a, model_b, winner, models)
    return aggregate_encoded(names, code_a, code_b, outcome, weights=weights)


def aggregate_encoded(names: Sequence[str], code_a, code_b, outcome, *,
                      weights: Sequence[float] | None = None) -> PairCounts:
    """Count votes already encoded as integer arrays: ``names[code]`` is a model, ``outcome``
    indexes ``WINNER_LABELS``. A columnar reader (see voting/dataset_read.py) dictionary-encodes the
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
