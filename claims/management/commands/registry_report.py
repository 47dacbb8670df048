from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from claims.reports import build_report


class Command(BaseCommand):
    help = "Print the registry's health check: counts, sources, claims, quotes and links."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, json: bool = False, **options) -> None:
        report = build_report()
        if json:
            self.stdout.write(_dumps(report))
            return
        counts = report["counts"]
        self.stdout.write(
            f"{counts['sources']} sources, {counts['topics']} topics, "
            f"{counts['entities']} entities, {counts['claims']} claims, "
            f"{counts['quotes']} quotes, {counts['links']} links"
        )
        self.stdout.write(
            "Claims by status: "
            + ", ".join(f"{k} {v}" for k, v in counts["claims_by_status"].items())
        )
        self.stdout.write(
            "Links by relation: "
            + ", ".join(f"{k} {v}" for k, v in counts["links_by_relation"].items())
        )
        self.stdout.write(
            f"Contradicts links across sources: {counts['contradicts_across_sources']}"
        )
        self.stdout.write(f"Quotes not verbatim: {counts['quotes_not_verbatim']}")
        self.stdout.write(f"Suggested disagreements open: {counts['suggestions_open']}")
        self.stdout.write(
            "Claims per seed file: "
            + ", ".join(f"{k} {v}" for k, v in counts["claims_per_seed_file"].items())
        )
        per_source: dict[str, set[int]] = {}
        for quote in report["quotes"]:
            per_source.setdefault(quote["source"], set()).add(quote["claim"])
        self.stdout.write("\nSources (claims cited, candidate coverage):")
        for source in report["sources"]:
            who = ", ".join(filter(None, [source["author"], source["outlet"], source["published"]]))
            covered = source["coverage"]
            self.stdout.write(
                f"  {len(per_source.get(source['slug'], ())):3d}  {covered['share']:4.0%} "
                f"of {covered['candidates']:3d}  {source['slug']}" + (f" ({who})" if who else "")
            )


def _dumps(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)
