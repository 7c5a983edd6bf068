"""The battle websocket: streams both sides' tokens to the battle's owner, and only to them."""
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.cache import cache

from arena.models import Battle, Response
from arena.selectors import battle_owned_by
from arena.streaming import battle_group, error_message, partial_key

# Close codes in the 4000 range are the application's own (RFC 6455 section 7.4.2).
CLOSE_NOT_ALLOWED = 4403
CLOSE_BAD_FRAME = 4400
CLOSE_TOO_BIG = 1009  # RFC 6455's own "message too big"
# A browser of this site sends nothing at all; a frame this long is not one of its own.
MAX_FRAME_CHARS = 64 * 1024


class ListeningConsumer(AsyncJsonWebsocketConsumer):
    """A socket on which the browser only listens (prompts and votes go through the HTTP API).

    A frame that no page of this site would send (binary, not JSON, nested past what the
    decoder can follow, or too long) closes the socket with a close code rather than raising
    in the ASGI application, which would drop the connection without one and log a traceback.
    """

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            await self.close(code=CLOSE_TOO_BIG if len(bytes_data or b"") > MAX_FRAME_CHARS
                             else CLOSE_BAD_FRAME)
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            json.loads(text_data)
        except (ValueError, RecursionError):
            await self.close(code=CLOSE_BAD_FRAME)


@database_sync_to_async
def battle_snapshot(battle_id, session_key: str) -> list[dict] | None:
    """Return catch-up messages for the battle's latest turn, or None if the caller may not watch.

    A browser may connect after the first tokens went out; the snapshot gives it the text so
    far (a token message marked "snapshot", whose text replaces what it has), or the final
    done/error message of a side that already finished.
    """
    battle = Battle.objects.filter(pk=battle_id).only("session_key").first()
    if battle is None or not battle_owned_by(battle.session_key, session_key):
        return None
    turn = battle.turns.order_by("-index").first()
    if turn is None:
        return []
    messages = []
    for response in Response.objects.filter(turn=turn).order_by("side"):
        base = {"side": response.side, "turn": turn.index}
        if response.status == Response.Status.DONE:
            messages.append(
                {
                    "type": "done",
                    **base,
                    "text": response.text,
                    # Never before the vote: timings can fingerprint a team.
                    "ttft_ms": None,
                    "total_ms": None,
                }
            )
        elif response.status == Response.Status.ERROR:
            messages.append(
                {
                    "type": "error",
                    **base,
                    "code": response.error_code,
                    "message": str(error_message(response.error_code)),
                }
            )
        else:
            partial = cache.get(partial_key(response.pk))
            if partial:
                messages.append(
                    {
                        "type": "token",
                        **base,
                        "seq": partial["seq"],
                        "text": partial["text"],
                        "snapshot": True,
                    }
                )
    return messages


class BattleConsumer(ListeningConsumer):
    async def connect(self):
        self.battle_id = self.scope["url_route"]["kwargs"]["battle_id"]
        session = self.scope.get("session")
        session_key = session.session_key if session is not None else None
        # Join before taking the snapshot, so that nothing sent in between is missed; the
        # browser drops a token batch whose sequence number it already has.
        self.group = battle_group(self.battle_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        snapshot = await battle_snapshot(self.battle_id, session_key or "")
        if snapshot is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        await self.accept()
        for message in snapshot:
            await self.send_json(message)

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def battle_event(self, message):
        await self.send_json(message["event"])
