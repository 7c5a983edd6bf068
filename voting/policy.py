"""When a citizen's vote is accepted: the one decision both vote paths ask.

Django's path (voting.services.vote_cast) gathers the facts with the ORM, under its locks; the
PostgreSQL fast path (voting.fast_vote) gathers them from its one read, and checks them again
in SQL under its locks. Neither states a rule of its own: each asks `vote_refusal`. A new rule
is a new fact and a new `Refusal`; tests/voting/test_fast_vote.py holds a case for every
refusal declared here and fails when one has none.

Pure: no Django, so the rules are tested alone (tests/voting/test_policy.py).
"""
import enum
from dataclasses import dataclass


def gettext_noop(message: str) -> str:
    """Mark a message for translation; the path that refuses translates it (Korean first)."""
    return message


class Refusal(enum.Enum):
    """Every reason a vote is refused, in the order they are checked: (code, HTTP status, message).

    A message with `%(choices)s` is given the valid choices by the path that refuses.
    """

    INVALID_CHOICE = ("invalid", 400, gettext_noop("choice는 %(choices)s 중 하나여야 합니다."))
    NOT_FOUND = ("not_found", 404, gettext_noop("대결을 찾을 수 없습니다."))
    NOT_OWNER = ("forbidden", 403, gettext_noop("이 대결은 다른 사용자가 시작한 것입니다."))
    ALREADY_VOTED = ("already_voted", 409, gettext_noop("이 대결에는 이미 투표했습니다."))
    CONTEST_CLOSED = ("contest_closed", 409, gettext_noop("대회가 열려 있을 때만 투표할 수 있습니다."))
    SIDE_UNFINISHED = ("not_votable", 409, gettext_noop("두 답변이 모두 끝난 뒤에 투표할 수 있습니다."))
    SIDE_FAILED = ("not_votable", 409, gettext_noop("한쪽 답변이 실패한 대결에는 투표할 수 없습니다."))

    def __init__(self, code: str, status: int, message: str):
        self.code, self.status, self.message = code, status, message


@dataclass(frozen=True)
class VoteFacts:
    """What a vote is decided on. A fact not gathered yet keeps its default, which passes, so a
    path may ask after each step (and stop at the first refusal) and ask once more at the end.
    """

    choice_valid: bool = True
    battle_found: bool = True
    owner: bool = True  # the session that started the battle (battle_owned_by)
    voted: bool = False  # a vote on this battle exists
    contest_open: bool = True  # Contest.accepts_judgments_in(phase)
    side_unfinished: bool = False  # a side is pending or streaming (Response.UNFINISHED)
    side_failed: bool = False  # a side failed (Response.FAILED)


# Each refusal and the fact that raises it, in the order they are checked.
CHECKS: tuple[tuple[Refusal, object], ...] = (
    (Refusal.INVALID_CHOICE, lambda facts: not facts.choice_valid),
    (Refusal.NOT_FOUND, lambda facts: not facts.battle_found),
    (Refusal.NOT_OWNER, lambda facts: not facts.owner),
    (Refusal.ALREADY_VOTED, lambda facts: facts.voted),
    (Refusal.CONTEST_CLOSED, lambda facts: not facts.contest_open),
    (Refusal.SIDE_UNFINISHED, lambda facts: facts.side_unfinished),
    (Refusal.SIDE_FAILED, lambda facts: facts.side_failed),
)
assert [refusal for refusal, _ in CHECKS] == list(Refusal), "every refusal is checked, in order"


def vote_refusal(facts: VoteFacts) -> Refusal | None:
    """Return why this vote is refused (the first refusal whose fact holds), or None to accept."""
    return next((refusal for refusal, holds in CHECKS if holds(facts)), None)
