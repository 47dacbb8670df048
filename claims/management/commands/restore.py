from __future__ import annotations

from pathlib import Path

from claims import backups
from claims.management.base import RegistryCommand


class Command(RegistryCommand):
    help = (
        "Replace the database with a backup made by `manage.py backup`. A database that "
        "holds data is refused unless --force."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--force", action="store_true", help="Replace a database that holds data."
        )

    def handle(self, *args, file: str, force: bool, **options) -> None:
        backups.restore(Path(file), force=force)
        self.stdout.write(f"Restored from {file}.")
