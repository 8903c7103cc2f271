"""manage.py import_scenario FILE [--replace]: all or nothing; exit code 2 on bad input."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from simulation import LIMITS, ScenarioError

from ...models import Visibility
from ...services import scenario_import


class Command(BaseCommand):
    help = "Import an outage-replay/1 JSON file as a scenario (never half-applied)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the JSON file ('-' for standard input)")
        parser.add_argument("--replace", action="store_true", help="overwrite the same slug")
        parser.add_argument(
            "--visibility",
            choices=Visibility.values,
            default=Visibility.DRAFT,
            help="visibility of a newly created scenario (default: draft)",
        )

    def handle(self, *args, **options):
        data = read_limited(options["file"])
        try:
            scenario, outcome = scenario_import(
                data=data, replace=options["replace"], visibility=options["visibility"]
            )
        except ScenarioError as exc:
            lines = "\n".join(f"  {path}: {message}" for path, message in exc.errors)
            raise CommandError(
                f"{options['file']}: not imported, nothing changed:\n{lines}", returncode=2
            ) from None
        self.stdout.write(f"{scenario.slug}: {outcome} (version {scenario.version})")


def read_limited(name: str) -> bytes:
    """The file's bytes, refusing early anything over the size limit."""
    import sys

    limit = LIMITS["max_bytes"]
    try:
        if name == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with Path(name).open("rb") as handle:
                data = handle.read(limit + 1)
    except OSError as exc:
        raise CommandError(f"{name}: cannot read ({exc.strerror})", returncode=2) from None
    return data  # one byte over the limit is enough for the validator to refuse it
