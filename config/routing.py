"""Websocket routes."""
from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path, re_path

from arena.consumers import BattleConsumer
from voting.consumers import LeaderboardConsumer

CLOSE_NOT_FOUND = 4404


class RouteNotFound(AsyncWebsocketConsumer):
    """Any other websocket path: refused with a close, not the router's ValueError (which the
    server logs as a traceback and answers without one)."""

    async def connect(self):
        await self.close(code=CLOSE_NOT_FOUND)


websocket_urlpatterns = [
    path("ws/battles/<uuid:battle_id>/", BattleConsumer.as_asgi()),
    path("ws/leaderboard/", LeaderboardConsumer.as_asgi()),
    re_path(r"", RouteNotFound.as_asgi()),
]
