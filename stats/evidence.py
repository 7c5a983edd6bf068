"""Whether a board has the evidence to show ratings and ranks, or only counts and win rates.

Pure; nothing here imports Django. The board stays the same JSON (every figure recomputable
from the published rows); this only says whether the pages may show its ratings, ranks and
intervals or must show counts and win rates with a sentence instead (docs/leaderboard.md).

Withheld, not shrunk: where the maximum-likelihood estimate does not exist (a model that won or
lost every battle it had, or a group that never lost to the rest) the board shows no rating at
all, rather than a rating pulled in by a prior. A prior would put a figure on the board that the
votes do not support and that nobody declared, and past the threshold below the estimate exists
anyway, so the published ratings stay the plain Bradley–Terry fit (stats/ratings.py).
"""
from __future__ import annotations

# Why a board's ratings are withheld, in the order they are checked.
NO_VOTES = "no_votes"
TOO_FEW_BATTLES = "too_few_battles"
DISCONNECTED = "disconnected"
NO_ESTIMATE = "no_estimate"
ESTIMATE_ON_BOUND = "estimate_on_bound"
WITHHELD_REASONS = (NO_VOTES, TOO_FEW_BATTLES, DISCONNECTED, NO_ESTIMATE, ESTIMATE_ON_BOUND)


def ratings_withheld(board: dict, *, min_battles: int) -> str | None:
    """Return why ``board``'s ratings must not be shown (one of WITHHELD_REASONS), or None.

    ``board`` is stats.ratings' leaderboard JSON. Withheld while a model has fewer than
    ``min_battles`` battles, while the models are not all compared (directly or not), while some
    model's estimate does not exist (its rating would be set by the fit's ridge, not the votes)
    or while an estimate is not strictly inside its own interval.
    """
    rows = board.get("models") or []
    if not rows or not board.get("votes"):
        return NO_VOTES
    if any(row["battles"] < min_battles for row in rows):
        return TOO_FEW_BATTLES
    diagnostics = board.get("diagnostics", {})
    if diagnostics.get("disconnected"):
        return DISCONNECTED
    if diagnostics.get("unbounded"):
        return NO_ESTIMATE
    if any(not row["ci_lower"] < row["rating"] < row["ci_upper"] for row in rows):
        return ESTIMATE_ON_BOUND
    return None
