"""Outage Replay: a Django project that replays cloud outages as running models."""

from .celery import app as celery_app

__all__ = ["celery_app"]
