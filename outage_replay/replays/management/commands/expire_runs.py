"""manage.py expire_runs [--days N]: delete the finished runs retention no longer keeps."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ...services import runs_expire


class Command(BaseCommand):
    help = (
        "Delete finished runs older than RUN_RETENTION_DAYS (or --days) that retention "
        "does not keep; the workers also do this every RUN_EXPIRE_EVERY_S."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="age in days (default: RUN_RETENTION_DAYS)"
        )

    def handle(self, *args, **options):
        days = settings.RUN_RETENTION_DAYS if options["days"] is None else options["days"]
        if days < 1:
            raise CommandError("--days must be at least 1", returncode=2)
        deleted = runs_expire(now=timezone.now(), max_age_s=days * 86400)
        self.stdout.write(f"deleted {deleted} runs older than {days} days")
