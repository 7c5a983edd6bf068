"""Every write of the arena: starting battles and turns, and recording each side's answer.

Each service runs in one transaction and dispatches Celery work only after it commits, so a
worker never looks for a row that is not there yet.
"""
import random
import secrets
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from arena.exceptions import (
    ContestNotOpen,
    NoEntrantsAvailable,
    NotVotedYet,
    PromptEmpty,
    PromptTooLong,
    TurnNotAllowed,
)
from arena.leases import leases_alive
from arena.draw import draw_probabilities, pair_choose
from arena.models import Battle, BattleShare, Response, Side, Turn
from arena.selectors import battle_get_for_owner
from arena.sides import SideBegun, begin_sql, begun_from_row, complete_sql
from contest.models import Contest, Entrant
from contest.selectors import (
    category_by_slug,
    contest_accepts_judgments,
    contest_current,
    entrants_healthy,
)
from core.errors import InvalidInput


def prompt_clean(prompt: object) -> str:
    """Return the prompt stripped of surrounding white space, or raise a domain error."""
    if not isinstance(prompt, str):
        raise InvalidInput(_("prompt는 문자열이어야 합니다."))
    # NUL cannot be stored by PostgreSQL and never belongs in a question.
    cleaned = prompt.replace("\x00", "").strip()
    if not cleaned:
        raise PromptEmpty()
    limit = settings.ARENA["PROMPT_MAX_CHARS"]
    if len(cleaned) > limit:
        raise PromptTooLong(
            _("질문은 %(limit)d자 이하로 입력해 주세요 (지금 %(length)d자).")
            % {"limit": limit, "length": len(cleaned)}
        )
    return cleaned


def battle_new(*, contest_id: int, category_id: int | None, session_key: str,
               entrant_a_id: int, entrant_b_id: int, pair_probability: float | None) -> Battle:
    """Return a new battle, validated and not saved (battle_start saves it; so does the start
    answered in front of Django, arena.fast_start)."""
    battle = Battle(contest_id=contest_id, category_id=category_id, session_key=session_key,
                    entrant_a_id=entrant_a_id, entrant_b_id=entrant_b_id,
                    pair_probability=pair_probability)
    # The contest, category and entrants were just read, the id is a new UUID and the sampler
    # picks two different entrants (the database's constraints stay the last guard): checking
    # them again would cost seven queries of the battle's start.
    battle.full_clean(
        exclude=["contest", "category", "entrant_a", "entrant_b"],
        validate_unique=False,
        validate_constraints=False,
    )
    return battle


def turn_new(*, battle: Battle, index: int, prompt: str) -> tuple[Turn, list[Response]]:
    """Return a new turn of `battle` and its two pending responses, validated and not saved."""
    turn = Turn(battle=battle, index=index, prompt=prompt)
    turn.full_clean(exclude=["battle"])
    responses = [
        Response(turn=turn, side=Side.A, entrant_id=battle.entrant_a_id),
        Response(turn=turn, side=Side.B, entrant_id=battle.entrant_b_id),
    ]
    return turn, responses


def _turn_create(*, battle: Battle, index: int, prompt: str) -> Turn:
    turn, responses = turn_new(battle=battle, index=index, prompt=prompt)
    turn.save()
    responses = Response.objects.bulk_create(responses)
    response_ids = [response.pk for response in responses]
    if None in response_ids:  # a database that returns no ids from a bulk insert
        response_ids = list(Response.objects.filter(turn=turn).values_list("pk", flat=True))
    transaction.on_commit(lambda: turn_dispatch(response_ids=response_ids))
    return turn


def turn_dispatch(*, response_ids: list[int]) -> None:
    """Send the sides' generation to the workers: a turn's sides in one task, as every message
    costs the web, Redis and a worker's consumer about as much as a side's own work; a side
    queued again alone (the reaper's retry) in a task of its own."""
    from arena.tasks import response_generate, turn_generate

    if len(response_ids) == 1:
        response_generate.delay(response_ids[0])
    else:
        turn_generate.delay(list(response_ids))


