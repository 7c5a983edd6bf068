"""ASGI entry point: HTTP goes to Django (leaderboard reads replayed in front of it, see
config/read_cache.py; on PostgreSQL a vote that will be stored and a battle start that will
succeed answered in front of it, see voting/fast_vote.py and arena/fast_start.py), websockets
to the arena's consumers. Around them all: the request id (config/logs.py), the requests' metrics and `/metrics` (config/metrics.py), and the health
endpoints (config/health.py), each answered whatever the Host header says; then the body's cap,
kept while the body arrives (config/body_limit.py)."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django must be set up before the consumers (and the models they import) are loaded.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402

from arena.fast_start import FastStart  # noqa: E402
from config.body_limit import BodyLimit  # noqa: E402
from config.health import HealthEndpoints  # noqa: E402
from config.logs import RequestIdMiddleware  # noqa: E402
from config.memory import freeze_startup_objects  # noqa: E402
from config.metrics import RequestMetrics  # noqa: E402
from config.read_cache import LeaderboardReadCache  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from voting.fast_vote import FastVote  # noqa: E402

application = RequestIdMiddleware(ProtocolTypeRouter(
    {
        "http": RequestMetrics(HealthEndpoints(BodyLimit(LeaderboardReadCache(
            FastVote(FastStart(django_asgi_app)))))),
        "websocket": AllowedHostsOriginValidator(
            SessionMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
))
# Everything loaded so far lives as long as the process: out of the collector's sight.
freeze_startup_objects()
