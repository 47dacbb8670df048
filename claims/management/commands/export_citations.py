from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict
from django.utils import timezone

from claims.exports import citation_text, csv_chunks
from claims.filters import ClaimFilter
from claims.models import Claim

# Command-line option -> the URL parameter of /claims/ it sets.
OPTIONS = {
    "q": "q",
    "topic": "topic",
    "entity": "entity",
    "claimant": "claimant",
    "source": "source",
    "outlet": "outlet",
    "date_from": "date_from",
    "date_to": "date_to",
    "relation": "relation",
    "has_value": "has_value",
    "sort": "sort",
}


class Command(BaseCommand):
    help = (
        "Write the citation CSV (one row per quote) for published claims, with the same "
        "filters as /claims/export.csv."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--q", help="Full-text search, as on /claims/.")
        parser.add_argument("--topic", action="append", help="Topic slug (repeatable: all apply).")
        parser.add_argument("--entity", action="append", help="Entity slug (repeatable).")
        parser.add_argument(
            "--claimant", action="append", help="Slug of who asserts it (repeatable)."
        )
        parser.add_argument("--source", help="Source slug.")
        parser.add_argument("--outlet", help="Outlet name.")
        parser.add_argument("--date-from", dest="date_from", help="YYYY, YYYY-MM or YYYY-MM-DD.")
        parser.add_argument("--date-to", dest="date_to", help="YYYY, YYYY-MM or YYYY-MM-DD.")
        parser.add_argument("--relation", help="contradicts, supports, qualifies, updates …")
        parser.add_argument("--has-value", dest="has_value", choices=["true", "false"])
        parser.add_argument("--sort", choices=["newest", "oldest", "relevance"])
        parser.add_argument("--bom", action="store_true", help="Start with a BOM (for Excel).")
        parser.add_argument(
            "--base-url",
            default=os.environ.get("SITE_URL", ""),
            help="The site's address for the permanent URLs (default: $SITE_URL).",
        )
        parser.add_argument("-o", "--output", help="File to write (default: standard output).")

    def handle(self, *args, **options) -> None:
        base_url = (options["base_url"] or "").rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise CommandError(
                "Give the site's address for the permanent URLs: --base-url "
                "https://factreg.example.org (or set SITE_URL)."
            )
        data = QueryDict(mutable=True)
        for option, param in OPTIONS.items():
            value = options.get(option)
            if value:
                data.setlist(param, value if isinstance(value, list) else [value])
        filterset = ClaimFilter(data=data, queryset=Claim.objects.published())
        if not filterset.is_valid():
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())
            raise CommandError(f"Invalid filters: {problems}")
        chunks = citation_text(filterset.qs, base_url=base_url, exported_at=timezone.now())
        text = csv_chunks(chunks, bom=options["bom"])
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                out.writelines(text)
        else:
            sys.stdout.writelines(text)
