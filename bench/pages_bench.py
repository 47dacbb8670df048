"""Benchmark factreg's pages, API, admin, CSV export and load under the production server.

Run: `make bench-pages SIZE=100000` (or `.venv/bin/python bench/pages_bench.py --size 100000`).
With DATABASE_URL set (a PostgreSQL database that is empty, or already holds a registry
this script made and `--reuse` is given) it uses that database; otherwise a temporary
SQLite file, or the file given with `--reuse PATH`, kept and reused on the next run.

1. Generate a registry of --size claims through factreg's models (bulk_create, fixed
   seed): 90 % published, 1-5 quotes a claim cut from the sources' texts, size/50
   sources of 20-40 KB built from the seed articles' vocabulary, 12 topics and 300
   entities with Zipf-like frequencies, size/5 links, event dates 1991-2025 at mixed
   precision; then the search text and (SQLite) the FTS5 index.
2. Count each page's SQL queries in-process (Django's test client).
3. Start gunicorn with gunicorn.conf.py on a free port of 127.0.0.1 and time each page
   (p50 and p95 of --requests warm requests over one keep-alive connection), the CSV
   export of every published claim (rows/s, first byte and row, the worker's peak RSS,
   against the raw-SQL floor of bench/export_bench.py) and the claim page under load.
4. Print a table with the goals and write it all as JSON (--json).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import http.client
import json
import math
import os
import random
import re
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20261130
GENERATOR_VERSION = 2  # raise when the generated registry changes, so --reuse regenerates
VOCABULARY_SIZE = 3000
TOPICS = [
    "Energy",
    "Security",
    "Diplomacy",
    "Trade",
    "Karabakh conflict",
    "Transport corridors",
    "Military cooperation",
    "Migration",
    "Media",
    "Sanctions",
    "Religion",
    "History",
]
N_ENTITIES = 300
ENTITY_KINDS = ["country", "person", "organisation", "company", "place", "agreement", "other"]
RELATIONS = ["contradicts", "supports", "qualifies", "updates", "duplicates"]
SYMMETRIC = {"contradicts", "duplicates"}  # stored once per unordered pair
RELATION_WEIGHTS = [30, 30, 15, 15, 10]
UNITS = ["percent", "USD", "troops", "bcm", "km", "tonnes"]
# Common English words the search would ignore (PostgreSQL drops them as stop words).
STOP_WORDS = {"about", "after", "again", "against", "because", "before", "being", "between"}
STOP_WORDS |= {"during", "further", "having", "itself", "should", "their", "there", "these"}
STOP_WORDS |= {"those", "through", "under", "which", "while", "would", "other", "where"}

MIB = 2**20
HTTPS = {"X-Forwarded-Proto": "https"}  # as the TLS-terminating proxy would say


def log(message: str) -> None:
    """Progress goes to stderr, the results to stdout."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the database -------------------------------------------------------------------------


def setup_django(database_url: str) -> None:
    """Configure the production settings (DEBUG off) for `database_url`."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    # testserver: the in-process client that counts queries.
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factreg.settings")
    import django

    django.setup()


def read_meta() -> dict | None:
    """What the generator recorded in this database, or None."""
    from django.db import connection

    with connection.cursor() as cursor:
        if "bench_meta" not in connection.introspection.table_names(cursor):
            return None
        cursor.execute("SELECT value FROM bench_meta WHERE name = %s", ["generation"])
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def write_meta(meta: dict) -> None:
    """Record how the registry was made, so that --reuse can check it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_meta (name varchar(100) PRIMARY KEY, value text)"
        )
        cursor.execute("DELETE FROM bench_meta WHERE name = %s", ["generation"])
        cursor.execute(
            "INSERT INTO bench_meta (name, value) VALUES (%s, %s)",
            ["generation", json.dumps(meta)],
        )


# --- generating a registry ----------------------------------------------------------------

WORD = re.compile(r"[^\W\d_]{2,}")


def vocabulary(size: int = VOCABULARY_SIZE) -> list[str]:
    """The seed articles' words, most frequent first, padded with made-up ones to `size`."""
    counts: Counter[str] = Counter()
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        counts.update(w.lower() for w in WORD.findall(path.read_text(encoding="utf-8")))
    words = [w for w, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    rng = random.Random(SEED)
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    known = set(words)
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in known:
            known.add(word)
            words.append(word)
    return words[:size]


class Writer:
    """Sentences of words drawn with Zipf-like frequencies (the k-th word ~ 1/k)."""

    def __init__(self, rng: random.Random, words: list[str]) -> None:
        self.rng = rng
        self.words = words
        self.cum = list(accumulate(1 / (rank + 1) for rank in range(len(words))))

    def draw(self, low: int, high: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cum, k=self.rng.randint(low, high))

    def sentence(self, low: int = 8, high: int = 30) -> str:
        words = self.draw(low, high)
        words[0] = words[0].capitalize()
        return " ".join(words) + "."

    def title(self) -> str:
        return " ".join(w.capitalize() for w in self.draw(3, 9))

    def text(self, target: int) -> tuple[str, list[tuple[int, int, int]]]:
        """Paragraphs of 3-7 sentences up to `target` characters; each sentence's span."""
        parts: list[str] = []
        spans: list[tuple[int, int, int]] = []  # start, end, paragraph
        at = paragraph = 0
        while at < target:
            if parts:
                parts.append("\n\n")
                at += 2
            paragraph += 1
            for i in range(self.rng.randint(3, 7)):
                if i:
                    parts.append(" ")
                    at += 1
                sentence = self.sentence()
                spans.append((at, at + len(sentence), paragraph))
                parts.append(sentence)
                at += len(sentence)
        return "".join(parts), spans


def zipf_pick(rng: random.Random, cum: list[float], k: int) -> list[int]:
    """`k` distinct indexes, the k-th index drawn with weight ~ 1/k."""
    chosen: set[int] = set()
    while len(chosen) < k:
        chosen.update(rng.choices(range(len(cum)), cum_weights=cum, k=k - len(chosen)))
    return sorted(chosen)


def random_date(rng: random.Random, first: int, last: int) -> tuple[dt.date | None, str]:
    """A date in [first, last] at a random precision (day/month/year/unknown)."""
    precision = rng.choices(["day", "month", "year", "unknown"], weights=[45, 25, 20, 10])[0]
    year = rng.randint(first, last)
    if precision == "unknown":
        return None, precision
    if precision == "year":
        return dt.date(year, 1, 1), precision
    if precision == "month":
        return dt.date(year, rng.randint(1, 12), 1), precision
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365)), precision


