from django.apps import AppConfig


class ReplaysConfig(AppConfig):
    name = "outage_replay.replays"
    verbose_name = "Replays"
