"""The contest's lifecycle: which phase may follow which, and which move needs a reason."""
from contest.models import Contest

Phase = Contest.Phase

# Where each phase may go next. Reopening a closed contest needs a reason (see REASON_REQUIRED).
TRANSITIONS: dict[str, frozenset[str]] = {
    Phase.DRAFT: frozenset({Phase.OPEN}),
    Phase.OPEN: frozenset({Phase.PAUSED, Phase.CLOSED}),
    Phase.PAUSED: frozenset({Phase.OPEN, Phase.CLOSED}),
    Phase.CLOSED: frozenset({Phase.OPEN, Phase.PUBLISHED}),
    Phase.PUBLISHED: frozenset(),
}
REASON_REQUIRED = frozenset({(Phase.CLOSED, Phase.OPEN)})


def transitions_allowed(phase: str) -> list[str]:
    """Return the phases a contest in `phase` may move to, in lifecycle order."""
    allowed = TRANSITIONS.get(phase, frozenset())
    return [value for value in Phase.values if value in allowed]
