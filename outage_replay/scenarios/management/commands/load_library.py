"""Load the shipped scenarios (outage_replay/scenarios/library/*.json), idempotently.

Bootstrap version: the scenarios app replaces the body once its models exist.
"""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the shipped scenario library (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write("scenario library: nothing to load yet")
