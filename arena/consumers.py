"""The battle websocket: streams both sides' tokens to the battle's owner, and only to them.

When the battle's contest paces its streams (Contest.paced_streams), each connection paces
what it forwards with arena.pacing: both panes start, advance and end together, so the raw
socket carries no per-side timing. Each connection paces itself from the group's messages and
its own snapshot, so any number of web processes may serve one battle.

Redis pub/sub delivers a message at most once: a batch published while a web process's
subscription was being set up or reconnected never arrives. So each connection takes a side's
batches once and in order (`SideProgress`): a batch it has, or one of a side that has ended, is
not sent again, and a batch past a missing one is replaced by the side's snapshot (its whole
text so far), so that what a pane shows is always a prefix of the side's answer.
"""
import asyncio
import functools
import json

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.layers import get_channel_layer
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.cache import cache

from arena.metrics import WEBSOCKETS
from arena.models import Response
from arena.pacing import TurnPacer
from arena.selectors import battle_latest_turn, battle_owned_by
from arena.side_watch import SideWatch
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

    page = "battle"  # the label of the open-websockets gauge (arena.metrics.WEBSOCKETS)
    counted = False

    async def accept(self, *args, **kwargs):
        await super().accept(*args, **kwargs)
        WEBSOCKETS.labels(self.page).inc()
        self.counted = True

    async def refuse(self, code: int) -> None:
        """Accept the socket, then close it with `code` (docs/api.md's promise): closed before
        the handshake is answered, the client sees an HTTP 403 instead, which a page cannot
        tell from a network failure, and so it would try again. Not counted as open."""
        await super().accept()
        await self.close(code=code)

    async def websocket_disconnect(self, message):
        if self.counted:
            WEBSOCKETS.labels(self.page).dec()
            self.counted = False
        await super().websocket_disconnect(message)

    async def __call__(self, scope, receive, send):
        """Channels' AsyncConsumer.__call__ with one long-lived reader per source.

        Channels' await_many_dispatch waits on both sources afresh for every message (an
        asyncio.wait and a new task each); here each source's reader loops. Handlers still run
        one at a time, each source's messages in order, and none after the consumer stops.
        """
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.base_send = send
        sources = [receive]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
            sources.append(self.channel_receive)
        turn = asyncio.Lock()
        stopped = False

        async def read(source) -> None:
            nonlocal stopped
            while True:
                message = await source()
                async with turn:
                    if stopped:
                        return
                    try:
                        await self.dispatch(message)
                    except StopConsumer:
                        stopped = True
                        return

        readers = [asyncio.create_task(read(source)) for source in sources]
        try:
            done, _ = await asyncio.wait(readers, return_when=asyncio.FIRST_COMPLETED)
            for reader in done:
                reader.result()  # a handler's error goes up, as from Channels' own loop
        finally:
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)

    async def dispatch(self, message):
        """Channels' dispatch without its database hop before every message.

        Channels closes the thread's stale database connections before each handler, one trip
        to the single thread-sensitive thread per message, so a stream's every batch would
        queue there behind the others' and behind the sockets opening. These consumers read the
        database only through `database_sync_to_async`, which closes stale connections around
        each call itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

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
def battle_snapshot(battle_id, session_key: str) -> tuple[bool, list[dict]] | None:
    """Return whether the battle's streams are paced, and catch-up messages for its latest
    turn; or None if the caller may not watch.

    A browser may connect after the first tokens went out; the snapshot gives it the text so
    far (a token message marked "snapshot", whose text replaces what it has), or the final
    done/error message of a side that already finished. Paced, these are the pacer's input,
    not what is sent.
    """
    latest = battle_latest_turn(battle_id)
    if latest is None or not battle_owned_by(latest.session_key, session_key):
        return None
    streaming = [pk for pk, _side, status, *_ in latest.sides
                 if status not in (Response.Status.DONE, Response.Status.ERROR)]
    partials = cache.get_many([partial_key(pk) for pk in streaming]) if streaming else {}
    messages = []
    for pk, side, status, text, error_code in latest.sides:
        base = {"side": side, "turn": latest.turn}
        if status == Response.Status.DONE:
            # Never the timings before the vote: they can fingerprint a team.
            messages.append({"type": "done", **base, "text": text, "ttft_ms": None, "total_ms": None})
        elif status == Response.Status.ERROR:
            messages.append({"type": "error", **base, "code": error_code,
                             "message": str(error_message(error_code))})
        elif partial := partials.get(partial_key(pk)):
            messages.append({"type": "token", **base, "seq": partial["seq"], "text": partial["text"],
                             "snapshot": True})
    return latest.paced, messages


class SideProgress:
    """How far each side's stream (by turn) has reached this connection, in the worker's numbers.

    `judge` says what to do with a worker's event: "take" it, drop it as "stale" (a batch
    already taken, or anything for a side that has ended), or mend a "gap" (the batch after a
    missing one) from the side's snapshot.
    """

    def __init__(self) -> None:
        self.reached: dict[tuple, int] = {}
        self.ended: set[tuple] = set()

    def judge(self, event: dict) -> str:
        key = (event.get("turn"), event.get("side"))
        if key in self.ended:
            return "stale"
        if event.get("type") != "token" or not isinstance(event.get("seq"), int):
            return "take"
        seq, reached = event["seq"], self.reached.get(key, 0)
        if event.get("snapshot"):
            return "take" if seq >= reached else "stale"
        if seq <= reached:
            return "stale"
        return "take" if seq == reached + 1 else "gap"

    def open(self) -> set[tuple]:
        """The sides this connection has had text from and no end of yet."""
        return set(self.reached) - self.ended

    def taken(self, event: dict) -> None:
        key = (event.get("turn"), event.get("side"))
        if event.get("type") in ("done", "error"):
            self.ended.add(key)
        elif isinstance(event.get("seq"), int):
            self.reached[key] = max(self.reached.get(key, 0), event["seq"])


class BattleConsumer(ListeningConsumer):
    paced = False
    pacer: TurnPacer | None = None
    ticking: asyncio.Task | None = None
    watch: SideWatch | None = None

    async def connect(self):
        self.battle_id = self.scope["url_route"]["kwargs"]["battle_id"]
        session = self.scope.get("session")
        session_key = session.session_key if session is not None else None
        # Join before taking the snapshot, so that nothing sent in between is missed; the
        # browser (or the pacer) drops a token batch whose sequence number it already has.
        self.group = battle_group(self.battle_id)
        self.session_key = session_key or ""
        self.progress = SideProgress()
        await self.channel_layer.group_add(self.group, self.channel_name)
        snapshot = await battle_snapshot(self.battle_id, self.session_key)
        if snapshot is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.refuse(CLOSE_NOT_ALLOWED)
            return
        self.paced, messages = snapshot
        self.sending = asyncio.Lock()
        await self.accept()
        # Ends the sides of a worker that was lost, even with no worker left (arena.side_watch).
        self.watch = SideWatch(battle_id=self.battle_id, open_sides=self.progress.open)
        self.watch.start()
        for message in messages:
            await self.take(message)

    async def disconnect(self, code):
        if self.ticking is not None:
            self.ticking.cancel()
        if self.watch is not None:
            self.watch.stop()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def battle_event(self, message):
        event = message["event"]
        if self.watch is not None:
            self.watch.heard()
        verdict = self.progress.judge(event)
        if verdict == "take":
            await self.take(event)
        elif verdict == "gap":
            await self.mend(event)

    async def take(self, event: dict) -> None:
        self.progress.taken(event)
        await self.forward(event)

    async def mend(self, event: dict) -> None:
        """Send the side's snapshot (or its end) in place of a batch that follows a lost one.

        The worker writes a side's snapshot before it publishes the batch, so the snapshot read
        now holds this batch's text too. A snapshot that cannot be read leaves the batch out:
        the next one is a gap too, and the side's final message carries its whole answer.
        """
        snapshot = await battle_snapshot(self.battle_id, self.session_key)
        for message in (snapshot or (False, []))[1]:
            if message.get("side") == event.get("side") and message.get("turn") == event.get("turn") \
                    and self.progress.judge(message) == "take":
                await self.take(message)

    async def send_event(self, message: dict) -> None:
        """Send one message as a text frame: send_json's effect, without its three hops a frame."""
        await self.base_send({"type": "websocket.send", "text": json.dumps(message)})

    async def forward(self, event: dict) -> None:
        """Send a worker's event as it is, or through the turn's pacer."""
        if not self.paced:
            await self.send_event(event)
            return
        turn = event.get("turn")
        if self.pacer is not None and isinstance(turn, int) and isinstance(self.pacer.turn, int) \
                and turn < self.pacer.turn:
            await self.send_event(event)  # an earlier turn, over and done: nothing to pace
            return
        now = asyncio.get_running_loop().time()
        if self.pacer is None or turn != self.pacer.turn:
            arena = settings.ARENA
            self.pacer = TurnPacer(
                turn=turn, now=now, max_lag_seconds=arena["PACED_MAX_LAG_SECONDS"],
                min_chars_per_second=arena["PACED_MIN_CHARS_PER_SECOND"],
            )
        self.pacer.feed(event, now)
        await self.release()

    async def release(self) -> None:
        # One sender at a time, so each side's batches leave in the order the pacer made them.
        async with self.sending:
            pacer = self.pacer
            for message in pacer.release(asyncio.get_running_loop().time()):
                await self.send_event(message)
        if pacer.waiting_on_clock and (self.ticking is None or self.ticking.done()):
            self.ticking = asyncio.create_task(self.tick())

    async def tick(self) -> None:
        """Release held text as the clock lets it go, until the pacer has nothing held."""
        while self.pacer is not None and self.pacer.waiting_on_clock:
            await asyncio.sleep(settings.ARENA["PACED_TICK_SECONDS"])
            await self.release()
