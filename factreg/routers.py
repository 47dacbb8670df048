"""Read traffic to PostgreSQL read replicas (DATABASE_REPLICA_URLS), writes to the primary.

Which database a read goes to is decided per request and kept in a context
variable, so it is right under gunicorn's threaded workers: each thread (and
each asyncio task) sees its own value.

The default is the primary. Only PrimaryPinningMiddleware moves reads to a
replica, and only for a public GET or HEAD from a client that has not written in
the last REPLICA_PIN_SECONDS. Everything else reads what it wrote: writes and
their requests, the admin, transactions, management commands (import_seeds,
load_fixtures, ...), the shell, and anything else that runs outside a request.
A wrong "primary" costs the primary some load; a wrong "replica" would show an
editor a page without their change, or act on a stale row.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

PRIMARY = "default"
# Only these may read from a replica; every other method reads the primary.
REPLICA_METHODS = frozenset({"GET", "HEAD"})
# RFC 9110's safe methods write nothing; after any other the client is pinned.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Must match the admin's prefix in factreg/urls.py (tests/test_replicas.py checks it).
ADMIN_PREFIX = "/admin/"
PIN_COOKIE = "factreg_primary"
# Who is logged in is always read from the primary: a session row that has not
# reached a replica yet looks like no session, and Django then deletes the
# session cookie, logging the editor out.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth"})

_reads_from: ContextVar[str] = ContextVar("factreg_reads_from", default=PRIMARY)


def replica_aliases() -> list[str]:
    """The configured replica aliases (replica1, replica2, ...), none without replicas."""
    return [alias for alias in settings.DATABASES if alias != PRIMARY]


@contextmanager
def reading_from(alias: str) -> Iterator[None]:
    """Route this thread's (or task's) reads to `alias` for the duration of the block."""
    token = _reads_from.set(alias)
    try:
        yield
    finally:
        _reads_from.reset(token)


class PrimaryReplicaRouter:
    """Reads go where the current request was sent (see module doc); writes to the primary."""

    def __init__(self, replicas: Sequence[str] | None = None) -> None:
        self.replicas = list(replica_aliases() if replicas is None else replicas)
        self.known = {PRIMARY, *self.replicas}

    def db_for_read(self, model: type[Model], **hints) -> str:
        """The request's replica, unless it reads its own writes or who is logged in."""
        alias = _reads_from.get()
        if alias not in self.replicas or model._meta.app_label in PRIMARY_ONLY_APPS:
            return PRIMARY
        # Django does not send reads inside transaction.atomic() to the database of
        # the transaction; they must see its own uncommitted writes.
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return alias

    def db_for_write(self, model: type[Model], **hints) -> str:
        """Always the primary: replicas are read-only."""
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints) -> bool | None:
        """Replicas hold the primary's rows, so objects from any of them may be related."""
        if obj1._state.db in self.known and obj2._state.db in self.known:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        """Migrations run on the primary; replication carries them to the replicas."""
        return db == PRIMARY


class PrimaryPinningMiddleware:
    """Send a public GET/HEAD's reads to one replica; everything else reads the primary."""

    def __init__(
        self,
        get_response: Callable[[HttpRequest], HttpResponse],
        replicas: Sequence[str] | None = None,
    ) -> None:
        self.get_response = get_response
        self.replicas = list(replica_aliases() if replicas is None else replicas)

    def reads_from_primary(self, request: HttpRequest) -> bool:
        """Whether this request must see the primary (writes, the admin, a recent writer)."""
        if not self.replicas or request.method not in REPLICA_METHODS:
            return True
        if f"{request.path_info}/".startswith(ADMIN_PREFIX):  # "/admin" too
            return True
        # Signed with a timestamp and checked here, not only left to expire in the
        # browser: clients that ignore Max-Age (Django's test client among them)
        # would otherwise stay pinned for good.
        pinned = request.get_signed_cookie(
            PIN_COOKIE, default=None, max_age=settings.REPLICA_PIN_SECONDS
        )
        return pinned is not None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Run the request with its reads routed, and pin a writer to the primary."""
        # One replica for the whole request, chosen at random: every query of a
        # page then sees the same snapshot (replicas lag by different amounts),
        # and cached counts keyed by the registry's generation stay consistent.
        alias = PRIMARY if self.reads_from_primary(request) else random.choice(self.replicas)
        with reading_from(alias):
            response = self.get_response(request)
        if (
            isinstance(response, StreamingHttpResponse)
            and not response.is_async
            and alias != PRIMARY
        ):
            # A streamed body (the CSV export) is read after this method returns.
            response.streaming_content = _streamed_from(alias, response.streaming_content)
        if request.method not in SAFE_METHODS:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def _streamed_from(alias: str, chunks: Iterable) -> Iterator:
    """Produce each chunk with reads routed to `alias`, and nothing routed in between."""
    iterator = iter(chunks)
    while True:
        with reading_from(alias):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk
