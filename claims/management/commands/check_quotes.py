from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from claims import services


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
        check = services.check_quotes(dry_run=dry_run)
        for outcome, quote in check.not_exact:
            self.stdout.write(
                f"{outcome}: quote #{quote.pk} (claim #{quote.claim_id}, "
                f"source {quote.source.slug}) {quote.exact[:60]!r}"
            )
        self.stdout.write(", ".join(f"{n} {outcome}" for outcome, n in check.tally.items()))
        if check.orphaned:
            raise CommandError(
                f"{check.orphaned} orphaned quote(s): their passage is no longer "
                f"in the source text. Nothing was deleted."
            )
