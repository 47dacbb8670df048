from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict
from django.utils import timezone

from claims.exports import citation_text, csv_chunks
from claims.filters import ClaimFilter
from claims.models import Claim

# The filters of /claims/ it takes, each as an option that sets the URL parameter of its
# name (`date_from` is --date-from), with its argparse settings.
FILTERS: dict[str, dict[str, Any]] = {
    "q": {"help": "Full-text search, as on /claims/."},
    "topic": {"action": "append", "help": "Topic slug (repeatable: all apply)."},
    "entity": {"action": "append", "help": "Entity slug (repeatable)."},
    "claimant": {"action": "append", "help": "Slug of who asserts it (repeatable)."},
    "source": {"help": "Source slug."},
    "outlet": {"help": "Outlet name."},
    "date_from": {"help": "YYYY, YYYY-MM or YYYY-MM-DD."},
    "date_to": {"help": "YYYY, YYYY-MM or YYYY-MM-DD."},
    "relation": {"help": "contradicts, supports, qualifies, updates …"},
    "has_value": {"choices": ["true", "false"]},
    "sort": {"choices": ["newest", "oldest", "relevance"]},
}


class Command(BaseCommand):
    help = (
        "Write the citation CSV (one row per quote) for published claims, with the same "
        "filters as /claims/export.csv."
    )

    def add_arguments(self, parser) -> None:
        for name, keywords in FILTERS.items():
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, **keywords)
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
        for name in FILTERS:
            value = options.get(name)
            if value:
                data.setlist(name, value if isinstance(value, list) else [value])
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
