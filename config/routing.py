"""Websocket routes."""
from django.urls import path

from arena.consumers import BattleConsumer
from voting.consumers import LeaderboardConsumer

websocket_urlpatterns = [
    path("ws/battles/<uuid:battle_id>/", BattleConsumer.as_asgi()),
    path("ws/leaderboard/", LeaderboardConsumer.as_asgi()),
]
