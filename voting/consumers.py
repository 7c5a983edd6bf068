"""The leaderboard websocket: tells every open leaderboard page that a new snapshot landed."""
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from arena.consumers import ListeningConsumer

LEADERBOARD_GROUP = "leaderboard"


class LeaderboardConsumer(ListeningConsumer):
    page = "leaderboard"

    async def connect(self):
        await self.channel_layer.group_add(LEADERBOARD_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(LEADERBOARD_GROUP, self.channel_name)

    async def leaderboard_updated(self, message):
        await self.send_json({"type": "leaderboard", **message.get("event", {})})


def leaderboard_announce(event: dict) -> None:
    """Tell every open leaderboard page that a snapshot landed (the message the consumer above
    relays); called on commit by voting.boards.leaderboard_compute."""
    async_to_sync(get_channel_layer().group_send)(
        LEADERBOARD_GROUP, {"type": "leaderboard.updated", "event": event}
    )
