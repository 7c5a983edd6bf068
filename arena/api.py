"""The battle JSON API (contract in docs/api.md; schemas here are its single source)."""
from uuid import UUID

from django.conf import settings
from django_ratelimit.core import is_ratelimited
from ninja import Router, Schema, Status

from arena import selectors, services
from arena.exceptions import RateLimited
from config.api import Error, Text, session_key_ensure

router = Router(tags=["battles"])


class BattleStart(Schema):
    prompt: Text
    category: Text | None = None


class BattleStarted(Schema):
    id: UUID
    stream: str


class TurnAdd(Schema):
    prompt: Text


class TurnAdded(Schema):
    id: UUID
    turn: int
    stream: str


class SideState(Schema):
    text: str
    status: str
    ttft_ms: int | None
    total_ms: int | None


class TurnState(Schema):
    prompt: str
    a: SideState
    b: SideState


class Identity(Schema):
    team: str
    model: str


class Reveal(Schema):
    a: Identity
    b: Identity


class BattleState(Schema):
    id: UUID
    status: str
    turns: list[TurnState]
    vote: str | None
    reveal: Reveal | None


def _session_key(group, request) -> str:
    return request.session.session_key or ""


def _battle_rate_check(request) -> None:
    """Raise RateLimited past the battle budget of this session or of this client address.

    Both are counted (in Redis, through django-ratelimit), so a fresh cookie does not reset
    the budget and one busy address does not block the sessions behind it any sooner.
    """
    rate = settings.ARENA["BATTLE_RATE"]
    for key in ("ip", _session_key):
        if is_ratelimited(request, group="battle_start", key=key, rate=rate, increment=True):
            raise RateLimited()


def _stream(battle_id) -> str:
    return f"/ws/battles/{battle_id}/"


@router.post("/battles", response={201: BattleStarted, 400: Error, 403: Error, 409: Error,
                                   413: Error, 429: Error, 503: Error})
def battle_start(request, body: BattleStart):
    """Start a battle: two anonymous models answer `prompt`; follow them on `stream`."""
    session_key = session_key_ensure(request)
    _battle_rate_check(request)
    battle = services.battle_start(
        session_key=session_key, prompt=body.prompt, category_slug=body.category
    )
    return Status(201, {"id": battle.pk, "stream": _stream(battle.pk)})


@router.post("/battles/{uuid:battle_id}/turns",
             response={201: TurnAdded, 400: Error, 403: Error, 404: Error, 409: Error, 413: Error})
def battle_turn_add(request, battle_id: UUID, body: TurnAdd):
    """Ask both sides a follow-up question (the owner only, up to the contest's turn limit)."""
    session_key = session_key_ensure(request)
    turn = services.turn_add(battle_id=battle_id, session_key=session_key, prompt=body.prompt)
    return Status(201, {"id": battle_id, "turn": turn.index, "stream": _stream(battle_id)})


@router.get("/battles/{uuid:battle_id}", response={200: BattleState, 403: Error, 404: Error})
def battle_detail(request, battle_id: UUID):
    """Return the battle as its owner sees it; `reveal` stays null until the vote."""
    battle = selectors.battle_get_for_owner(
        battle_id=battle_id, session_key=request.session.session_key or ""
    )
    return selectors.battle_state(battle)
