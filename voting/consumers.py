"""The leaderboard websocket: tells every open leaderboard page that a new snapshot landed."""
from arena.consumers import ListeningConsumer

LEADERBOARD_GROUP = "leaderboard"


class LeaderboardConsumer(ListeningConsumer):
    async def connect(self):
        await self.channel_layer.group_add(LEADERBOARD_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(LEADERBOARD_GROUP, self.channel_name)

    async def leaderboard_updated(self, message):
        await self.send_json({"type": "leaderboard", **message.get("event", {})})
