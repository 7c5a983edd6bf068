"""The vote JSON API (contract in DESIGN.md)."""
from django.http import JsonResponse

from config.api import json_api, json_body
from voting import services


@json_api("POST")
def battle_vote(request, battle_id):
    body = json_body(request)
    reveal = services.vote_cast(
        battle_id=battle_id,
        session_key=request.session.session_key or "",
        choice=body.get("choice"),
    )
    return JsonResponse({"reveal": reveal})
