"""Load: 50 clients for 60 s on a mix of public URLs under the production server.

Builds (or reuses, as bench/pages_bench.py does) a generated registry of --size
claims, starts gunicorn with gunicorn.conf.py on 127.0.0.1, and lets --clients
keep-alive clients request a weighted mix for --seconds: the claim list, a search,
claim pages, source pages, a filtered CSV export, and the API's list and claims.
It reports errors (the goal is 0: any status but 200, any failed connection), p50
and p95 per kind and overall, and the workers' RSS after a warm-up of --warmup
seconds under the same load and at the end (the goal is flat: no leak under load).

    make bench-load SIZE=100000 REUSE=bench/out/pages-100000.sqlite3
    DATABASE_URL=postgres://… .venv/bin/python bench/load_bench.py --size 100000 --reuse
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import runpy
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages_bench as pb  # beside this file, not a package

SAMPLE = 200  # distinct claim pages and API claims in the mix


def mix() -> list[tuple[str, list[str], int]]:
    """(kind, paths, weight): what the clients ask for, and how often."""
    from django.db.models import Count

    from claims.models import Claim, Quote, Source, Topic

    published = Claim.objects.filter(status="published")
    ids = list(published.order_by("?").values_list("pk", flat=True)[:SAMPLE])
    topic = Topic.objects.annotate(n=Count("claims")).order_by("-n", "pk").values_list("slug")[0][0]
    quoted = Quote.objects.filter(claim__status="published").values("source").distinct()
    sources = list(Source.objects.filter(pk__in=quoted).values_list("slug", flat=True)[:20])
    word = pb.two_common_words().split()[0]
    search = urlencode({"q": pb.two_common_words()})
    return [
        ("list", ["/claims/", "/claims/?page=3", f"/claims/?topic={topic}"], 20),
        ("search", [f"/claims/?{search}", f"/claims/?q={word}&sort=newest"], 15),
        ("claim", [f"/claims/{pk}/" for pk in ids], 25),
        ("source", [f"/sources/{slug}/" for slug in sources], 10),
        ("csv", [f"/claims/export.csv?{search}&date_from=2020"], 5),
        (
            "api",
            ["/api/claims/", f"/api/claims/?{search}", *(f"/api/claims/{pk}/" for pk in ids)],
            25,
        ),
    ]


def run_load(port: int, kinds: list, clients: int, seconds: float) -> dict:
    weights = [weight for _, _, weight in kinds]
    latencies: dict[str, list[float]] = {kind: [] for kind, _, _ in kinds}
    errors: dict[str, int] = dict.fromkeys(latencies, 0)
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(n: int) -> None:
        rng = random.Random(n)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < deadline:
            kind, paths, _ = rng.choices(kinds, weights)[0]
            mark = time.perf_counter()
            try:
                status, _ = pb.get(connection, rng.choice(paths), pb.HTTPS)
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
            spent = time.perf_counter() - mark
            with lock:
                latencies[kind].append(spent)
                errors[kind] += status != 200

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    elapsed = time.perf_counter() - started
    every = [s for values in latencies.values() for s in values]
    per_kind = {
        kind: {
            "requests": len(values),
            "errors": errors[kind],
            "p50_ms": pb.percentile(values, 0.5) * 1000 if values else None,
            "p95_ms": pb.percentile(values, 0.95) * 1000 if values else None,
        }
        for kind, values in latencies.items()
    }
    return {
        "clients": clients,
        "seconds": elapsed,
        "requests": len(every),
        "errors": sum(errors.values()),
        "requests_per_s": len(every) / elapsed,
        "p50_ms": pb.percentile(every, 0.5) * 1000,
        "p95_ms": pb.percentile(every, 0.95) * 1000,
        "kinds": per_kind,
    }


def worker_rss(server: pb.Server) -> list[float]:
    return [round((pb.proc_status(pid, "VmRSS") or 0) / pb.MIB, 1) for pid in server.workers()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--reuse", nargs="?", const="", metavar="PATH")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds of load first")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    database_url, vendor, tmp = pb.bench_database(args.size, args.reuse, "load")
    pb.setup_django(database_url)
    from django.core.management import call_command
    from django.db import connection

    try:
        pb.prepare(argparse.Namespace(size=args.size, reuse=args.reuse, requests=0), database_url)
        call_command("collectstatic", interactive=False, verbosity=0)
        kinds = mix()
        connection.close()
        env = {**os.environ, "DATABASE_URL": database_url}
        with tempfile.TemporaryDirectory(prefix="factreg-gunicorn-") as logs:
            workers = runpy.run_path(str(pb.ROOT / "gunicorn.conf.py"))["workers"]
            server = pb.Server(env, Path(logs) / "gunicorn.log", workers, [])
            with server:
                # Warm up under the same load first: every worker thread then has its
                # connection and caches, so the RSS that follows shows growth, not boot.
                pb.log(f"warm-up: {args.clients} clients for {args.warmup:.0f} s")
                warm = run_load(server.port, kinds, args.clients, args.warmup)
                rss_start = worker_rss(server)
                pb.log(f"load: {args.clients} clients for {args.seconds:.0f} s")
                result = run_load(server.port, kinds, args.clients, args.seconds)
                result["rss_start_mib"] = rss_start
                result["warmup"] = {k: warm[k] for k in ("requests", "errors", "p95_ms")}
                result["rss_end_mib"] = worker_rss(server)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    result.update(vendor=vendor, size=args.size)
    print(json.dumps(result, indent=2))
    out = args.json or pb.ROOT / "bench" / "out" / f"load-{vendor}-{args.size}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