def generate(size: int) -> dict:
    """Fill the (empty, migrated) database with a registry of `size` claims."""
    from django.db import connection, transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from claims import services
    from claims.models import Attribution, Claim, ClaimLink, Entity, Quote, Source, Topic

    rng = random.Random(SEED)
    writer = Writer(rng, vocabulary())
    timings: dict[str, float] = {}
    started = time.perf_counter()
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        # A throw-away file: no need to survive a power cut while it is written.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=MEMORY")
            cursor.execute("PRAGMA synchronous=OFF")

    n_sources = max(1, size // 50)
    log(f"generating {n_sources:,} source texts (20-40 KB each)")
    texts = [writer.text(rng.randint(20_000, 40_000)) for _ in range(n_sources)]
    outlets = [f"{writer.title().split()[0]} {kind}" for kind in ["Times", "Review", "Post"] * 14]
    timings["texts_s"] = time.perf_counter() - started

    with transaction.atomic():
        sources = []
        for i, (text, _) in enumerate(texts):
            published, precision = random_date(rng, 1995, 2025)
            sources.append(
                Source(
                    title=writer.title(),
                    slug=f"source-{i + 1:05d}",
                    author="" if rng.random() < 0.2 else writer.title().rsplit(" ", 1)[-1],
                    outlet=rng.choice(outlets),
                    url=f"https://outlet{i % 40}.example/articles/{i + 1}",
                    kind=rng.choice(["analysis", "news", "academic", "op-ed"]),
                    published=published,
                    published_precision=precision,
                    text=text,
                    text_sha256=hashlib.sha256(text.encode()).hexdigest(),
                )
            )
        sources = Source.objects.bulk_create(sources, batch_size=100)

        topics = Topic.objects.bulk_create(
            Topic(name=name, slug=slugify(name), description=f"Claims about {name.lower()}.")
            for name in TOPICS
        )
        ascii_words = [w for w in writer.words if w.isascii() and len(w) >= 4]
        entities, names = [], set()
        while len(entities) < N_ENTITIES:
            name = " ".join(rng.choice(ascii_words[:800]).capitalize() for _ in range(2))
            if name in names:
                continue
            names.add(name)
            kind = ENTITY_KINDS[len(entities) % len(ENTITY_KINDS)]
            entities.append(
                Entity(name=name, slug=f"{slugify(name)}-{len(entities) + 1}", kind=kind)
            )
        entities = Entity.objects.bulk_create(entities)
        log(f"sources, {len(topics)} topics and {len(entities)} entities stored")

        now = timezone.now()
        claims = []
        for _ in range(size):
            status = (
                "published" if rng.random() < 0.9 else rng.choice(["draft", "review", "retracted"])
            )
            event_date, precision = random_date(rng, 1991, 2025)
            has_value = rng.random() < 0.2
            claims.append(
                Claim(
                    statement=writer.sentence(10, 25),
                    status=status,
                    event_date=event_date,
                    event_date_precision=precision,
                    value=Decimal(rng.randint(1, 10**7)) / 100 if has_value else None,
                    unit=rng.choice(UNITS) if has_value else "",
                    retraction_reason="Shown wrong by a later source."
                    if status == "retracted"
                    else "",
                    retracted_at=now if status == "retracted" else None,
                )
            )
        claims = Claim.objects.bulk_create(claims, batch_size=2000)
        log(f"{len(claims):,} claims stored")

        topic_cum = list(accumulate(1 / (k + 1) for k in range(len(topics))))
        entity_cum = list(accumulate(1 / (k + 1) for k in range(len(entities))))
        Topic.claims.through.objects.bulk_create(
            (
                Topic.claims.through(claim_id=claim.pk, topic_id=topics[k].pk)
                for claim in claims
                for k in zipf_pick(rng, topic_cum, rng.randint(1, 3))
            ),
            batch_size=5000,
        )
        Entity.claims.through.objects.bulk_create(
            (
                Entity.claims.through(claim_id=claim.pk, entity_id=entities[k].pk)
                for claim in claims
                for k in zipf_pick(rng, entity_cum, rng.randint(0, 4))
            ),
            batch_size=5000,
        )
        # Claimants: two claims in three name who asserts them (Zipf over the entities,
        # so a few analysts and governments are named on thousands of claims).
        roles = ["stated", "stated", "stated", "reported", "estimated", "forecast"]
        Attribution.objects.bulk_create(
            (
                Attribution(claim_id=claim.pk, entity_id=entities[k].pk, role=rng.choice(roles))
                for claim in claims
                if rng.random() < 0.67
                for k in zipf_pick(rng, entity_cum, rng.choice([1, 1, 1, 2]))
            ),
            batch_size=5000,
        )
        log("topics, entities and claimants tagged")

        quotes = []
        for claim in claims:
            primary = rng.randrange(n_sources)
            spans: set[tuple[int, int, int]] = set()
            for _ in range(rng.randint(1, 5)):  # three on average
                s = primary if rng.random() < 0.6 else rng.randrange(n_sources)
                text, sentences = texts[s]
                i = rng.randrange(len(sentences))
                start, end, paragraph = sentences[i]
                # Now and then two sentences of one paragraph.
                if (
                    rng.random() < 0.2
                    and i + 1 < len(sentences)
                    and sentences[i + 1][2] == paragraph
                ):
                    end = sentences[i + 1][1]
                if (s, start, end) in spans:
                    continue
                spans.add((s, start, end))
                quotes.append(
                    Quote(
                        claim=claim,
                        source=sources[s],
                        exact=text[start:end],
                        start=start,
                        end=end,
                        prefix=text[max(0, start - 32) : start],
                        suffix=text[end : end + 32],
                        locator=paragraph,
                    )
                )
        Quote.objects.bulk_create(quotes, batch_size=2000)
        log(f"{len(quotes):,} quotes stored")

        links: list[ClaimLink] = []
        seen: set[tuple[int, int, str]] = set()
        while len(links) < size // 5 and size > 1:
            a, b = rng.randrange(size), rng.randrange(size)
            relation = rng.choices(RELATIONS, weights=RELATION_WEIGHTS)[0]
            key = (min(a, b), max(a, b), relation) if relation in SYMMETRIC else (a, b, relation)
            if a == b or key in seen:
                continue
            seen.add(key)
            links.append(
                ClaimLink(
                    from_claim=claims[a],
                    to_claim=claims[b],
                    relation=relation,
                    rationale=writer.sentence(6, 16),
                )
            )
        ClaimLink.objects.bulk_create(links, batch_size=2000)
        log(f"{len(links):,} links stored")
    timings["insert_s"] = time.perf_counter() - started - timings["texts_s"]

    mark = time.perf_counter()
    with transaction.atomic():
        Claim.objects.refresh_search_text()
    timings["search_text_s"] = time.perf_counter() - mark
    log(f"search text refreshed in {timings['search_text_s']:.1f} s")
    mark = time.perf_counter()
    # Version 1 of every public claim, as the migration gives an existing registry.
    made = services.backfill_versions()
    timings["versions_s"] = time.perf_counter() - mark
    log(f"{made:,} claim versions made in {timings['versions_s']:.1f} s")
    if sqlite:
        timings["fts_s"] = ensure_fts()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=DELETE")
            cursor.execute("PRAGMA synchronous=FULL")
    elif connection.vendor == "postgresql":
        # Autovacuum would vacuum and analyse the new rows soon after a real bulk
        # load; doing it here keeps its work out of the measurements (and sets the
        # visibility map that index-only scans of a page's keys rely on).
        mark = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        timings["analyze_s"] = time.perf_counter() - mark
    timings["total_s"] = time.perf_counter() - started
    return {
        "generator_version": GENERATOR_VERSION,
        "seed": SEED,
        "size": size,
        "counts": {
            "claims": len(claims),
            "published": sum(c.status == "published" for c in claims),
            "quotes": len(quotes),
            "sources": len(sources),
            "source_text_mb": sum(len(t) for t, _ in texts) / 1e6,
            "topics": len(topics),
            "entities": len(entities),
            "links": len(links),
        },
        "timings": timings,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def ensure_fts() -> float:
    """Check that the FTS5 index holds every claim (the triggers keep it); rebuild if not."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM claims_claim")
        claims = cursor.fetchone()[0]
        # One docsize row per indexed row: counts the index itself, not its content table.
        cursor.execute("SELECT count(*) FROM claims_claim_fts_docsize")
        indexed = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM sqlite_master "
            "WHERE type = 'trigger' AND name LIKE 'claims_claim_fts_%'"
        )
        triggers = cursor.fetchone()[0]
        if indexed != claims or triggers != 3:
            log(f"FTS5 index holds {indexed:,} of {claims:,} claims; rebuilding it")
            cursor.execute("INSERT INTO claims_claim_fts(claims_claim_fts) VALUES ('rebuild')")
    elapsed = time.perf_counter() - started
    log(f"FTS5 index checked ({claims:,} claims, {triggers} triggers) in {elapsed:.1f} s")
    return elapsed


def prepare(args: argparse.Namespace, database_url: str) -> dict:
    """Migrate, then generate a registry or reuse the one already there."""
    from django.core.management import call_command

    from claims.models import Claim

    log("migrating")
    call_command("migrate", verbosity=0)
    meta = read_meta()
    wanted = {"generator_version": GENERATOR_VERSION, "seed": SEED, "size": args.size}
    same = bool(meta) and {k: meta.get(k) for k in wanted} == wanted
    if same and args.reuse is not None:
        log(f"reusing the registry of {args.size:,} claims (generated {meta['generated_at']})")
        return {**meta, "reused": True}
    existing = Claim.objects.count()
    if existing:
        # Never overwrite a database: it might be someone's registry.
        what = (
            "this script made for this size: add --reuse to measure them again"
            if same
            else "this script did not make for this size: give an empty database"
        )
        raise SystemExit(f"pages_bench: the database holds {existing:,} claims {what}.")
    log(f"generating a registry of {args.size:,} claims")
    meta = generate(args.size)
    write_meta(meta)
    log(f"generated in {meta['timings']['total_s']:.1f} s")
    return {**meta, "reused": False}


# --- what to request ----------------------------------------------------------------------

# (group, time goal in ms, size goal in KB); times are judged on the warm median (p50).
LIST = ("list page with facets", 70, 100)
SEARCH = ("search", 55, 100)
PLAIN_LIST = ("list page", None, 100)
CLAIM = ("claim page", 5, None)
ADMIN = ("admin changelist", 300, None)
NONE = ("", None, None)


def two_common_words() -> str:
    """Two words of the generated text that many claims share (not stop words)."""
    words = [w for w in vocabulary()[20:] if w.isascii() and len(w) >= 6 and w not in STOP_WORDS]
    return " ".join(words[:2])


def choose_pages() -> list[tuple[str, str, tuple]]:
    """The URLs to measure: (label, path, goal)."""
    from urllib.parse import urlencode

    from django.db.models import Count, Q

    from claims.filters import DEFAULT_PAGE_SIZE
    from claims.models import Claim, ClaimLink, Entity, Quote, Source, Topic

    published = Q(claims__status="published")
    topic = Topic.objects.annotate(n=Count("claims", filter=published)).order_by("-n", "pk")[0]
    entity = Entity.objects.annotate(n=Count("claims", filter=published)).order_by("-n", "pk")[0]
    asserted = Q(claims_asserted__status="published")
    claimant = (
        Entity.objects.annotate(n=Count("claims_asserted", filter=asserted))
        .order_by("-n", "pk")
        .first()
    )
    last_page = max(
        1, math.ceil(Claim.objects.filter(status="published").count() / DEFAULT_PAGE_SIZE)
    )
    # A published claim with links to published claims and the most quotes.
    linked = ClaimLink.objects.filter(from_claim__status="published", to_claim__status="published")
    claim = (
        Claim.objects.filter(pk__in=list(linked.values_list("from_claim", flat=True)[:2000]))
        .annotate(n=Count("quotes"))
        .order_by("-n", "pk")[0]
    )
    # The most quoted public source: the heaviest reading view.
    source_id = (
        Quote.objects.filter(claim__status="published")
        .values("source")
        .annotate(n=Count("pk"))
        .order_by("-n", "source")[0]["source"]
    )
    source = Source.objects.only("slug").get(pk=source_id)
    q = urlencode({"q": two_common_words()})
    return [
        ("overview", "/", LIST),
        ("claim list", "/claims/", LIST),
        ("claim list, topic", f"/claims/?topic={topic.slug}", LIST),
        *(
            [("claim list, claimant", f"/claims/?claimant={claimant.slug}", LIST)]
            if claimant  # a registry generated before claimants has none
            else []
        ),
        ("claim list, search", f"/claims/?{q}", SEARCH),
        ("claim list, last page", f"/claims/?page={last_page}", LIST),
        ("claim page", f"/claims/{claim.pk}/", CLAIM),
        ("claim version page", f"/claims/{claim.pk}/v/1/", CLAIM),
        ("source list", "/sources/", PLAIN_LIST),
        ("source page", f"/sources/{source.slug}/", NONE),
        ("contradictions", "/contradictions/", PLAIN_LIST),
        ("timeline", "/timeline/", NONE),
        ("topic page", f"/topics/{topic.slug}/", LIST),
        ("entity page", f"/entities/{entity.slug}/", LIST),
        ("API claim list", "/api/claims/", NONE),
        ("API search", f"/api/claims/?{q}", SEARCH),
        ("API claim", f"/api/claims/{claim.pk}/", NONE),
        ("API source", f"/api/sources/{source.slug}/", NONE),
        ("RIS export, topic", f"/sources/export.ris?topic={topic.slug}", NONE),
        ("admin claims", "/admin/claims/claim/", ADMIN),
        ("admin sources", "/admin/claims/source/", ADMIN),
        ("admin quotes", "/admin/claims/quote/", ADMIN),
    ]


def admin_session() -> str:
    """A superuser's session, made directly in the session store: its cookie header."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    user.set_unusable_password()
    user.save()
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def count_queries(pages: list[tuple[str, str, tuple]], cookie: str) -> dict[str, dict]:
    """Each page's SQL queries, status and size, from a warm in-process request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.cookies.load(cookie)
    # Fill the per-process caches (content types, the URLconf) a warm worker has; one
    # request each is enough, and some pages take many seconds at 100,000 claims.
    for path in ["/", "/admin/"]:
        client.get(path, secure=True)
    counted = {}
    for label, path, _ in pages:
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, secure=True)
            body = b"".join(response.streaming_content) if response.streaming else response.content
        counted[path] = {
            "queries": len(queries),
            "status": response.status_code,
            "bytes": len(body),
            "seconds": time.perf_counter() - started,
        }
        log(f"  {label}: {response.status_code}, {len(queries)} queries")
    return counted


# --- the server ---------------------------------------------------------------------------


class Server:
    """gunicorn with gunicorn.conf.py on a free port of 127.0.0.1, as a subprocess."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int, extra: list[str]):
        self.env = env
        self.log_path = log_path
        self.worker_count = workers
        self.extra = extra  # overrides of gunicorn.conf.py
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.idle_rss_mib: list[float] = []

    def __enter__(self) -> Server:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{self.port}",
            *self.extra,
            "factreg.wsgi",
        ]
        self.log_file = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                connection.request("GET", "/api/ready", headers=HTTPS)
                connection.getresponse().read()
                connection.close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    tail = self.log_path.read_text(errors="replace")[-2000:]
                    raise SystemExit(f"pages_bench: gunicorn did not start:\n{tail}") from None
                time.sleep(0.2)
        # Both workers have booted once each has its own pid.
        while len(self.workers()) < self.worker_count and time.monotonic() < deadline:
            time.sleep(0.2)
        self.idle_rss_mib = [(proc_status(pid, "VmRSS") or 0) / MIB for pid in self.workers()]
        log(f"gunicorn up on 127.0.0.1:{self.port}, workers {self.workers()}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()

    def workers(self) -> list[int]:
        """The worker processes' ids (children of the gunicorn master)."""
        assert self.proc
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []


def die_with_parent() -> None:
    """In the server's process: stop (SIGTERM) when the benchmark dies, however it dies."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux)


def proc_status(pid: int, field: str) -> int | None:
    """A /proc/<pid>/status memory field (VmRSS, VmHWM) in bytes, or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def get(connection: http.client.HTTPConnection, path: str, headers: dict) -> tuple[int, int]:
    """One GET over a kept-alive connection: status and body size."""
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    return response.status, len(body)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p95 of 20 values is the 19th)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def time_page(
    port: int, path: str, headers: dict, args: argparse.Namespace, guess_s: float
) -> dict:
    """p50 and p95 of warm requests; fewer when a page is slow (`guess_s`: one request).

    Each page gets about --page-budget seconds, so that a page taking half a minute
    cannot stretch the run by many minutes: it is then timed once, without warm-up.
    """
    budget = args.page_budget
    warmups = 0 if guess_s > budget else args.warmup
    minimum = 1 if guess_s > budget / 3 else 3
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    status = size = 0
    started = time.perf_counter()
    for _ in range(warmups):
        status, size = get(connection, path, headers)
        if time.perf_counter() - started > budget / 4:
            break
    seconds: list[float] = []
    started = time.perf_counter()
    while len(seconds) < args.requests:
        mark = time.perf_counter()
        status, size = get(connection, path, headers)
        seconds.append(time.perf_counter() - mark)
        if time.perf_counter() - started > budget and len(seconds) >= minimum:
            break
    connection.close()
    return {
        "status": status,
        "bytes": size,
        "n": len(seconds),
        "p50_ms": percentile(seconds, 0.5) * 1000,
        "p95_ms": percentile(seconds, 0.95) * 1000,
    }


class RssSampler(threading.Thread):
    """The largest VmRSS seen in any of `pids`, sampled every 10 ms."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.01):
            for pid in self.pids:
                self.peak = max(self.peak, proc_status(pid, "VmRSS") or 0)


class PgBackends:
    """The PostgreSQL server processes serving connections to the benchmark's database."""

    def __init__(self, database_url: str) -> None:
        import psycopg

        self.connection = psycopg.connect(database_url, autocommit=True)

    def pids(self) -> list[int]:
        rows = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        )
        return [pid for (pid,) in rows]

    def close(self) -> None:
        self.connection.close()