@transaction.atomic
def battle_start(
    *,
    session_key: str | Callable[[], str],
    prompt: object,
    category_slug: object = None,
    contest: Contest | None = None,
    rng: random.Random | None = None,
) -> Battle:
    """Start a battle between two anonymous healthy entrants of the open contest.

    Sides are randomised. Both sides' generation is enqueued when the transaction commits.
    Raises PromptEmpty/PromptTooLong/InvalidInput for bad input, ContestNotOpen when the
    contest is not in its open phase, NoEntrantsAvailable when fewer than two can answer.
    `session_key` may be a function that returns the owner's key: it is called only once the
    battle is sure to start, so that a refused start writes nothing (no session for the owner).
    """
    cleaned = prompt_clean(prompt)
    contest = contest or contest_current()
    if not contest_accepts_judgments(contest):
        raise ContestNotOpen()
    category = category_by_slug(category_slug)
    candidates = list(entrants_healthy(contest=contest))
    if len(candidates) < 2:
        raise NoEntrantsAvailable()
    entrant_a, entrant_b, probability = pair_choose(
        candidates, pair_draw_setting=contest.pair_draw, contest_id=contest.pk,
        probabilities=(draw_probabilities(contest.pk)
                       if contest.pair_draw == Contest.PairDraw.DECISION else None),
        key=lambda entrant: entrant.pk, rng=rng,
    )
    if callable(session_key):
        session_key = session_key()
    battle = battle_new(
        contest_id=contest.pk, category_id=category.pk if category else None,
        session_key=session_key, entrant_a_id=entrant_a.pk, entrant_b_id=entrant_b.pk,
        pair_probability=probability,
    )
    battle.save(force_insert=True)
    _turn_create(battle=battle, index=0, prompt=cleaned)
    return battle


@transaction.atomic
def turn_add(*, battle_id, session_key: str, prompt: object) -> Turn:
    """Send a follow-up prompt to both sides of the owner's battle, each with its own history.

    Allowed only before the vote, once both sides finished the previous turn without error,
    and while the contest is open and the turn limit is not reached.
    """
    cleaned = prompt_clean(prompt)
    battle = battle_get_for_owner(battle_id=battle_id, session_key=session_key, lock=True)
    if not contest_accepts_judgments(battle.contest):
        raise ContestNotOpen()
    if hasattr(battle, "vote"):
        raise TurnNotAllowed(_("투표한 대결에는 더 질문할 수 없습니다. 새 대결을 시작해 주세요."))
    last = battle.turns.order_by("-index").prefetch_related("responses").first()
    statuses = {response.status for response in last.responses.all()}
    if statuses & Response.UNFINISHED:
        raise TurnNotAllowed(_("두 답변이 모두 끝난 뒤에 이어서 질문할 수 있습니다."))
    if statuses & Response.FAILED:
        raise TurnNotAllowed(_("한쪽 답변이 실패한 대결은 이어갈 수 없습니다. 새 대결을 시작해 주세요."))
    if last.index + 1 >= settings.ARENA["MAX_TURNS"]:
        raise TurnNotAllowed(
            _("한 대결에서는 %(limit)d번까지 질문할 수 있습니다.")
            % {"limit": settings.ARENA["MAX_TURNS"]}
        )
    return _turn_create(battle=battle, index=last.index + 1, prompt=cleaned)


@transaction.atomic
def battle_share(*, battle_id, session_key: str) -> BattleShare:
    """Make (or return) the read-only share link of the owner's voted battle.

    Opt-in: nothing is shared until the owner asks. Raises BattleNotFound, NotBattleOwner and
    NotVotedYet (the shared page shows the reveal, which exists only after the vote).
    """
    battle = battle_get_for_owner(battle_id=battle_id, session_key=session_key, lock=True)
    if not hasattr(battle, "vote"):
        raise NotVotedYet(_("투표한 뒤에만 대결을 공유할 수 있습니다."))
    share, _created = BattleShare.objects.get_or_create(
        battle=battle, defaults={"token": secrets.token_urlsafe(24)}
    )
    return share


@transaction.atomic
def battle_unshare(*, battle_id, session_key: str) -> None:
    """Revoke the owner's share link (its address answers 404 from now on); a battle never
    shared is left as it is. Raises BattleNotFound and NotBattleOwner."""
    battle = battle_get_for_owner(battle_id=battle_id, session_key=session_key, lock=True)
    BattleShare.objects.filter(battle=battle).delete()


def response_begin(*, response_id: int) -> SideBegun | None:
    """Mark a pending response as streaming and return what its stream needs; return None if it
    already finished (responses_begin, for one side)."""
    begun = responses_begin(response_ids=[response_id])
    return begun[0] if begun else None


def responses_begin(*, response_ids: list[int]) -> list[SideBegun]:
    """Mark the pending or streaming responses among `response_ids` as streaming and return what
    each one's stream needs, in the order of `response_ids`; a response that finished is left
    out.

    A task redelivered after a worker crash finds its responses 'streaming' and starts them over.
    On PostgreSQL the UPDATE and the read of each side's turn, entrant and contest are one
    statement, its own transaction (arena.sides): every side begins here.
    """
    started_at = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(begin_sql(), [started_at, list(response_ids)])
            begun = {side.ref.pk: side for side in map(begun_from_row, cursor.fetchall())}
        return [begun[pk] for pk in response_ids if pk in begun]
    sides = []
    for response_id in response_ids:
        updated = Response.objects.filter(
            pk=response_id, status__in=Response.UNFINISHED
        ).update(status=Response.Status.STREAMING, started_at=started_at, text="")
        if updated:
            response = Response.objects.select_related("entrant__contest", "turn").get(pk=response_id)
            sides.append(SideBegun.of(response))
    return sides


