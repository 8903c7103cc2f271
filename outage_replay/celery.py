"""The Celery application: configured from Django settings (`CELERY_*`).

Every worker also runs the housekeeping loop (the reaper of stalled runs) from its
main process once it is ready; see `outage_replay.replays.housekeeping`.
"""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outage_replay.settings")

app = Celery("outage_replay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["outage_replay.tasks"]
app.autodiscover_tasks()


@worker_ready.connect
def _start_housekeeping(**_: object) -> None:
    from outage_replay.replays.housekeeping import start_in_worker

    start_in_worker()
