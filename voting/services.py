"""Every write of voting."""
import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from arena.exceptions import AlreadyVoted, BattleNotVotable, ContestNotOpen, InvalidInput
from arena.models import Response
from arena.selectors import battle_reveal
from arena.services import battle_lock_for_owner
from contest.models import Contest
from voting.models import Vote


def voter_hash(session_key: str) -> str:
    """Return a salted, keyed hash of a session: stable per voter, useless to anyone else."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"voter:{session_key}".encode(), hashlib.sha256).hexdigest()[:32]


@transaction.atomic
def vote_cast(*, battle_id, session_key: str, choice: object) -> dict:
    """Record the owner's one vote on a completed battle and return the reveal of both sides.

    Locks the battle row, so two concurrent votes serialise; the unique constraint on
    Vote.battle is the final guard. Raises InvalidInput for an unknown choice, BattleNotFound,
    NotBattleOwner, ContestNotOpen, BattleNotVotable while a side is streaming or after a side
    failed, and AlreadyVoted for a second vote.
    """
    if not isinstance(choice, str) or choice not in Vote.Choice.values:
        raise InvalidInput(
            _("choice는 %(choices)s 중 하나여야 합니다.") % {"choices": ", ".join(Vote.Choice.values)}
        )
    battle = battle_lock_for_owner(battle_id=battle_id, session_key=session_key)
    if Vote.objects.filter(battle=battle).exists():
        raise AlreadyVoted()
    if battle.contest.phase != Contest.Phase.OPEN:
        raise ContestNotOpen(_("대회가 열려 있을 때만 투표할 수 있습니다."))
    statuses = set(
        Response.objects.filter(turn__battle=battle).values_list("status", flat=True)
    )
    if statuses & {Response.Status.PENDING, Response.Status.STREAMING}:
        raise BattleNotVotable(_("두 답변이 모두 끝난 뒤에 투표할 수 있습니다."))
    if Response.Status.ERROR in statuses:
        raise BattleNotVotable(_("한쪽 답변이 실패한 대결에는 투표할 수 없습니다."))
    vote = Vote(battle=battle, choice=choice, voter=voter_hash(session_key))
    vote.full_clean(exclude=["battle"])
    try:
        with transaction.atomic():
            vote.save()
    except IntegrityError as error:
        raise AlreadyVoted() from error
    return battle_reveal(battle)
