"""Send the stream loop's Redis writes together: one pipeline per Redis server per loop turn.

Every batch of tokens is two Redis writes: the text-so-far snapshot (SET) and the batch itself
(PUBLISH on the battle group's channel, which the web processes subscribe to). channels_redis
publishes one message at a time behind a lock per Redis server, so with hundreds of sides on
one loop each publish waited for every publish queued before it, and a side's first token
waited behind other sides' batches (docs/performance.md). Here every
write queued during one turn of the loop goes out in one pipeline, one round trip for all of
them, and the writer learns when Redis has its own.

The messages are the ones channels_redis's pub/sub layer would send (its channel name for the
group and its serialiser), so the web processes receive them through Channels unchanged. For
any other channel layer (none is configured), `group_send` goes through the layer itself.
"""
from __future__ import annotations

import asyncio

import redis.asyncio
import redis.exceptions
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer

# A Redis that stops answering fails the waiting writes after this long (the stream goes on
# and its next batch is sent as a snapshot; see arena.streaming.BattlePublisher).
SOCKET_TIMEOUT_SECONDS = 5.0
# What a Redis restart looks like from the stream loop.
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class Outbox:
    """Queue Redis commands from many coroutines and send them in one pipeline per loop turn.

    Create and use it on one event loop. Commands queued by one `send` are sent in order and
    before any queued later, so a snapshot queued before its batch reaches Redis first.
    """

    def __init__(self, url: str):
        self._redis = redis.asyncio.Redis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT_SECONDS, socket_connect_timeout=SOCKET_TIMEOUT_SECONDS
        )
        self._queued: list[tuple[tuple[tuple, ...], asyncio.Future]] = []
        self._sender: asyncio.Task | None = None

    async def send(self, *commands: tuple) -> list:
        """Queue `commands` (each a tuple such as ("SET", key, value)) and wait until Redis has
        answered them; return Redis's answers, one per command. Raises the Redis or socket
        error when the pipeline carrying them failed.
        """
        future = asyncio.get_running_loop().create_future()
        self._queued.append((commands, future))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_queued())
        return await future

    async def _send_queued(self) -> None:
        # Yield once first, so that every coroutine ready in this turn of the loop can queue.
        await asyncio.sleep(0)
        while self._queued:
            queued, self._queued = self._queued, []
            pipeline = self._redis.pipeline(transaction=False)
            for commands, _ in queued:
                for command in commands:
                    pipeline.execute_command(*command)
            try:
                answers = await pipeline.execute()
            except BaseException as error:  # noqa: BLE001 - handed to every waiting writer
                for _, future in queued:
                    if not future.done():
                        future.set_exception(error)
                if isinstance(error, asyncio.CancelledError):
                    raise
                continue
            start = 0
            for commands, future in queued:
                if not future.done():
                    future.set_result(answers[start:start + len(commands)])
                start += len(commands)


_outboxes: dict[tuple[asyncio.AbstractEventLoop, str], Outbox] = {}


def outbox_for(url: str) -> Outbox:
    """Return the running loop's outbox to the Redis at `url`."""
    key = (asyncio.get_running_loop(), url)
    if key not in _outboxes:
        _outboxes[key] = Outbox(url)
    return _outboxes[key]


async def group_send(group: str, message: dict, *, before: tuple[str, tuple] | None = None) -> None:
    """Send `message` to a Channels group, as `channel_layer.group_send` would.

    `before`, a Redis command and its server's URL, is sent first: in the same pipeline when the
    group's messages go to that server (one round trip, not two), else on its own before.
    """
    layer = get_channel_layer()
    hosts = getattr(layer, "_kwargs", {}).get("hosts") or []
    if not isinstance(layer, RedisPubSubChannelLayer) or len(hosts) != 1 or not isinstance(hosts[0], str):
        if before is not None:
            await outbox_for(before[0]).send(before[1])
        await layer.group_send(group, message)
        return
    channel = layer._get_layer()._get_group_channel_name(group)
    publish = ("PUBLISH", channel, layer.serialize(message))
    if before is None:
        await outbox_for(hosts[0]).send(publish)
    elif before[0] == hosts[0]:
        await outbox_for(hosts[0]).send(before[1], publish)
    else:
        await outbox_for(before[0]).send(before[1])
        await outbox_for(hosts[0]).send(publish)
