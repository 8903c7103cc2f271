"""The Celery application: configured from Django settings (`CELERY_*`)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outage_replay.settings")

app = Celery("outage_replay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["outage_replay.tasks"]
app.autodiscover_tasks()
