from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "outage_replay.scenarios"
    verbose_name = "Scenarios"