class CpuMeter:
    """How many cores processes other than this benchmark and its server kept busy.

    The machine may be shared: its busy time (/proc/stat) less ours, the server's and
    (PostgreSQL) the database processes serving the benchmark's database. A database
    connection that closes in between takes its time with it, so on PostgreSQL the
    figure can be a little high.
    """

    def __init__(self, server: Server, backends: PgBackends | None = None) -> None:
        self.server = server
        self.backends = backends
        self.started = time.perf_counter()
        self.busy, self.ours = self.busy_seconds(), self.our_seconds()

    @staticmethod
    def busy_seconds() -> float:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle, iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    def our_seconds(self) -> dict[int, float]:
        """CPU seconds so far of each of our processes, by pid."""
        assert self.server.proc
        database = self.backends.pids() if self.backends else []
        seconds = {}
        for pid in [os.getpid(), self.server.proc.pid, *self.server.workers(), *database]:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seconds[pid] = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
        return seconds

    def other_cores(self) -> float:
        wall = time.perf_counter() - self.started
        now = self.our_seconds()
        # A process gone since the start (a closed database connection) adds nothing;
        # one that appeared since counts whole.
        ours = sum(now.get(pid, before) - before for pid, before in self.ours.items())
        ours += sum(spent for pid, spent in now.items() if pid not in self.ours)
        return max(0.0, ((self.busy_seconds() - self.busy) - ours) / wall)


