"""Benchmark the citation CSV export against a raw sqlite3 floor.

Run: `make bench` (or `.venv/bin/python bench/export_bench.py --quotes 100000 300000`).
For each size it builds a fresh SQLite registry with that many quotes, then
measures
- the export (the /claims/export.csv view, streamed to a sink): rows/s, time
  to the first byte and to the first row, and peak Python memory (tracemalloc,
  measured in a separate pass so it does not slow the timed one);
- the floor: one raw sqlite3 query producing the same columns, streamed
  through csv.writer to the same kind of sink.
Export and floor run alternately `--repeat` times (3); the fastest of each counts.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import json
import os
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(db_path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    os.environ["ALLOWED_HOSTS"] = "bench.example"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factreg.settings")
    import django

    django.setup()


def build(quotes: int) -> None:
    """A registry with `quotes` quotes: five per claim, tags and links on every claim."""
    from django.core.management import call_command

    from claims.models import Claim, ClaimLink, Entity, Quote, Source, Topic

    call_command("migrate", verbosity=0)
    text = "".join(
        f"Passage {n:05d} is quoted, with “curly” quotes – and dashes.\n" for n in range(5000)
    )
    sources = [
        Source.objects.create(
            slug=f"source-{n}",
            title=f"Source {n}",
            author="Ann Author",
            outlet="Outlet",
            text=text,
            published=dt.date(2020 + n, 1, 1),
            published_precision="year",
        )
        for n in range(5)
    ]
    topics = [Topic.objects.create(slug=f"topic-{n}", name=f"Topic {n}") for n in range(12)]
    entities = [Entity.objects.create(slug=f"entity-{n}", name=f"Entity {n}") for n in range(40)]
    n_claims = quotes // 5
    claims = Claim.objects.bulk_create(
        (
            Claim(
                statement=f"Claim {n} says something checkable about gas.",
                status="published",
                event_date=dt.date(2000 + n % 25, 1 + n % 12, 1),
                event_date_precision="month",
                value=n % 100 if n % 3 == 0 else None,
                unit="percent" if n % 3 == 0 else "",
            )
            for n in range(n_claims)
        ),
        batch_size=5000,
    )
    Topic.claims.through.objects.bulk_create(
        (
            Topic.claims.through(claim_id=c.pk, topic_id=topics[i % 12].pk)
            for i, c in enumerate(claims)
        ),
        batch_size=5000,
    )
    Entity.claims.through.objects.bulk_create(
        (
            Entity.claims.through(claim_id=c.pk, entity_id=entities[(i + k) % 40].pk)
            for i, c in enumerate(claims)
            for k in range(2)
        ),
        batch_size=5000,
    )
    offsets = {}
    for n in range(5000):
        exact = f"Passage {n:05d} is quoted, with “curly” quotes – and dashes."
        offsets[n] = (exact, text.index(exact))
    Quote.objects.bulk_create(
        (
            Quote(
                claim=claims[q // 5],
                source=sources[q % 5],
                exact=offsets[q % 5000][0],
                start=offsets[q % 5000][1],
                end=offsets[q % 5000][1] + len(offsets[q % 5000][0]),
                locator=q % 5000 + 1,
            )
            for q in range(quotes)
        ),
        batch_size=5000,
    )
    ClaimLink.objects.bulk_create(
        (
            ClaimLink(
                from_claim=claims[i],
                to_claim=claims[i + 1],
                relation="contradicts" if i % 2 else "supports",
                rationale="Benchmark link.",
            )
            for i in range(0, n_claims - 1, 4)
        ),
        batch_size=5000,
    )
    # As every bulk load does (import_seeds, load_fixtures): without planner
    # statistics SQLite joins the export's link query from the wrong table.
    from claims import services

    services.backfill_versions()  # the CSV cites each claim's version, as in a real registry
    services.analyze()


class Sink:
    """Counts what is written, like a socket that never blocks."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, data) -> int:
        self.bytes += len(data)
        return len(data)


def export_once(measure_memory: bool = False) -> dict:
    from django.test import RequestFactory

    from claims.views import CitationExportView

    gc.collect()
    if measure_memory:
        tracemalloc.start()
    started = time.perf_counter()
    request = RequestFactory().get("/claims/export.csv", HTTP_HOST="bench.example")
    response = CitationExportView.as_view()(request)
    sink = Sink()
    first_byte = first_row = None
    rows = -1
    for chunk in response.streaming_content:
        now = time.perf_counter() - started
        if first_byte is None:
            first_byte = now
        rows += chunk.count(b"\r\n")
        if first_row is None and rows > 0:
            first_row = now
        sink.write(chunk)
    elapsed = time.perf_counter() - started
    result = {
        "rows": rows,
        "seconds": elapsed,
        "rows_per_s": rows / elapsed,
        "first_byte_s": first_byte,
        "first_row_s": first_row,
        "bytes": sink.bytes,
    }
    if measure_memory:
        result["peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return result


FLOOR_SQL = """
SELECT q.claim_id, c.statement, c.status, c.event_date, c.event_date_precision, c.value, c.unit,
  (SELECT group_concat(name, '; ') FROM (SELECT t.name FROM claims_claim_topics ct
     JOIN claims_topic t ON t.id = ct.topic_id WHERE ct.claim_id = c.id ORDER BY t.name)),
  (SELECT group_concat(name, '; ') FROM (SELECT e.name FROM claims_claim_entities ce
     JOIN claims_entity e ON e.id = ce.entity_id WHERE ce.claim_id = c.id ORDER BY e.name)),
  q.exact, q.start, q."end", q.locator, s.title, s.author, s.outlet, s.published,
  s.published_precision, s.url, s.slug,
  (SELECT group_concat(other, '; ') FROM (
     SELECT l.to_claim_id AS other FROM claims_claimlink l
       WHERE l.from_claim_id = c.id AND l.relation = 'contradicts'
     UNION SELECT l.from_claim_id FROM claims_claimlink l
       WHERE l.to_claim_id = c.id AND l.relation = 'contradicts' ORDER BY 1)),
  (SELECT group_concat(l.from_claim_id, '; ') FROM claims_claimlink l
     WHERE l.to_claim_id = c.id AND l.relation = 'supports')
FROM claims_quote q
  JOIN claims_claim c ON c.id = q.claim_id
  JOIN claims_source s ON s.id = q.source_id
WHERE c.status = 'published'
ORDER BY c.event_date DESC, q.claim_id DESC, s.title, q.start, q.id
"""


def floor_once(db_path: Path) -> dict:
    gc.collect()
    started = time.perf_counter()
    connection = sqlite3.connect(db_path)
    sink = Sink()
    writer = csv.writer(sink, lineterminator="\r\n")
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    cursor = connection.execute(FLOOR_SQL)
    rows = 0
    first_row = None
    while batch := cursor.fetchmany(2000):
        for row in batch:
            writer.writerow(
                [
                    *row[:19],
                    f"https://bench.example/sources/{row[19]}/",
                    f"https://bench.example/claims/{row[0]}/",
                    row[20] or "",
                    row[21] or "",
                    stamp,
                ]
            )
        rows += len(batch)
        if first_row is None:
            first_row = time.perf_counter() - started
    elapsed = time.perf_counter() - started
    connection.close()
    return {
        "rows": rows,
        "seconds": elapsed,
        "rows_per_s": rows / elapsed,
        "first_row_s": first_row,
        "bytes": sink.bytes,
    }


def run(quotes: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / f"bench-{quotes}.sqlite3"
        worker = [sys.executable, __file__, "--worker", str(quotes), str(db_path), str(repeat)]
        import subprocess

        out = subprocess.run(worker, capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])


def worker(quotes: int, db_path: Path, repeat: int) -> None:
    setup_django(db_path)
    started = time.perf_counter()
    build(quotes)
    built = time.perf_counter() - started
    # Alternate the two so that a busy moment of the machine hits both alike;
    # keep the fastest run of each, as timeit does.
    exports, floors = [], []
    for _ in range(repeat):
        exports.append(export_once())
        floors.append(floor_once(db_path))
    export = min(exports, key=lambda r: r["seconds"])
    floor = min(floors, key=lambda r: r["seconds"])
    memory = export_once(measure_memory=True)
    print(
        json.dumps(
            {
                "quotes": quotes,
                "build_s": built,
                "export": export,
                "export_peak_mib": memory["peak_mib"],
                "floor": floor,
                "ratio": export["rows_per_s"] / floor["rows_per_s"],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quotes", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest counts")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(int(args.worker[0]), Path(args.worker[1]), int(args.worker[2]))
        return
    results = [run(n, args.repeat) for n in args.quotes]
    for r in results:
        e, f = r["export"], r["floor"]
        print(
            f"{r['quotes']:>8,} quotes: export {e['rows_per_s']:>9,.0f} rows/s "
            f"({e['seconds']:.2f} s, first byte {e['first_byte_s'] * 1000:.1f} ms, first row "
            f"{e['first_row_s'] * 1000:.0f} ms, peak {r['export_peak_mib']:.1f} MiB) | floor "
            f"{f['rows_per_s']:>9,.0f} rows/s ({f['seconds']:.2f} s) | export/floor "
            f"{r['ratio']:.0%}"
        )
    if len(results) > 1:
        low, high = results[0], results[-1]
        growth = high["export_peak_mib"] / low["export_peak_mib"]
        print(f"peak memory {high['quotes']:,} vs {low['quotes']:,} quotes: x{growth:.2f}")
    target_ok = all(r["ratio"] >= 0.5 for r in results)
    print("target (export >= 50% of floor rows/s):", "met" if target_ok else "NOT met")


if __name__ == "__main__":
    main()
