"""Celery's Redis transport (kombu's), with one Redis client per channel for its commands.

Why: kombu builds a new `redis.Redis` object over the channel's connection pool for every
publish, every unacknowledged message it files and every acknowledgement, and building one is
a visible share of what a message costs the web and the worker (docs/performance.md). A
`redis.Redis` over a pool is safe to share between threads (each command borrows a connection
from the pool; a pipeline is a new object each time), so the channel keeps one and builds it
again only when kombu has replaced the pool (after a lost connection). kombu has no option for
this; the settings name this class as the broker's transport for `redis://` URLs.
"""
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _shared_client = None

    def _create_client(self, asynchronous=False):
        if asynchronous:  # the consumer's BRPOP and pub/sub hold their connection: kombu's own
            return super()._create_client(asynchronous=True)
        pool = self.pool
        client = self._shared_client
        if client is None or client.connection_pool is not pool:
            client = self._shared_client = self.Client(connection_pool=pool)
        return client


class Transport(kombu_redis.Transport):
    Channel = Channel
