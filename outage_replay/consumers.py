"""A minimal consumer for the plumbing check: joins the `ping` group and forwards."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

PING_GROUP = "ping"


class PingConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        await self.channel_layer.group_add(PING_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(PING_GROUP, self.channel_name)

    async def ping_message(self, event: dict) -> None:
        await self.send_json({"type": "ping", "payload": event["payload"]})
