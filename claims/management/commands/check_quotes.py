from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claims.evidence import Anchoring, reanchor
from claims.models import Claim, Quote


class Command(BaseCommand):
    help = (
        "Re-anchor every quote against its source text and report it as exact, moved "
        "(offsets updated) or orphaned. Exits non-zero on orphans; never deletes anything."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Report only; do not update moved quotes."
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        tally = dict.fromkeys(Anchoring, 0)
        moved: list[int] = []
        with transaction.atomic():
            for quote in Quote.objects.for_report().iterator(chunk_size=500):
                outcome = reanchor(quote, quote.source.text)
                tally[outcome] += 1
                if outcome is Anchoring.EXACT:
                    continue
                self.stdout.write(
                    f"{outcome}: quote #{quote.pk} (claim #{quote.claim_id}, "
                    f"source {quote.source.slug}) {quote.exact[:60]!r}"
                )
                if outcome is Anchoring.MOVED and not dry_run:
                    quote.save(
                        update_fields=["start", "end", "exact", "prefix", "suffix", "locator"]
                    )
                    moved.append(quote.claim_id)
            Claim.objects.filter(pk__in=moved).refresh_search_text()
        self.stdout.write(", ".join(f"{n} {outcome}" for outcome, n in tally.items()))
        if tally[Anchoring.ORPHANED]:
            raise CommandError(
                f"{tally[Anchoring.ORPHANED]} orphaned quote(s): their passage is no longer "
                f"in the source text. Nothing was deleted."
            )
