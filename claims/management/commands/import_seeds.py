from __future__ import annotations

from pathlib import Path

from django.conf import settings

from claims import services
from claims.management.base import RegistryCommand


class Command(RegistryCommand):
    help = "Import the seed articles described by sources.toml (idempotent, all or nothing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("seed_dir", nargs="?", default=str(settings.SEEDS_DIR))

    def handle(self, *args, seed_dir: str, **options) -> None:
        counts = services.import_seeds(seed_dir=Path(seed_dir))
        services.analyze()
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        total = counts["created"] + counts["updated"] + counts["unchanged"]
        self.stdout.write(f"Imported {total} sources from {seed_dir}: {summary}.")