def export_csv(server: Server, headers: dict) -> dict:
    """Stream /claims/export.csv through gunicorn: rows/s, first byte and row, worker RSS."""
    pids = server.workers()
    before = {pid: proc_status(pid, "VmRSS") or 0 for pid in pids}
    # Writing 5 to clear_refs resets VmHWM (the peak RSS) to the current RSS, so the
    # peak read afterwards belongs to this export, not to the pages timed before.
    reset = True
    for pid in pids:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            reset = False
    sampler = RssSampler(pids)
    sampler.start()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
    started = time.perf_counter()
    connection.request("GET", "/claims/export.csv", headers=headers)
    response = connection.getresponse()
    first_byte = first_row = None
    lines = size = 0
    last = b""
    while chunk := response.read1(1 << 16):
        now = time.perf_counter() - started
        first_byte = first_byte if first_byte is not None else now
        # Rows end with CRLF; cells hold none (no line breaks in generated text).
        lines += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
        last = chunk[-1:]
        size += len(chunk)
        if first_row is None and lines >= 2:
            first_row = now
    elapsed = time.perf_counter() - started
    connection.close()
    sampler.stop.set()
    sampler.join()
    peaks = {pid: proc_status(pid, "VmHWM") or 0 for pid in pids}
    rows = lines - 1
    return {
        "status": response.status,
        "rows": rows,
        "bytes": size,
        "seconds": elapsed,
        "rows_per_s": rows / elapsed,
        "first_byte_ms": (first_byte or 0) * 1000,
        "first_row_ms": (first_row or 0) * 1000,
        "rss_before_mib": max(before.values(), default=0) / MIB,
        "peak_rss_mib": (max(peaks.values()) if reset else sampler.peak) / MIB,
        "peak_rss_sampled_mib": sampler.peak / MIB,
        "peak_rss_source": "VmHWM after clear_refs" if reset else "VmRSS sampled every 10 ms",
    }


