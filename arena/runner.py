"""One asyncio event loop per worker process, on which every side's stream runs.

Streaming a team's answer is waiting on a socket for 10–60 s. On the loop that costs one
coroutine, so a worker process holds hundreds of streams; on a thread of the Celery pool it
would cost that thread for the whole answer, and streams would queue behind each other (the
measurements are in docs/performance.md). The Celery task stays the unit of work and of
scale-out: `arena.tasks.response_generate` hands its side to this loop and waits for it, so a
task is acknowledged only when its side has ended, and a worker takes no more sides than its
pool has threads.

The loop owns what is shared by its streams: one HTTP client (connections to a team are
reused), the Channels layer's Redis connections and one Redis client for the text-so-far
snapshots. Database work never runs on the loop: it goes to a small pool of threads
(ARENA_STREAM_DB_THREADS), which also bounds the database connections a worker opens.
"""
from __future__ import annotations

import asyncio
import functools
import os
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
import uvloop
from django.conf import settings
from django.db import close_old_connections

T = TypeVar("T")


class StreamRunner:
    """Start the process's stream loop on first use, and run coroutines on it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid: int | None = None
        self._http: httpx.AsyncClient | None = None
        self._db: ThreadPoolExecutor | None = None
        self._redis_slots: asyncio.Semaphore | None = None
        # Sides streaming now on this process's loop (read and written only on the loop).
        self.streams = 0

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            # A forked child inherits the object but not the thread: it starts its own loop.
            if self._loop is None or self._pid != os.getpid():
                # uvloop (uvicorn's loop too): a few times less CPU per socket event than
                # asyncio's own loop, and hundreds of streams are mostly socket events.
                loop = uvloop.new_event_loop()
                threading.Thread(target=loop.run_forever, name="arena-streams", daemon=True).start()
                self._db = ThreadPoolExecutor(
                    max_workers=settings.ARENA["STREAM_DB_THREADS"], thread_name_prefix="arena-db"
                )
                self._http = None
                self._redis_slots = None
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the stream loop and return its result, blocking this thread."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop()).result()

    def http(self) -> httpx.AsyncClient:
        """Return the loop's HTTP client for team endpoints (call it on the loop)."""
        if self._http is None:
            # Every stream may hold a connection; idle ones are kept for the next answer.
            self._http = httpx.AsyncClient(
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=200)
            )
        return self._http

    def redis_slots(self) -> asyncio.Semaphore:
        """Return the semaphore every Redis call of the streams holds (call it on the loop).

        redis-py's asyncio pools refuse, rather than queue, a call beyond their 100 connections;
        hundreds of streams publishing at once would hit that. Waiting for a slot instead costs
        microseconds, and STREAM_REDIS_CONNECTIONS stays well under the pools' limit.
        """
        if self._redis_slots is None:
            self._redis_slots = asyncio.Semaphore(settings.ARENA["STREAM_REDIS_CONNECTIONS"])
        return self._redis_slots

    async def db(self, function: Callable[..., T], /, *args, **kwargs) -> T:
        """Run blocking database work on the runner's database threads and return its result.

        Each call starts and ends like a request does, so a connection the database dropped
        or that outlived CONN_MAX_AGE is replaced rather than failing the next stream.
        """
        assert self._db is not None, "db() is called on the stream loop"
        call = functools.partial(_database_call, function, args, kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._db, call)


def _database_call(function: Callable[..., T], args: tuple, kwargs: dict) -> T:
    close_old_connections()
    try:
        return function(*args, **kwargs)
    finally:
        close_old_connections()


runner = StreamRunner()
