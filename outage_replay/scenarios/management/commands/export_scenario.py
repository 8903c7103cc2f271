"""manage.py export_scenario SLUG [-o FILE]: the scenario as an outage-replay/1 file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...models import Scenario
from ...services import scenario_export


class Command(BaseCommand):
    help = "Export a scenario as outage-replay/1 JSON (to stdout or --output)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")

    def handle(self, *args, **options):
        scenario = Scenario.objects.filter(slug=options["slug"]).first()
        if scenario is None:
            raise CommandError(f"no scenario '{options['slug']}'", returncode=2)
        data = scenario_export(scenario=scenario)
        if options["output"]:
            Path(options["output"]).write_bytes(data)
        else:
            self.stdout.write(data.decode(), ending="")