# export_bench.py's floor query for PostgreSQL. Its correlated subqueries run once a
# row in the server there (19,000 rows/s at 10,000 claims), so the topics, entities and
# links are aggregated once and joined (66,000 rows/s): the same columns, rows and order.
FLOOR_SQL_POSTGRES = """
WITH topics AS (
  SELECT ct.claim_id, string_agg(t.name, '; ' ORDER BY t.name) AS names
  FROM claims_claim_topics ct JOIN claims_topic t ON t.id = ct.topic_id GROUP BY ct.claim_id),
entities AS (
  SELECT ce.claim_id, string_agg(e.name, '; ' ORDER BY e.name) AS names
  FROM claims_claim_entities ce JOIN claims_entity e ON e.id = ce.entity_id GROUP BY ce.claim_id),
contradicting AS (
  SELECT claim, string_agg(other::text, '; ' ORDER BY other) AS ids FROM (
    SELECT from_claim_id AS claim, to_claim_id AS other FROM claims_claimlink
      WHERE relation = 'contradicts'
    UNION SELECT to_claim_id, from_claim_id FROM claims_claimlink
      WHERE relation = 'contradicts') AS pairs
  GROUP BY claim),
supporting AS (
  SELECT to_claim_id AS claim, string_agg(from_claim_id::text, '; ') AS ids
  FROM claims_claimlink WHERE relation = 'supports' GROUP BY to_claim_id)
SELECT q.claim_id, c.statement, c.status, c.event_date, c.event_date_precision, c.value, c.unit,
  topics.names, entities.names, q.exact, q.start, q."end", q.locator, s.title, s.author,
  s.outlet, s.published, s.published_precision, s.url, s.slug, contradicting.ids, supporting.ids
FROM claims_quote q
  JOIN claims_claim c ON c.id = q.claim_id
  JOIN claims_source s ON s.id = q.source_id
  LEFT JOIN topics ON topics.claim_id = c.id
  LEFT JOIN entities ON entities.claim_id = c.id
  LEFT JOIN contradicting ON contradicting.claim = c.id
  LEFT JOIN supporting ON supporting.claim = c.id
WHERE c.status = 'published'
ORDER BY c.event_date DESC NULLS LAST, q.claim_id DESC, s.title, q.start, q.id
"""


