"""The battle JSON API (contract in docs/api.md; schemas here are its single source)."""
from typing import Annotated
from uuid import UUID

from django.conf import settings
from django.urls import reverse

from ninja import Router, Schema, Status
from pydantic import AfterValidator, StrictBool
from pydantic_core import PydanticCustomError

from arena import notice, proof_of_work, selectors, services
from arena.metrics import BATTLES_STARTED
from config.api import Error, Text
from config.limits import limits_check

router = Router(tags=["battles"])


class BattleStart(Schema):
    prompt: Text
    category: Text | None = None
    pow: Text | None = None  # the solved challenge of GET /api/pow, when the contest asks for one


class PowChallenge(Schema):
    algorithm: str
    challenge: str
    maxnumber: int
    salt: str
    signature: str
    enabled: bool


def _true(value: bool) -> bool:
    if value is not True:
        raise PydanticCustomError("literal_error", "Input should be true", {"expected": "true"})
    return value


class NoticeAccept(Schema):
    # Only JSON's true: a 1 or "yes" is not an explicit acceptance.
    accept: Annotated[StrictBool, AfterValidator(_true)]


class NoticeAccepted(Schema):
    accepted: bool
    privacy: str


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
    # Null until the vote: timings can fingerprint a team (docs/integrity.md).
    ttft_ms: int | None
    total_ms: int | None
    # Why the side failed ("timeout", "worker_lost", ...) when its status is "error"; else null.
    error: str | None = None


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


class ModelCard(Schema):
    """What a team declares about its model (admin: 참가 모델 → 모델 카드); null when not given."""
    parameters: str | None
    license: str | None
    open_weights: bool | None
    released: str | None  # YYYY-MM-DD
    url: str | None  # http or https only


class ModelCards(Schema):
    a: ModelCard
    b: ModelCard


class BattleState(Schema):
    id: UUID
    status: str
    turns: list[TurnState]
    vote: str | None
    reveal: Reveal | None
    # Each side's model card, like the reveal null until the vote.
    cards: ModelCards | None = None
    # Why this battle's vote will not count for the ranking ("identity_leak",
    # "identity_prompt"), told before the vote; null when it counts.
    excluded: str | None = None


def _stream(battle_id) -> str:
    return f"/ws/battles/{battle_id}/"


@router.post("/notice", response={200: NoticeAccepted, 400: Error, 403: Error})
def notice_accept(request, body: NoticeAccept):
    """Accept the first-visit notice for this session (creating it on a first visit), as the
    page's button does: what is kept, and that prompts go to two teams' model servers
    (`/privacy/`). Battles and turns are refused (403 `notice_required`) until then."""
    notice.notice_accept(request.session)
    return {"accepted": True, "privacy": "/privacy/"}


@router.post("/battles", response={201: BattleStarted, 400: Error, 403: Error, 409: Error,
                                   413: Error, 429: Error, 503: Error})
def battle_start(request, body: BattleStart):
    """Start a battle: two anonymous models answer `prompt`; follow them on `stream`.
    Only from a session that has accepted the notice (`POST /api/notice`)."""
    # Refusal costs the site nothing durable: the notice, the proof of work and the caps are
    # checked before anything is written (a session without the notice is not counted); the
    # solution is spent only once the service is sure the battle starts.
    notice.notice_require(request.session)
    solution = proof_of_work.solution_verify(body.pow)
    limits_check(request, action="battle")

    def owner() -> str:
        proof_of_work.solution_spend(solution)
        return request.session.session_key

    battle = services.battle_start(
        session_key=owner, prompt=body.prompt, category_slug=body.category
    )
    BATTLES_STARTED.inc()
    return Status(201, {"id": battle.pk, "stream": _stream(battle.pk)})


@router.get("/pow", response={200: PowChallenge})
def pow_challenge(request):
    """Return a proof-of-work challenge to solve before `POST /api/battles` (ALTCHA v1:
    find n ≤ maxnumber with SHA-256(salt + n) = challenge; send base64 of the JSON
    {algorithm, challenge, number, salt, signature} as `pow`). `enabled` says whether this
    contest asks for it."""
    return {**proof_of_work.challenge_new(), "enabled": settings.ARENA["POW"]["ENABLED"]}


@router.post("/battles/{uuid:battle_id}/turns",
             response={201: TurnAdded, 400: Error, 403: Error, 404: Error, 409: Error, 413: Error})
def battle_turn_add(request, battle_id: UUID, body: TurnAdd):
    """Ask both sides a follow-up question (the owner only, up to the contest's turn limit)."""
    # Only a battle's owner may add a turn, so a client without a session is refused, and
    # none is created for it.
    notice.notice_require(request.session)
    session_key = request.session.session_key or ""
    turn = services.turn_add(battle_id=battle_id, session_key=session_key, prompt=body.prompt)
    return Status(201, {"id": battle_id, "turn": turn.index, "stream": _stream(battle_id)})


@router.get("/battles/{uuid:battle_id}", response={200: BattleState, 403: Error, 404: Error})
def battle_detail(request, battle_id: UUID):
    """Return the battle as its owner sees it; `reveal` stays null until the vote."""
    battle = selectors.battle_get_for_owner(
        battle_id=battle_id, session_key=request.session.session_key or ""
    )
    return selectors.battle_state(battle)


class ShareLink(Schema):
    url: str


@router.post("/battles/{uuid:battle_id}/share",
             response={201: ShareLink, 403: Error, 404: Error, 409: Error})
def battle_share(request, battle_id: UUID):
    """Make (or return) a read-only link to the owner's voted battle: both answers and the
    reveal, nothing of the voter. Off until asked for; `DELETE` revokes it."""
    share = services.battle_share(battle_id=battle_id, session_key=request.session.session_key or "")
    return Status(201, {"url": reverse("battle-shared", args=[share.token])})


@router.delete("/battles/{uuid:battle_id}/share", response={204: None, 403: Error, 404: Error})
def battle_unshare(request, battle_id: UUID):
    """Revoke the battle's share link: its address answers 404 from now on."""
    services.battle_unshare(battle_id=battle_id, session_key=request.session.session_key or "")
    return Status(204, None)
