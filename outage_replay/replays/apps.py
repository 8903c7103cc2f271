from django.apps import AppConfig


class ReplaysConfig(AppConfig):
    name = "outage_replay.replays"
    verbose_name = "Replays"

    def ready(self) -> None:
        from django.db.models.signals import pre_delete

        from outage_replay.scenarios.models import Scenario

        pre_delete.connect(
            _delete_private_runs, sender=Scenario, dispatch_uid="replays.private_runs"
        )


def _delete_private_runs(sender: object, instance: object, **_: object) -> None:
    """A draft's (or unlisted scenario's) runs go with it: once the scenario is gone its
    visibility can no longer be checked, and its runs hold its whole document. A public
    scenario's runs stay reachable by their links."""
    from .models import Run
    from .services import runs_delete

    if getattr(instance, "visibility", "public") != "public":
        runs_delete(Run.objects.filter(scenario=instance))