def floor_postgres(database_url: str) -> dict:
    """bench/export_bench.py's floor on PostgreSQL: one query through csv.writer."""
    import psycopg
    from export_bench import Sink

    started = time.perf_counter()
    sink = Sink()
    writer = csv.writer(sink, lineterminator="\r\n")
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    rows = 0
    first_row = None
    with psycopg.connect(database_url) as connection, connection.cursor(name="floor") as cursor:
        cursor.execute(FLOOR_SQL_POSTGRES)
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
    return {
        "rows": rows,
        "seconds": elapsed,
        "rows_per_s": rows / elapsed,
        "first_row_s": first_row,
        "bytes": sink.bytes,
    }


def floor(database_url: str, vendor: str) -> dict:
    """The raw-SQL floor for the export of every published claim."""
    if vendor == "sqlite":
        from export_bench import floor_once

        return floor_once(Path(database_url.removeprefix("sqlite:///")))
    return floor_postgres(database_url)


def load(port: int, path: str, clients: int, seconds: float) -> dict:
    """`clients` keep-alive clients requesting `path` for `seconds`: requests/s and p95."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    deadline = time.perf_counter() + seconds

    def client(n: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < deadline:
            mark = time.perf_counter()
            try:
                status, _ = get(connection, path, HTTPS)
            except (OSError, http.client.HTTPException):
                errors[n] += 1
                connection.close()
                continue
            latencies[n].append(time.perf_counter() - mark)
            errors[n] += status != 200
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.perf_counter() - started
    every = [s for per_client in latencies for s in per_client]
    return {
        "path": path,
        "clients": clients,
        "seconds": elapsed,
        "requests": len(every),
        "errors": sum(errors),
        "requests_per_s": len(every) / elapsed,
        "p50_ms": percentile(every, 0.5) * 1000 if every else None,
        "p95_ms": percentile(every, 0.95) * 1000 if every else None,
    }


# --- the report ---------------------------------------------------------------------------


def judge(row: dict) -> str:
    """Whether a page meets its goals: yes, NO, or blank without one."""
    _, ms, kb = row["goal"]
    checks = []
    if ms is not None:
        checks.append(row["p50_ms"] <= ms)
    if kb is not None:
        checks.append(row["bytes"] <= kb * 1000)
    checks.append(row["status"] == 200)
    return "" if len(checks) == 1 and checks[0] else ("yes" if all(checks) else "NO")


def goal_text(goal: tuple) -> str:
    _, ms, kb = goal
    parts = [f"≤{ms} ms" if ms is not None else "", f"≤{kb} KB" if kb is not None else ""]
    return ", ".join(p for p in parts if p) or "—"


def report(result: dict, markdown: bool = False) -> str:
    """The table (and the export and load lines) as text; the table in Markdown if asked."""
    meta = result["generation"]
    counts = meta["counts"]
    made = (
        f"reused (generated earlier in {meta['timings']['total_s']:.0f} s)"
        if meta["reused"]
        else f"generated in {meta['timings']['total_s']:.0f} s"
    )
    lines = [
        f"factreg pages, {result['database']} with {counts['claims']:,} claims "
        f"({counts['published']:,} published), {counts['quotes']:,} quotes, "
        f"{counts['sources']:,} sources, {counts['links']:,} links: {made}",
        f"gunicorn: {result['server']['workers']} workers x {result['server']['threads']} "
        f"threads; warm p50/p95 of up to {result['requests']} requests after "
        f"{result['warmup']} warm-ups; queries counted in-process; KB = 1000 bytes",
        f"machine: {result['cpus']} cores; other processes kept "
        f"{result['other_cores_busy']:.2f} cores busy while the server was measured "
        "(column `other`: during each page)",
        "",
    ]
    if markdown:
        lines += [
            "| page | status | p50 ms | p95 ms | n | queries | KB | other | goal | met |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        lines += [
            f"| `{row['path']}` | {row['status']} | {row['p50_ms']:,.1f} | {row['p95_ms']:,.1f} "
            f"| {row['n']} | {row['queries']} | {row['bytes'] / 1000:,.1f} "
            f"| {row['other_cores']:.2f} | {goal_text(row['goal'])} | {row['met']} |"
            for row in result["pages"]
        ]
    else:
        lines.append(
            f"{'page':<46} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} {'n':>3} {'queries':>7} "
            f"{'KB':>8} {'other':>5}  {'goal':<16} met"
        )
        lines += [
            f"{row['path'][:46]:<46} {row['status']:>6} {row['p50_ms']:>8.1f} "
            f"{row['p95_ms']:>8.1f} {row['n']:>3} {row['queries']:>7} "
            f"{row['bytes'] / 1000:>8.1f} {row['other_cores']:>5.2f}  "
            f"{goal_text(row['goal']):<16} {row['met']}"
            for row in result["pages"]
        ]
    e, f = result["csv"], result["csv_floor"]
    booted = max(result["server"]["worker_rss_mib_booted"], default=0)
    csv_goals = [
        ("≥50,000 rows/s", e["rows_per_s"] >= 50_000),
        ("RSS ≤60 MiB", e["peak_rss_mib"] <= 60),
        ("first row ≤200 ms", e["first_row_ms"] <= 200),
    ]
    lines += [
        "",
        f"CSV /claims/export.csv (every published claim): {e['rows']:,} rows, "
        f"{e['bytes'] / 1e6:.1f} MB in {e['seconds']:.2f} s = {e['rows_per_s']:,.0f} rows/s; "
        f"first byte {e['first_byte_ms']:.0f} ms, first row {e['first_row_ms']:.0f} ms; "
        f"worker peak RSS {e['peak_rss_mib']:.1f} MiB (before the export "
        f"{e['rss_before_mib']:.1f} MiB; a worker just booted {booted:.1f} MiB); other processes "
        f"{e['other_cores']:.2f} cores",
        f"  raw-SQL floor {f['rows_per_s']:,.0f} rows/s ({f['rows']:,} rows in "
        f"{f['seconds']:.2f} s): export/floor {e['rows_per_s'] / f['rows_per_s']:.0%}",
        "  goals: " + ", ".join(f"{goal} {'met' if ok else 'NOT met'}" for goal, ok in csv_goals),
    ]
    w = result["load"]
    load_met = w["requests_per_s"] >= 300 and (w["p95_ms"] or 1e9) <= 100 and not w["errors"]
    lines += [
        "",
        f"load {w['path']}: {w['clients']} keep-alive clients for {w['seconds']:.0f} s: "
        f"{w['requests_per_s']:,.0f} req/s, p50 {w['p50_ms']:.1f} ms, p95 {w['p95_ms']:.1f} ms, "
        f"{w['errors']} errors (other processes: {w['other_cores']:.2f} cores)",
        f"  goal ≥300 req/s with p95 ≤100 ms: {'met' if load_met else 'NOT met'}",
    ]
    return "\n".join(lines)


def git_commit() -> str:
    """The commit measured (with + when the tree has changes)."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return head + ("+" if dirty else "")


