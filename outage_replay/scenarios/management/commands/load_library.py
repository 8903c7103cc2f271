"""Load the shipped scenarios (outage_replay/scenarios/library/*.json), idempotently.

Missing scenarios are created public; identical ones are left alone; one that differs
from its file (edited in the admin, or a newer file) is kept unless --replace is given.
A bad library file is reported and skipped, and the command exits 2 at the end.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from simulation import ScenarioError

from ...models import Scenario, Visibility
from ...services import scenario_import
from ...validation import validate_bytes

LIBRARY_DIR = Path(__file__).resolve().parents[2] / "library"


class Command(BaseCommand):
    help = "Load the shipped scenario library (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--replace", action="store_true", help="reset changed ones")
        parser.add_argument("--dir", default=str(LIBRARY_DIR), help="library folder")

    def handle(self, *args, **options):
        failed = []
        files = sorted(Path(options["dir"]).glob("*.json"))
        for path in files:
            try:
                self.load(path, replace=options["replace"])
            except ScenarioError as exc:
                failed.append(path.name)
                self.stderr.write(f"{path.name}: not loaded: {exc}")
        if failed:
            raise CommandError(f"{len(failed)} library file(s) failed", returncode=2)
        if not files:
            self.stdout.write("scenario library: no files")

    def load(self, path: Path, *, replace: bool) -> None:
        doc = validate_bytes(path.read_bytes())
        current = Scenario.objects.filter(slug=doc["slug"]).first()
        if current is not None and current.to_spec() == doc:
            self.stdout.write(f"{doc['slug']}: up to date")
            return
        if current is not None and not replace:
            self.stdout.write(
                f"{doc['slug']}: differs from {path.name}; kept (use --replace to reset)"
            )
            return
        scenario, outcome = scenario_import(doc=doc, replace=replace, visibility=Visibility.PUBLIC)
        self.stdout.write(f"{scenario.slug}: {outcome}")
