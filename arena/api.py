"""The battle JSON API (contract in DESIGN.md)."""
from django.conf import settings
from django.http import JsonResponse
from django_ratelimit.core import is_ratelimited

from arena import selectors, services
from arena.exceptions import RateLimited
from config.api import json_api, json_body, session_key_ensure


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


@json_api("POST")
def battles(request):
    body = json_body(request)
    session_key = session_key_ensure(request)
    _battle_rate_check(request)
    battle = services.battle_start(
        session_key=session_key, prompt=body.get("prompt"), category_slug=body.get("category")
    )
    return JsonResponse({"id": str(battle.pk), "stream": f"/ws/battles/{battle.pk}/"}, status=201)


@json_api("POST")
def battle_turns(request, battle_id):
    body = json_body(request)
    session_key = session_key_ensure(request)
    turn = services.turn_add(battle_id=battle_id, session_key=session_key, prompt=body.get("prompt"))
    return JsonResponse(
        {"id": str(battle_id), "turn": turn.index, "stream": f"/ws/battles/{battle_id}/"},
        status=201,
    )


@json_api("GET")
def battle_detail(request, battle_id):
    battle = selectors.battle_get_for_owner(
        battle_id=battle_id, session_key=request.session.session_key or ""
    )
    return JsonResponse(selectors.battle_state(battle))
