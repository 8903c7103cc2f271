from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "outage_replay.sharing"
    verbose_name = "Sharing"
