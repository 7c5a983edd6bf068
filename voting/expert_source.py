"""What voting's boards, redaction and exports read of the expert track, lent by the expert app.

The expert package sits above voting and imports it, so voting cannot import the expert package:
the expert app registers its readers here when Django starts (`expert.apps`). Until it does (or
without it), the expert board has no rows and there is no judgments dataset.
"""
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ExpertSource:
    # A judgment's row id in the vote rows: the prefix, then its assignment's id.
    row_prefix: str
    # (contest=) -> the expert track's rows in the vote dataset's shape, for the boards.
    vote_rows: Callable[..., list[dict]]
    # (battle_ids) -> {(row id, side): answer text} for the rows that are judgments.
    answer_texts: Callable[[list[str]], dict[tuple[str, str], str]]
    # (contest=) -> the judgments dataset's rows (DESIGN.md → Expert track).
    judgment_rows: Callable[..., list[dict]]
    # (contest=) -> the pre-generated answers as (group, model, text, length, ttft_ms, total_ms),
    # one group per prompt, for the blindness audit (voting.blindness).
    audit_answers: Callable[..., list[tuple]] | None = None


_registered: list[ExpertSource] = []


def register(source: ExpertSource) -> None:
    """Lend voting the expert track's readers (called once, from the expert app's ready())."""
    _registered[:] = [source]


def vote_rows(*, contest) -> list[dict]:
    return _registered[0].vote_rows(contest=contest) if _registered else []


def answer_texts(battle_ids: list[str]) -> tuple[dict[tuple[str, str], str], list[str]]:
    """Return the judgments' texts among battle_ids, and the ids left that are citizens' battles."""
    if not _registered:
        return {}, list(battle_ids)
    source = _registered[0]
    return (source.answer_texts(battle_ids),
            [b for b in battle_ids if not b.startswith(source.row_prefix)])


def judgment_rows(*, contest) -> list[dict]:
    return _registered[0].judgment_rows(contest=contest) if _registered else []


def audit_answers(*, contest) -> list[tuple]:
    source = _registered[0] if _registered else None
    return source.audit_answers(contest=contest) if source and source.audit_answers else []
