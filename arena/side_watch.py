"""A battle's websocket ends its sides whose worker was lost, with no worker alive to do it.

The reaper (`arena.streaming.responses_reap`) is a Celery task that beat sends: with every
worker lost (the demo's single worker killed mid-answer), no one runs it until a worker is
back, and both panes wait for the supervisor's restart. The web process that serves the
battle's websocket lives on, and it knows when a side has gone quiet: each connection watches
the sides it has shown text from, and once none of its battle's events has arrived for
LEASE_SECONDS while one of those sides is still open, it runs the reaper for its own battle
every REAP_EVERY_SECONDS until it hears from the battle again. The reaper ends only sides whose
lease lapsed (or that outlived their entrant's timeout), so a slow team that is still answering
is left alone, and it tells every page of the battle through the group, exactly as from beat:
the pacer ends both panes together, one error frame per side. Several connections or web
processes may reap one battle at once; `services.response_fail` ends a side only once, so each
side's error frame goes out once.
"""
from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from django.conf import settings

from arena.streaming import responses_reap

logger = logging.getLogger(__name__)

# Off Channels' one thread-sensitive thread: the reaper blocks its thread while it publishes,
# and every request of the web process waits on that thread.
_reap = database_sync_to_async(responses_reap, thread_sensitive=False)


class SideWatch:
    """Watch one connection's battle; `heard` on each of its events, `open_sides` says which
    sides it has seen text from and no end of yet."""

    def __init__(self, *, battle_id: int, open_sides) -> None:
        self.battle_id = battle_id
        self.open_sides = open_sides
        self.heard_at = asyncio.get_running_loop().time()
        self.task: asyncio.Task | None = None

    def heard(self) -> None:
        self.heard_at = asyncio.get_running_loop().time()

    def start(self) -> None:
        self.task = asyncio.create_task(self.watch())

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def quiet(self) -> bool:
        """Whether an open side's battle has said nothing for a lease's time."""
        silence = asyncio.get_running_loop().time() - self.heard_at
        return bool(self.open_sides()) and silence >= settings.ARENA["LEASE_SECONDS"]

    async def watch(self) -> None:
        while True:
            await asyncio.sleep(settings.ARENA["REAP_EVERY_SECONDS"])
            if not self.quiet():
                continue
            try:
                reaped = await _reap(battle_id=self.battle_id)
            except Exception:  # noqa: BLE001 - the watch must outlive a database or Redis hiccup
                logger.exception("battle %s: its quiet sides could not be checked", self.battle_id)
                continue
            if reaped:
                logger.warning("battle %s: its websocket ended sides %s, whose worker was lost",
                               self.battle_id, reaped)
