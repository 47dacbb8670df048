from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claims.evidence import Anchoring, reanchor
from claims.models import Claim, Source
from claims.seeds import ManifestError, SeedSource, load_manifest

METADATA = (
    "title",
    "author",
    "outlet",
    "url",
    "kind",
    "language",
    "published",
    "published_precision",
    "published_basis",
    "seed_file",
    "seed_start",
    "seed_end",
)


class Command(BaseCommand):
    help = "Import the seed articles described by sources.toml (idempotent, all or nothing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("seed_dir", nargs="?", default=str(settings.SEEDS_DIR))

    def handle(self, *args, seed_dir: str, **options) -> None:
        try:
            seeds = load_manifest(Path(seed_dir))
        except ManifestError as error:
            raise CommandError(str(error)) from None
        counts = {"created": 0, "updated": 0, "unchanged": 0, "quotes moved": 0}
        with transaction.atomic():
            for seed in seeds:
                try:
                    counts[self.import_one(seed, counts)] += 1
                except ValidationError as error:
                    raise CommandError(
                        f"{seed.seed_file} [{seed.slug}]: {'; '.join(error.messages)} "
                        f"Nothing was imported."
                    ) from None
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        self.stdout.write(f"Imported {len(seeds)} sources from {seed_dir}: {summary}.")

    def import_one(self, seed: SeedSource, counts: dict[str, int]) -> str:
        source = Source.objects.filter(slug=seed.slug).first()
        if source is None:
            source = Source(slug=seed.slug)
            self.apply(source, seed)
            source.full_clean()
            source.save()
            return "created"
        text_changed = source.text_sha256 != seed.text_sha256
        meta_changed = any(getattr(source, f) != getattr(seed, f) for f in METADATA)
        if not text_changed and not meta_changed:
            return "unchanged"
        self.apply(source, seed)
        source.full_clean()
        source.save()
        if text_changed:
            counts["quotes moved"] += self.reanchor_quotes(source)
        return "updated"

    @staticmethod
    def apply(source: Source, seed: SeedSource) -> None:
        for field in METADATA:
            setattr(source, field, getattr(seed, field))
        source.text = seed.text
        source.text_sha256 = seed.text_sha256

    @staticmethod
    def reanchor_quotes(source: Source) -> int:
        moved, orphans = [], []
        for quote in source.quotes.all():
            outcome = reanchor(quote, source.text)
            if outcome is Anchoring.MOVED:
                moved.append(quote)
            elif outcome is Anchoring.ORPHANED:
                orphans.append(quote)
        if orphans:
            listed = "; ".join(f"quote #{q.pk} (claim #{q.claim_id})" for q in orphans)
            raise CommandError(
                f"{source.seed_file} [{source.slug}]: the new text no longer contains "
                f"{len(orphans)} quote(s): {listed}. Nothing was imported; fix the quotes "
                f"or the seed first."
            )
        for quote in moved:
            quote.save(update_fields=["start", "end", "exact", "prefix", "suffix", "locator"])
        Claim.objects.filter(quotes__in=moved).distinct().refresh_search_text()
        return len(moved)
