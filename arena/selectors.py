"""Reads of battles: what the owner may see, and what each side is sent."""
from arena.exceptions import BattleNotFound, NotBattleOwner
from arena.models import Battle, Response, Side, Turn


def battle_get_for_owner(*, battle_id, session_key: str, lock: bool = False) -> Battle:
    """Return the battle with its entrants, or raise BattleNotFound / NotBattleOwner.

    With `lock`, the row is locked for update; the caller must then be inside a transaction.
    """
    battles = Battle.objects.select_related("contest", "entrant_a__team", "entrant_b__team")
    if lock:
        battles = battles.select_for_update()
    battle = battles.filter(pk=battle_id).first()
    if battle is None:
        raise BattleNotFound()
    if not session_key or battle.session_key != session_key:
        raise NotBattleOwner()
    return battle


def battle_reveal(battle: Battle) -> dict:
    """Return which team and model stood on each side. Only ever called after the vote."""
    return {
        side: {"team": entrant.team.name, "model": entrant.display_name}
        for side, entrant in (("a", battle.entrant_a), ("b", battle.entrant_b))
    }


def battle_status(battle: Battle, responses: list[Response]) -> str:
    """Summarise a battle: voted, streaming, failed (a side errored) or ready (votable)."""
    if hasattr(battle, "vote"):
        return "voted"
    statuses = {response.status for response in responses}
    if statuses & {Response.Status.PENDING, Response.Status.STREAMING}:
        return "streaming"
    if Response.Status.ERROR in statuses:
        return "failed"
    return "ready"


def battle_state(battle: Battle) -> dict:
    """Return the API's view of a battle. Identities appear only once a vote exists."""
    turns = list(battle.turns.prefetch_related("responses").order_by("index"))
    shown = []
    for turn in turns:
        by_side = {response.side: response for response in turn.responses.all()}
        shown.append(
            {
                "prompt": turn.prompt,
                **{
                    side: {
                        "text": by_side[side].text,
                        "status": by_side[side].status,
                        "ttft_ms": by_side[side].ttft_ms,
                        "total_ms": by_side[side].total_ms,
                    }
                    for side in (Side.A, Side.B)
                },
            }
        )
    last_responses = list(turns[-1].responses.all()) if turns else []
    voted = hasattr(battle, "vote")
    return {
        "id": str(battle.pk),
        "status": battle_status(battle, last_responses),
        "turns": shown,
        "vote": battle.vote.choice if voted else None,
        "reveal": battle_reveal(battle) if voted else None,
    }


def conversation_for(response: Response) -> list[dict]:
    """Return the chat messages one side is sent: every prompt and that side's own answers."""
    turn = response.turn
    earlier = (
        Turn.objects.filter(battle_id=turn.battle_id, index__lt=turn.index)
        .order_by("index")
        .prefetch_related("responses")
    )
    messages = []
    for previous in earlier:
        own = next(r for r in previous.responses.all() if r.side == response.side)
        messages.append({"role": "user", "content": previous.prompt})
        messages.append({"role": "assistant", "content": own.text})
    messages.append({"role": "user", "content": turn.prompt})
    return messages
