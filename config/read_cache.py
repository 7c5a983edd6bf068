"""Replay the leaderboard's answers from memory, in front of Django (an ASGI middleware).

A leaderboard read already touches no database (voting/services.py caches the board in Redis),
yet Django's ASGI handler's thread hand-offs and middleware chain made it cost far more CPU
than the answer itself (docs/performance.md). When a
snapshot lands, every open leaderboard page fetches the new board at the same moment, and a
news story can open thousands of them. This keeps Django's whole answer (status, headers, body)
to a leaderboard read and replays it to the next reader, as a reverse proxy's micro-cache would
(nginx `proxy_cache`), for as long as Django's own cached board would stand:

- while the leaderboard generation in Redis (`voting.selectors.LEADERBOARD_CACHE_GENERATION`)
  is the one it was made under: a new snapshot or a change of contest phase makes every kept
  answer miss at once, as it does the board cached inside Django; and
- for at most settings.LEADERBOARD["CACHE_SECONDS"], the lag Django's cache already allows.

What is kept, and for whom:

- `GET`/`HEAD /api/leaderboard` (any query): the public board, the same for every reader but
  for the site's language (the language cookie, config.middleware), which is in the key.
- `GET`/`HEAD /leaderboard/`: the page, only for a visitor without a session cookie (the
  header then holds no per-user form); the language cookie is in the key.
- The Host header is in the key too: an answer is replayed only to a request for the same host.
- Only 200 answers that set no cookie. Anything else (other paths and methods, errors, Redis
  not answering) goes to Django as before, so no answer is ever made here.

Each web process keeps at most MAX_ENTRIES answers (a few KB each).
"""
import asyncio
import time

import redis.asyncio as redis
from django.conf import settings
from django.core.cache import cache

from voting.selectors import LEADERBOARD_CACHE_GENERATION

MAX_ENTRIES = 256
API_PATH = "/api/leaderboard"
PAGE_PATH = "/leaderboard/"


def _cookie(headers: list[tuple[bytes, bytes]], name: str) -> str | None:
    for key, value in headers:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                cookie_name, _, cookie_value = part.strip().partition("=")
                if cookie_name == name:
                    return cookie_value
    return None


class LeaderboardReadCache:
    def __init__(self, app):
        self.app = app
        self.entries: dict[tuple, tuple[bytes, float, list]] = {}
        self._redis: tuple[asyncio.AbstractEventLoop, redis.Redis] | None = None

    def key(self, scope) -> tuple | None:
        """Return the key of a read that may be replayed, or None to pass it to Django."""
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return None
        path, headers = scope["path"], scope["headers"]
        if path == PAGE_PATH:
            if _cookie(headers, settings.SESSION_COOKIE_NAME):
                return None
        elif path != API_PATH:
            return None
        language = _cookie(headers, settings.LANGUAGE_COOKIE_NAME)
        # The host is in the key, so that a request for a host Django refuses reaches Django.
        host = next((value for name, value in headers if name == b"host"), b"")
        return scope["method"], host, path, scope["query_string"], language

    def redis(self) -> redis.Redis:
        loop = asyncio.get_running_loop()
        if self._redis is None or self._redis[0] is not loop:
            location = settings.CACHES["default"]["LOCATION"]
            self._redis = (loop, redis.Redis.from_url(location, socket_timeout=1))
        return self._redis[1]

    async def __call__(self, scope, receive, send):
        key = self.key(scope)
        if key is None:
            return await self.app(scope, receive, send)
        try:
            generation = await self.redis().get(cache.make_and_validate_key(
                LEADERBOARD_CACHE_GENERATION))
        except (redis.RedisError, OSError):
            return await self.app(scope, receive, send)  # Django answers (503) as before
        generation = generation or b""
        entry = self.entries.get(key)
        if entry and entry[0] == generation and entry[1] > time.monotonic():
            for message in entry[2]:
                await send(message)
            return
        messages: list[dict] = []

        async def keep(message):
            messages.append(message)
            await send(message)

        await self.app(scope, receive, keep)
        if self.replayable(messages):
            if len(self.entries) >= MAX_ENTRIES:
                self.entries.pop(next(iter(self.entries)))
            expires = time.monotonic() + settings.LEADERBOARD["CACHE_SECONDS"]
            self.entries[key] = (generation, expires, messages)

    @staticmethod
    def replayable(messages: list[dict]) -> bool:
        if not messages or messages[0]["type"] != "http.response.start":
            return False
        start = messages[0]
        if start["status"] != 200 or any(k.lower() == b"set-cookie" for k, _ in start["headers"]):
            return False
        return messages[-1]["type"] == "http.response.body" and not messages[-1].get("more_body")
