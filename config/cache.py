"""Django's Redis cache, with one connection pool per process that every thread shares.

Django keeps one cache object per thread, and under ASGI every request runs in a thread of its
own; Django's RedisCache builds a connection pool per cache object, so each request opened new
connections to Redis (and redis-py reads its package metadata from disk for each). Here the
pools live at module level, keyed by server and options: a request takes a connection that an
earlier request left open. redis-py's pools are thread-safe and reset themselves in a forked
child; settings.CACHES gives a BlockingConnectionPool, so that threads beyond its size wait for
a connection rather than fail (a plain pool refuses the 101st). The client objects over the
pools are kept too: redis-py builds its table of about 170 response callbacks for every new
client, and Django asks for a new one per cache call (docs/performance.md). And `incr`
is one round trip, not Django's two (EXISTS, then INCRBY): django-ratelimit increments every
counter of a battle or a vote that way.
"""
import threading

from django.core.cache.backends import redis as django_redis

_pools: dict[tuple, object] = {}
_clients: dict[int, object] = {}
_pools_lock = threading.Lock()
# INCRBY only a key that is there, as Django's incr does, in one round trip.
_INCR_IF_EXISTS = (
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end "
    "return false"
)


class SharedPoolRedisCacheClient(django_redis.RedisCacheClient):
    def _get_connection_pool(self, write):
        server = self._servers[self._get_connection_pool_index(write)]
        key = (server, self._pool_class, tuple(sorted(self._pool_options.items(), key=str)))
        pool = _pools.get(key)
        if pool is None:
            with _pools_lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = self._pool_class.from_url(server, **self._pool_options)
        return pool

    def get_client(self, key=None, *, write=False):
        # A redis-py client is thread-safe: each command takes a connection from the pool.
        pool = self._get_connection_pool(write)
        client = _clients.get(id(pool))
        if client is None:
            client = _clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def incr(self, key, delta):
        value = self.get_client(key, write=True).eval(_INCR_IF_EXISTS, 1, key, delta)
        if value is None:
            raise ValueError("Key '%s' not found." % key)
        return value


class RedisCache(django_redis.RedisCache):
    """settings.CACHES backend: `config.cache.RedisCache`, options as Django's RedisCache."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient

    def eval(self, script: str, numkeys: int, arguments: list) -> object:
        """Run a Lua script on the cache's server (what the cache API has no verb for), as
        Redis's EVAL: its first `numkeys` arguments are keys, the cache's own (`make_key`)."""
        return self._cache.get_client(write=True).eval(script, numkeys, *arguments)
