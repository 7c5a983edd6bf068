"""One asyncio event loop per worker process, on which every side's stream runs.

Streaming a team's answer is waiting on a socket for 10–60 s. On the loop that costs one
coroutine, so a worker process holds hundreds of streams; on a thread of the Celery pool it
would cost that thread for the whole answer, and streams would queue behind each other (the
measurements are in docs/performance.md). The Celery task stays the unit of work and of
scale-out: `arena.tasks.response_generate` hands its side to this loop and waits for it, so a
task is acknowledged only when its side has ended, and a worker takes no more sides than its
pool has threads.

The loop owns what is shared by its streams: one HTTP client per team endpoint (connections
to a team are reused) and its Redis outboxes (`arena.outbox`: the text-so-far snapshots and
the token batches, sent in one pipeline per loop turn). Database work never runs on the loop:
it goes to a small pool of threads (ARENA_STREAM_DB_THREADS), which also bounds the database
connections a worker opens.
"""
from __future__ import annotations

import asyncio
import atexit
import functools
import os
import sys
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
import uvloop
from django.conf import settings
from django.db import close_old_connections

from arena.transport import team_client
from config.logs import REQUEST_ID

T = TypeVar("T")

SWITCH_INTERVAL_SECONDS = 0.001


class StreamRunner:
    """Start the process's stream loop on first use, and run coroutines on it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid: int | None = None
        self._http: dict[str, httpx.AsyncClient] = {}
        self._db: ThreadPoolExecutor | None = None
        # Sides streaming now on this process's loop (read and written only on the loop).
        self.streams = 0

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            # A forked child inherits the object but not the thread: it starts its own loop.
            if self._loop is None or self._pid != os.getpid():
                # uvloop (uvicorn's loop too): a few times less CPU per socket event than
                # asyncio's own loop, and hundreds of streams are mostly socket events.
                loop = uvloop.new_event_loop()
                # The loop thread is busy and every other thread (the Celery pool's, the
                # database threads) only briefly needs the interpreter: hand it over every
                # SWITCH_INTERVAL_SECONDS, not every 5 ms (Python's default), so that a side's
                # start waits less behind the streams (docs/performance.md).
                sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
                threading.Thread(target=loop.run_forever, name="arena-streams", daemon=True).start()
                self._db = ThreadPoolExecutor(
                    max_workers=settings.ARENA["STREAM_DB_THREADS"], thread_name_prefix="arena-db"
                )
                self._http = {}
                self._loop, self._pid = loop, os.getpid()
                atexit.register(self._clients_close, loop)
            return self._loop

    def _clients_close(self, loop: asyncio.AbstractEventLoop) -> None:
        """Close the team clients at the process's exit: an aiohttp session left open says so
        in the log (arena.transport), and the loop is a daemon thread that exit would stop."""
        if loop is not self._loop or not loop.is_running():
            return
        clients, self._http = list(self._http.values()), {}

        async def close() -> None:
            await asyncio.gather(*(client.aclose() for client in clients), return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=5)
        except Exception:  # noqa: BLE001 - exiting anyway; the log line is all that is lost
            pass

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the stream loop and return its result, blocking this thread.

        The coroutine logs under the caller's request id (config.logs).
        """
        coroutine = _with_request_id(REQUEST_ID.get(), coroutine)
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop()).result()

    def http(self, base_url: str) -> httpx.AsyncClient:
        """Return the loop's HTTP client for one team endpoint (call it on the loop).

        One client per endpoint, not one for all: a team's connections are reused by its own
        streams, and one pool of hundreds of streams grew costly for the worker when it was
        httpcore's (docs/performance.md). Its transport is arena.transport's.
        """
        if base_url not in self._http:
            self._http[base_url] = team_client()
        return self._http[base_url]

    async def db(self, function: Callable[..., T], /, *args, **kwargs) -> T:
        """Run blocking database work on the runner's database threads and return its result.

        Each call starts and ends like a request does, so a connection the database dropped
        or that outlived CONN_MAX_AGE is replaced rather than failing the next stream.
        """
        assert self._db is not None, "db() is called on the stream loop"
        call = functools.partial(_database_call, function, args, kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._db, call)


async def _with_request_id(request_id: str | None, coroutine: Coroutine[Any, Any, T]) -> T:
    # Only the request id is carried over: the caller's context also holds its thread's
    # database connections, which must stay its own.
    REQUEST_ID.set(request_id)
    return await coroutine


def _database_call(function: Callable[..., T], args: tuple, kwargs: dict) -> T:
    close_old_connections()
    try:
        return function(*args, **kwargs)
    finally:
        close_old_connections()


runner = StreamRunner()