def bench_database(size: int, reuse: str | None, name: str) -> tuple[str, str, str | None]:
    """(database URL, vendor, temporary folder to remove): PostgreSQL from DATABASE_URL,
    else SQLite in the --reuse file or in a temporary folder."""
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url:
        if not database_url.startswith(("postgres://", "postgresql://")):
            raise SystemExit(f"{name}: DATABASE_URL must be a PostgreSQL URL (or unset).")
        return database_url, "postgresql", None
    if reuse == "":
        raise SystemExit(f"{name}: on SQLite, --reuse needs the file's PATH.")
    tmp = None
    if reuse:
        db_path = Path(reuse).resolve()
        db_path.parent.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.mkdtemp(prefix=f"factreg-{name}-")
        db_path = Path(tmp) / f"{name}-{size}.sqlite3"
    return f"sqlite:///{db_path}", "sqlite", tmp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="claims (default 100000)")
    parser.add_argument(
        "--reuse",
        nargs="?",
        const="",
        metavar="PATH",
        help="SQLite: keep the generated file at PATH and reuse it when it matches; "
        "PostgreSQL (DATABASE_URL): reuse the registry the database holds",
    )
    parser.add_argument("--json", type=Path, help="default bench/out/pages-<db>-<size>.json")
    parser.add_argument("--requests", type=int, default=20, help="timed requests a page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument(
        "--page-budget", type=float, default=20.0, help="seconds of timed requests a page at most"
    )
    parser.add_argument("--clients", type=int, default=20, help="load: keep-alive clients")
    parser.add_argument("--load-seconds", type=float, default=10.0, help="load: duration")
    parser.add_argument("--workers", type=int, help="override gunicorn.conf.py")
    parser.add_argument("--threads", type=int, help="override gunicorn.conf.py")
    parser.add_argument("--show", type=Path, metavar="JSON", help="print a saved run and stop")
    parser.add_argument("--markdown", action="store_true", help="the table in Markdown")
    args = parser.parse_args()
    if args.show:
        print(report(json.loads(args.show.read_text()), markdown=args.markdown))
        return
    # Unwind on SIGTERM as on Ctrl-C: the server is stopped and the temporary files go.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    database_url, vendor, tmp = bench_database(args.size, args.reuse, "pages")
    sys.path.insert(0, str(ROOT / "bench"))  # export_bench's floor
    setup_django(database_url)
    try:
        result = run(args, database_url, vendor)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    print(report(result, markdown=args.markdown))
    out = args.json or ROOT / "bench" / "out" / f"pages-{vendor}-{args.size}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    log(f"wrote {out}")


