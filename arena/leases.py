"""A streaming side's lease: how the reaper learns within seconds that the worker behind it died.

While a side streams, its worker keeps a key in Redis (``arena:lease:<response id>``) that
expires LEASE_SECONDS after it was last written. One task per stream loop renews every lease of
its process every LEASE_RENEW_SECONDS, through the loop's outbox (`arena.outbox`): the renewals
ride in the pipeline the loop sends anyway, one round trip for all of the process's sides, none
per token. A worker killed outright (SIGKILL, the machine lost) stops renewing, its sides' keys
expire, and the reaper (`arena.streaming.responses_reap`, on beat) ends them as `worker_lost`.

A Redis that restarted or was emptied holds no lease at all, though every worker is alive: the
reaper then trusts a missing lease only once Redis has held its watch key for LEASE_SECONDS,
enough for every worker to have renewed once (`leases_alive`).

The keys are the cache's (``cache.make_key``), so two sites or test runs on one Redis never read
each other's; with a cache that is not Redis (none is configured) there are no leases, and the
reaper falls back on the entrant's timeout alone.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from arena import outbox

logger = logging.getLogger(__name__)

WATCH_KEY = "arena:lease-watch"


def lease_key(response_id: int) -> str:
    return cache.make_key(f"arena:lease:{response_id}")


def _redis_url() -> str | None:
    if isinstance(caches["default"], RedisCache):
        return settings.CACHES["default"]["LOCATION"]
    return None


class Leases:
    """The leases of one stream loop's sides. Create and use it on that loop."""

    def __init__(self) -> None:
        self._held: set[int] = set()
        self._renewer: asyncio.Task | None = None

    def _set(self, response_ids) -> tuple:
        seconds = settings.ARENA["LEASE_SECONDS"]
        return tuple(("SET", lease_key(response_id), b"1", "EX", seconds) for response_id in response_ids)

    @contextlib.asynccontextmanager
    async def held(self, response_id: int):
        """Hold the side's lease while the block runs; drop it when the block ends."""
        url = _redis_url()
        if url is None:
            yield
            return
        self._held.add(response_id)
        try:
            with contextlib.suppress(*outbox.REDIS_ERRORS):
                await outbox.outbox_for(url).send(*self._set([response_id]))
            if self._renewer is None or self._renewer.done():
                self._renewer = asyncio.create_task(self._renew(url))
            yield
        finally:
            self._held.discard(response_id)
            with contextlib.suppress(*outbox.REDIS_ERRORS):
                await outbox.outbox_for(url).send(("DEL", lease_key(response_id)))

    async def _renew(self, url: str) -> None:
        every = settings.ARENA["LEASE_RENEW_SECONDS"]
        while self._held:
            await asyncio.sleep(every)
            try:
                await outbox.outbox_for(url).send(*self._set(list(self._held)))
            except outbox.REDIS_ERRORS as error:
                # Redis is away: the sides stream on; the reaper cannot read leases either.
                logger.warning("leases of %d sides not renewed (%r)", len(self._held), error)


_leases: dict[asyncio.AbstractEventLoop, Leases] = {}


def leases_for_loop() -> Leases:
    """Return the running loop's leases."""
    loop = asyncio.get_running_loop()
    if loop not in _leases:
        _leases[loop] = Leases()
    return _leases[loop]


def watched_since() -> float | None:
    """Return since when (seconds since the epoch) the reaper has watched this Redis keep its
    keys: the start of the reaper's watch, set anew after a restart or a flush. None without
    a Redis cache, or before the reaper first looked."""
    if _redis_url() is None:
        return None
    value = cache._cache.get_client(write=True).get(cache.make_key(WATCH_KEY))
    return float(value) if value else None


def leases_alive(response_ids: list[int]) -> set[int] | None:
    """Return which of ``response_ids`` hold a lease now, in one round trip to Redis.

    Returns None when a missing lease cannot be trusted yet: no Redis cache, or a Redis that
    has not held the reaper's watch key for LEASE_SECONDS (it restarted or was emptied, and the
    workers may not have renewed since).
    """
    if _redis_url() is None:
        return None
    client = cache._cache.get_client(write=True)
    watch = cache.make_key(WATCH_KEY)
    pipeline = client.pipeline(transaction=False)
    pipeline.set(watch, repr(time.time()), nx=True)
    pipeline.get(watch)
    if response_ids:
        pipeline.mget([lease_key(response_id) for response_id in response_ids])
    _, watching_since, *held = pipeline.execute()
    if time.time() - float(watching_since) < settings.ARENA["LEASE_SECONDS"]:
        return None
    return {response_id for response_id, value in zip(response_ids, held[0] if held else []) if value}
