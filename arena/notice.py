"""The first-visit notice: a prompt goes to two teams' model servers only from a session that has
accepted what is kept and sent where (templates/arena/notice.html, the privacy page).

The one home of that rule. The page's form (arena.views) and the API's `POST /api/notice`
accept it; Django's start and turn routes (arena.api) and the start answered in front of Django
(arena.fast_start, which decodes the session's stored data) ask `notice_accepted`.
"""
from collections.abc import Mapping

from arena.exceptions import NoticeNotAccepted

# Set in the session once its visitor has accepted the notice.
NOTICE_ACCEPTED = "arena_notice_accepted"


def notice_accepted(session: Mapping) -> bool:
    """Return whether the session (Django's, or its decoded data) has accepted the notice."""
    return session.get(NOTICE_ACCEPTED) is True


def notice_require(session: Mapping) -> None:
    """Raise NoticeNotAccepted unless the session has accepted the notice (a cookie that names no
    stored session has accepted nothing)."""
    if not notice_accepted(session):
        raise NoticeNotAccepted()


def notice_accept(session) -> None:
    """Record in the session that its visitor accepted the notice (Django saves it, creating the
    session of a first visit)."""
    session[NOTICE_ACCEPTED] = True