def run(args: argparse.Namespace, database_url: str, vendor: str) -> dict[str, Any]:
    """Generate (or reuse), count, serve, time: everything the report needs."""
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    generation = prepare(args, database_url)
    log("collecting static files (DEBUG off needs the manifest)")
    call_command("collectstatic", interactive=False, verbosity=0)
    pages = choose_pages()
    cookie = admin_session()
    log("counting queries in-process")
    counted = count_queries(pages, cookie)
    connection.close()  # the workers are the only readers from here on

    # The server's settings, read the way gunicorn reads them (the environment is set).
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    workers, threads = args.workers or conf["workers"], args.threads or conf["threads"]
    extra = [*(["--workers", str(workers)] if args.workers else [])]
    extra += ["--threads", str(threads)] if args.threads else []
    env = {**os.environ, "DATABASE_URL": database_url}
    claim_path = next(path for label, path, _ in pages if label == "claim page")
    backends = PgBackends(database_url) if vendor == "postgresql" else None
    with tempfile.TemporaryDirectory(prefix="factreg-gunicorn-") as tmp:
        server = Server(env, Path(tmp) / "gunicorn.log", workers, extra)
        with server:
            machine = CpuMeter(server, backends)
            # The export first, while the workers are fresh: a worker's RSS only grows,
            # so after the heavier pages it would say more about them than the export.
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            for _ in range(3):
                get(connection, claim_path, HTTPS)
            connection.close()
            log("CSV export of every published claim through gunicorn")
            meter = CpuMeter(server, backends)
            export = export_csv(server, HTTPS)
            export["other_cores"] = meter.other_cores()
            log(f"  {export['rows']:,} rows in {export['seconds']:.1f} s")
            rows = []
            for label, path, goal in pages:
                headers = {**HTTPS, "Cookie": cookie} if path.startswith("/admin/") else HTTPS
                meter = CpuMeter(server, backends)
                timed = time_page(server.port, path, headers, args, counted[path]["seconds"])
                row = {"label": label, "path": path, "goal": goal, **timed}
                row["other_cores"] = meter.other_cores()
                row["queries"] = counted[path]["queries"]
                row["met"] = judge(row)
                rows.append(row)
                log(
                    f"  {path}: {timed['status']}, p50 {timed['p50_ms']:.1f} ms, "
                    f"p95 {timed['p95_ms']:.1f} ms ({timed['n']} requests)"
                )
            log(f"load: {args.clients} clients on {claim_path} for {args.load_seconds:.0f} s")
            during_load = CpuMeter(server, backends)
            load_result = load(server.port, claim_path, args.clients, args.load_seconds)
            load_result["other_cores"] = during_load.other_cores()
            worker_rss = [(proc_status(pid, "VmRSS") or 0) / MIB for pid in server.workers()]
            other_cores = machine.other_cores()
            access_lines = server.log_path.read_bytes().count(b"\n")
    if backends:
        backends.close()
    # The floor after the server has gone, so that nothing else competes with it.
    log("raw-SQL floor of the same export (best of two)")
    floors = [floor(database_url, vendor) for _ in range(2)]
    floor_result = min(floors, key=lambda r: r["seconds"])
    if other_cores > 0.2:
        log(
            f"note: other processes kept {other_cores:.2f} of {os.cpu_count()} cores busy "
            "while the server was measured: the figures are pessimistic"
        )
    return {
        "database": vendor,
        "size": args.size,
        "commit": git_commit(),
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "requests": args.requests,
        "warmup": args.warmup,
        "server": {
            "workers": workers,
            "threads": threads,
            "timeout": conf["timeout"],
            "graceful_timeout": conf["graceful_timeout"],
            "log_lines": access_lines,
            "worker_rss_mib_booted": server.idle_rss_mib,
            "worker_rss_mib_at_end": worker_rss,
        },
        "other_cores_busy": other_cores,
        "generation": generation,
        "pages": rows,
        "csv": export,
        "csv_floor": floor_result,
        "load": load_result,
        "total_s": time.perf_counter() - started,
    }


if __name__ == "__main__":
    main()
