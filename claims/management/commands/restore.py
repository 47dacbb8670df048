from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims import backups


class Command(BaseCommand):
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
        try:
            backups.restore(Path(file), force=force)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored from {file}.")
