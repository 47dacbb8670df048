from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict
from django.utils import timezone
from django_filters import Filter, MultipleChoiceFilter

from claims.exports import citation_text, csv_chunks
from claims.filters import ClaimFilter
from claims.models import Claim


def _option(name: str, filter_: Filter) -> dict[str, Any]:
    """argparse's settings for the option of one of ClaimFilter's filters: repeatable where
    the URL takes several values, the filter's choices, and its label and help as help."""
    options: dict[str, Any] = {"dest": name, "help": filter_.label}
    if isinstance(filter_, MultipleChoiceFilter):
        # (The form's help says how to pick several in a list box: not for a command line.)
        options |= {"action": "append", "help": f"{filter_.label}: a slug (repeatable)."}
    elif help_text := filter_.extra.get("help_text"):
        options["help"] = f"{filter_.label}. {help_text}"
    choices = filter_.extra.get("choices")
    if isinstance(choices, list | tuple):
        options["choices"] = [value for value, _label in choices]
    return options


class Command(BaseCommand):
    help = (
        "Write the citation CSV (one row per quote) for published claims, with the same "
        "filters as /claims/export.csv."
    )

    def add_arguments(self, parser) -> None:
        # One option for each filter of /claims/ (`date_from` is --date-from), which sets
        # the URL parameter of its name: the FilterSet says which there are.
        for name, filter_ in ClaimFilter.base_filters.items():
            parser.add_argument(f"--{name.replace('_', '-')}", **_option(name, filter_))
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
        for name in ClaimFilter.base_filters:
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