def response_complete(*, response_id: int, text: str, ttft_ms: int, total_ms: int) -> bool:
    """Save a side's full answer and timings, and mark its entrant healthy again.

    Returns False, changing nothing, when the side already ended (the reaper gave up on it).
    Two conditional UPDATEs, no read: the status condition does what a locked read would, as
    the reaper's response_fail changes a side only while it is pending or streaming. On
    PostgreSQL both are one statement, which is its own transaction: every side ends here, and
    a transaction's BEGIN and COMMIT were two of its four round trips (docs/performance.md).
    """
    finished_at = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(complete_sql(), [text, ttft_ms, total_ms, finished_at, response_id])
            return cursor.fetchone()[0] > 0
    with transaction.atomic():
        updated = Response.objects.filter(pk=response_id, status=Response.Status.STREAMING).update(
            status=Response.Status.DONE, text=text, ttft_ms=ttft_ms, total_ms=total_ms,
            finished_at=finished_at,
        )
        if not updated:
            return False
        Entrant.objects.filter(responses__pk=response_id, consecutive_failures__gt=0).update(
            consecutive_failures=0
        )
    return True


@transaction.atomic
def response_fail(*, response_id: int, code: str, text: str = "") -> bool:
    """Record that a side failed, keeping what it said, and count the failure on its entrant.

    Returns False, changing nothing, when the side already ended.
    """
    now = timezone.now()
    response = Response.objects.select_for_update().get(pk=response_id)
    if response.status not in Response.UNFINISHED:
        return False
    response.status = Response.Status.ERROR
    response.error_code = code[:30]
    response.text = text
    response.finished_at = now
    response.save()
    Entrant.objects.filter(pk=response.entrant_id).update(
        consecutive_failures=F("consecutive_failures") + 1, last_failure_at=now
    )
    return True


@transaction.atomic
def response_retry(*, response_id: int) -> bool:
    """Queue a streaming side again, for whichever worker takes it first; False if it ended.

    For a side whose worker was lost before the side showed any text (arena.streaming decides):
    the side is pending again, so a redelivered or late task of the lost worker finds nothing
    to start, and the reaper's margin counts from when its turn was asked.
    """
    updated = Response.objects.filter(pk=response_id, status=Response.Status.STREAMING).update(
        status=Response.Status.PENDING, started_at=None, text=""
    )
    if updated:
        transaction.on_commit(lambda: turn_dispatch(response_ids=[response_id]))
    return bool(updated)


def responses_stuck(*, now=None, battle_id: int | None = None) -> list[int]:
    """Return the responses whose worker is presumed lost (of one battle, if `battle_id` is
    given): one query, one Redis round trip.

    A streaming side whose lease lapsed (arena.leases) lost its worker; so did any side still
    pending or streaming past its entrant's timeout plus ARENA_REAP_MARGIN_SECONDS (from when
    it started, or from when its turn was asked if it never started), which covers a side
    whose task no worker took and a Redis whose leases cannot be trusted yet. A side that
    started less than LEASE_SECONDS ago may not hold its lease yet and is left alone.
    """
    now = now or timezone.now()
    margin = settings.ARENA["REAP_MARGIN_SECONDS"]
    lease_seconds = settings.ARENA["LEASE_SECONDS"]
    unfinished = Response.objects.filter(status__in=Response.UNFINISHED)
    if battle_id is not None:
        unfinished = unfinished.filter(turn__battle_id=battle_id)
    rows = list(unfinished.values_list(
        "pk", "status", "started_at", "turn__created_at", "entrant__timeout_seconds"
    ))
    leased = [
        pk for pk, status, started_at, _, _ in rows
        if status == Response.Status.STREAMING and started_at is not None
        and (now - started_at).total_seconds() > lease_seconds
    ]
    # Asked even with no side to ask about: the reaper's watch of Redis must run all along.
    alive = leases_alive(leased)
    stuck = []
    for pk, _status, started_at, asked_at, timeout_seconds in rows:
        since = started_at or asked_at
        if (now - since).total_seconds() > timeout_seconds + margin:
            stuck.append(pk)
        elif alive is not None and pk in leased and pk not in alive:
            stuck.append(pk)
    return stuck
