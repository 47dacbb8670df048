from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from claims import backups
from claims.management.base import RegistryCommand


class Command(RegistryCommand):
    help = (
        "Copy the whole database, history included, to a file: SQLite's backup API or "
        "pg_dump (custom format). Restore it with `manage.py restore FILE`."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", help="File to write (default backups/factreg-<time>).")

    def handle(self, *args, output: str | None, **options) -> None:
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        path = Path(output or f"backups/factreg-{stamp}{backups.suffix()}")
        backups.backup(path)
        self.stdout.write(f"Backed up to {path} ({path.stat().st_size:,} bytes).")
