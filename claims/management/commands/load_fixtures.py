from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims import services


class Command(BaseCommand):
    help = (
        "Load the curated registry from fixtures/*.json into an empty registry. "
        "A registry that already has content is left alone, so editors' work is never "
        "overwritten; --force loads anyway (rows with the same ids are replaced)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true")
        parser.add_argument("--dir", default=str(settings.BASE_DIR / "fixtures"))

    def handle(self, *args, force: bool, dir: str, **options) -> None:
        files = sorted(str(p) for p in Path(dir).glob("*.json"))
        if not files:
            raise CommandError(f"No fixtures (*.json) in {dir}.")
        existing = services.load_fixtures(files=files, force=force, verbosity=options["verbosity"])
        if existing:
            self.stdout.write(
                f"The registry already has {existing} rows; fixtures not loaded "
                f"(editors' changes are kept). Use --force to load them anyway."
            )
