"""Read replicas: DATABASE_REPLICA_URLS, the router and the middleware that pins to the primary.

The suite's own settings have no replica, so the settings are checked through
database_settings() and a fresh process, the router and the middleware with the
replica aliases given explicitly, and the whole path end to end in a subprocess
whose replica alias points at a second database on the local PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.urls import reverse

from claims.models import Claim, Source
from factreg.routers import (
    ADMIN_PREFIX,
    PIN_COOKIE,
    PRIMARY,
    PrimaryPinningMiddleware,
    PrimaryReplicaRouter,
    reading_from,
    replica_aliases,
)
from factreg.settings import database_settings

ROOT = Path(__file__).resolve().parent.parent
ROUTER = "factreg.routers.PrimaryReplicaRouter"
PRIMARY_URL = "postgres://app:secret@db-primary:5432/factreg"
# Where the end-to-end test creates (and drops) its two databases; .ci/run starts it.
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
TEST_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "test-only-insecure-key-not-for-production",
    "SECURE_SSL_REDIRECT": "0",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
}


# --- Settings ----------------------------------------------------------------


@pytest.mark.parametrize("replicas", [None, "", "  "])
def test_without_replica_urls_there_is_one_database_and_no_router(replicas):
    environ = {"DATABASE_URL": PRIMARY_URL}
    if replicas is not None:
        environ["DATABASE_REPLICA_URLS"] = replicas
    databases, routers = database_settings(environ)
    assert list(databases) == ["default"]
    assert routers == []
    assert databases["default"]["OPTIONS"] == {"options": "-c jit=off"}


def test_without_any_database_url_the_registry_is_the_local_sqlite_file():
    databases, routers = database_settings({})
    assert databases["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert databases["default"]["NAME"].endswith("db.sqlite3")
    assert routers == []


def test_each_replica_url_becomes_an_alias_connected_like_the_primary():
    databases, routers = database_settings(
        {
            "DATABASE_URL": PRIMARY_URL,
            "DATABASE_REPLICA_URLS": (
                "postgres://app:secret@db-replica-a:5432/factreg, "
                "postgresql://app:secret@db-replica-b:6432/factreg"
            ),
            "CONN_MAX_AGE": "30",
        }
    )
    assert list(databases) == ["default", "replica1", "replica2"]
    assert routers == [ROUTER]
    assert [(db["HOST"], db["PORT"], db["NAME"]) for db in databases.values()] == [
        ("db-primary", 5432, "factreg"),
        ("db-replica-a", 5432, "factreg"),
        ("db-replica-b", 6432, "factreg"),
    ]
    for alias in ("replica1", "replica2"):
        replica = databases[alias]
        assert replica["ENGINE"] == "django.db.backends.postgresql"
        assert (replica["CONN_MAX_AGE"], replica["CONN_HEALTH_CHECKS"]) == (30, True)
        assert replica["OPTIONS"] == {"options": "-c jit=off"}
        # Under the test runner a replica is the test database, never a second one.
        assert replica["TEST"] == {"MIRROR": "default"}


@pytest.mark.parametrize(
    "replica",
    ["sqlite:///replica.sqlite3", "sqlite://:memory:", "mysql://app:secret@db:3306/factreg"],
)
def test_a_replica_that_is_not_postgresql_stops_start_up(replica):
    environ = {
        "DATABASE_URL": PRIMARY_URL,
        "DATABASE_REPLICA_URLS": f"postgres://app:secret@db-replica:5432/factreg,{replica}",
    }
    with pytest.raises(ImproperlyConfigured) as error:
        database_settings(environ)
    assert str(error.value).startswith(
        "DATABASE_REPLICA_URLS, entry 2 of 2 is not a PostgreSQL URL"
    )
    assert "secret" not in str(error.value)


@pytest.mark.parametrize(
    ("replicas", "message"),
    [
        ("db-replica:5432/factreg", "entry 1 of 1 is not a database URL"),
        ("postgres://app:secret@db-replica:port/factreg", "entry 1 of 1 is not a database URL"),
        ("postgres://app:secret@db-replica:5432", "entry 1 of 1 names no database"),
        ("postgres://app:secret@db-replica:5432/factreg,", "entry 2 of 2 is empty"),
    ],
)
def test_a_malformed_replica_value_stops_start_up_without_echoing_the_url(replicas, message):
    environ = {"DATABASE_URL": PRIMARY_URL, "DATABASE_REPLICA_URLS": replicas}
    with pytest.raises(ImproperlyConfigured) as error:
        database_settings(environ)
    assert message in str(error.value)
    assert "secret" not in str(error.value)


@pytest.mark.parametrize("primary", [None, "sqlite:///registry.sqlite3"])
def test_a_sqlite_primary_refuses_replicas(primary):
    environ = {"DATABASE_REPLICA_URLS": "postgres://app:secret@db-replica:5432/factreg"}
    if primary:
        environ["DATABASE_URL"] = primary
    with pytest.raises(ImproperlyConfigured, match="need a PostgreSQL primary"):
        database_settings(environ)


def _settings_process(code: str, **env: str) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**keep, **TEST_ENV, "DJANGO_SETTINGS_MODULE": "factreg.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_replicas_the_router_and_the_pinning_middleware_are_installed_at_start_up():
    result = _settings_process(
        "import json; from django.conf import settings as s; "
        "print(json.dumps([list(s.DATABASES), s.DATABASE_ROUTERS, s.MIDDLEWARE]))",
        DATABASE_URL=PRIMARY_URL,
        DATABASE_REPLICA_URLS="postgres://app:secret@db-replica:5432/factreg",
    )
    assert result.returncode == 0, result.stderr
    databases, routers, middleware = json.loads(result.stdout)
    assert (databases, routers) == (["default", "replica1"], [ROUTER])
    # Pinning runs right after static files and before sessions (and anything else
    # that reads the database) see the request.
    pinning = middleware.index("factreg.routers.PrimaryPinningMiddleware")
    assert middleware[pinning - 1] == "whitenoise.middleware.WhiteNoiseMiddleware"
    assert middleware[pinning + 1] == "django.contrib.sessions.middleware.SessionMiddleware"


def test_a_bad_replica_url_stops_the_process_with_the_reason():
    result = _settings_process(
        "pass", DATABASE_URL=PRIMARY_URL, DATABASE_REPLICA_URLS="sqlite:///replica.sqlite3"
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: DATABASE_REPLICA_URLS, entry 1 of 1 "
        "is not a PostgreSQL URL (postgres://user:pass@host:5432/name): a replica must be "
        "a PostgreSQL streaming replica of the primary."
    )


def test_the_suites_settings_have_no_replica_and_no_router():
    assert list(settings.DATABASES) == ["default"]
    assert settings.DATABASE_ROUTERS == []
    assert replica_aliases() == []
    assert PrimaryReplicaRouter().replicas == []
    assert "factreg.routers.PrimaryPinningMiddleware" not in settings.MIDDLEWARE


# --- Router --------------------------------------------------------------------


def test_reads_outside_a_request_go_to_the_primary():
    # Management commands, the shell and migrations run outside any request.
    router = PrimaryReplicaRouter(replicas=["replica1"])
    assert router.db_for_read(Claim) == PRIMARY


def test_reads_go_to_the_replica_the_request_was_given():
    router = PrimaryReplicaRouter(replicas=["replica1", "replica2"])
    with reading_from("replica2"):
        assert router.db_for_read(Claim) == "replica2"
        assert router.db_for_read(Source) == "replica2"
    assert router.db_for_read(Claim) == PRIMARY


def test_an_alias_that_is_not_a_configured_replica_reads_the_primary():
    router = PrimaryReplicaRouter(replicas=["replica1"])
    with reading_from("replica7"):
        assert router.db_for_read(Claim) == PRIMARY


def test_reads_inside_a_transaction_on_the_primary_go_to_the_primary(monkeypatch):
    router = PrimaryReplicaRouter(replicas=["replica1"])
    # Not transaction.atomic(): under pytest-django every database test already
    # runs inside one, which is exactly the state this checks.
    monkeypatch.setattr(connections[PRIMARY], "in_atomic_block", True)
    with reading_from("replica1"):
        assert router.db_for_read(Claim) == PRIMARY


def test_sessions_and_users_are_always_read_from_the_primary():
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.models import Session

    router = PrimaryReplicaRouter(replicas=["replica1"])
    with reading_from("replica1"):
        assert [router.db_for_read(model) for model in (Session, User, Group)] == [PRIMARY] * 3


def test_writes_and_migrations_go_to_the_primary_only():
    router = PrimaryReplicaRouter(replicas=["replica1"])
    with reading_from("replica1"):
        assert router.db_for_write(Claim) == PRIMARY
    assert router.allow_migrate(PRIMARY, "claims") is True
    assert router.allow_migrate("replica1", "claims") is False


def test_objects_from_the_primary_and_a_replica_may_be_related():
    router = PrimaryReplicaRouter(replicas=["replica1"])
    claim, source, stranger = Claim(), Source(), Source()
    claim._state.db, source._state.db, stranger._state.db = PRIMARY, "replica1", "elsewhere"
    assert router.allow_relation(claim, source) is True
    assert router.allow_relation(claim, stranger) is None


def test_a_claim_read_from_a_replica_is_saved_to_the_primary(settings, public_registry):
    settings.DATABASE_ROUTERS = [PrimaryReplicaRouter(replicas=["replica1"])]
    claim = public_registry.stake
    claim._state.db = "replica1"  # as if a public page had loaded it
    claim.note = "Saved to the primary."
    claim.save()
    assert Claim.objects.get(pk=claim.pk).note == "Saved to the primary."


# --- Middleware ----------------------------------------------------------------


def _serve(
    request: HttpRequest, replicas: tuple[str, ...] = ("replica1",)
) -> tuple[list[str], HttpResponse]:
    """Run `request` through the middleware; which databases its view read from."""
    router = PrimaryReplicaRouter(replicas=list(replicas))
    reads: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        reads.extend(router.db_for_read(model) for model in (Claim, Source, Claim))
        return HttpResponse("ok")

    response = PrimaryPinningMiddleware(view, replicas=list(replicas))(request)
    return reads, response


@pytest.mark.parametrize("method", ["get", "head"])
def test_public_pages_read_from_a_replica(method):
    reads, response = _serve(getattr(RequestFactory(), method)("/claims/"))
    assert reads == ["replica1"] * 3
    assert PIN_COOKIE not in response.cookies


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_other_methods_read_from_the_primary_and_pin_the_client_to_it(method):
    reads, response = _serve(getattr(RequestFactory(), method)("/claims/"))
    assert reads == [PRIMARY] * 3
    if method == "options":
        assert PIN_COOKIE not in response.cookies  # it writes nothing
        return
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["max-age"] == settings.REPLICA_PIN_SECONDS == 10
    assert (cookie["httponly"], cookie["samesite"], cookie["path"]) == (True, "Lax", "/")


@pytest.mark.parametrize("path", ["/admin/", "/admin", "/admin/claims/claim/?q=gas"])
def test_the_admin_reads_from_the_primary(path):
    reads, _ = _serve(RequestFactory().get(path))
    assert reads == [PRIMARY] * 3


def test_the_admin_prefix_is_where_the_admin_is_mounted():
    assert reverse("admin:index") == ADMIN_PREFIX
    reads, _ = _serve(RequestFactory().get("/administrators/"))
    assert reads == ["replica1"] * 3


def test_a_client_reads_the_primary_for_a_while_after_its_write():
    _, written = _serve(RequestFactory().post("/admin/claims/claim/1/change/"))
    request = RequestFactory().get("/claims/1/")
    request.COOKIES[PIN_COOKIE] = written.cookies[PIN_COOKIE].value
    reads, response = _serve(request)
    assert reads == [PRIMARY] * 3
    assert PIN_COOKIE not in response.cookies  # a read does not extend the window


def test_the_pin_ends_after_replica_pin_seconds_whatever_the_client_keeps(monkeypatch):
    # Django's test client, like any client that ignores Max-Age, sends the
    # cookie for ever; the signed timestamp ends the pin on the server.
    now = signing.TimestampSigner().timestamp

    monkeypatch.setattr(
        signing.TimestampSigner,
        "timestamp",
        lambda self: signing.b62_encode(signing.b62_decode(now()) - 11),
    )
    _, written = _serve(RequestFactory().post("/admin/logout/"))
    monkeypatch.undo()
    request = RequestFactory().get("/claims/")
    request.COOKIES[PIN_COOKIE] = written.cookies[PIN_COOKIE].value
    reads, _ = _serve(request)
    assert reads == ["replica1"] * 3


def test_the_pin_window_follows_the_setting(settings):
    _, written = _serve(RequestFactory().post("/admin/logout/"))
    assert written.cookies[PIN_COOKIE]["max-age"] == 10
    settings.REPLICA_PIN_SECONDS = 60
    _, written = _serve(RequestFactory().post("/admin/logout/"))
    assert written.cookies[PIN_COOKIE]["max-age"] == 60


@pytest.mark.parametrize("value", ["1", "1:forged:signature", ""])
def test_an_unsigned_or_forged_pin_cookie_is_ignored(value):
    request = RequestFactory().get("/claims/")
    request.COOKIES[PIN_COOKIE] = value
    reads, _ = _serve(request)
    assert reads == ["replica1"] * 3


def test_each_request_reads_one_replica_chosen_at_random():
    chosen = []
    for _ in range(64):
        reads, _ = _serve(RequestFactory().get("/claims/"), replicas=("replica1", "replica2"))
        assert len(set(reads)) == 1  # one snapshot for the whole page
        chosen.append(reads[0])
    assert set(chosen) == {"replica1", "replica2"}  # fails with probability 2**-63


def test_reads_return_to_the_primary_after_the_request_even_when_the_view_fails():
    router = PrimaryReplicaRouter(replicas=["replica1"])

    def failing_view(request: HttpRequest) -> HttpResponse:
        assert router.db_for_read(Claim) == "replica1"
        raise RuntimeError("the view failed")

    with pytest.raises(RuntimeError):
        PrimaryPinningMiddleware(failing_view, replicas=["replica1"])(
            RequestFactory().get("/claims/")
        )
    assert router.db_for_read(Claim) == PRIMARY


def test_a_streamed_body_is_read_from_the_replica_chunk_by_chunk():
    router = PrimaryReplicaRouter(replicas=["replica1"])

    def rows() -> Iterator[str]:
        for _ in range(3):
            yield router.db_for_read(Claim) + "\n"

    def export(request: HttpRequest) -> StreamingHttpResponse:
        return StreamingHttpResponse(rows())

    response = PrimaryPinningMiddleware(export, replicas=["replica1"])(
        RequestFactory().get("/claims/export.csv")
    )
    chunks = iter(response)
    assert next(chunks) == b"replica1\n"
    assert router.db_for_read(Claim) == PRIMARY  # nothing leaks between chunks
    assert b"".join(chunks) == b"replica1\nreplica1\n"


def test_without_replicas_every_request_reads_the_primary():
    reads, _ = _serve(RequestFactory().get("/claims/"), replicas=())
    assert reads == [PRIMARY] * 3


# --- End to end: a second PostgreSQL database as the replica --------------------

AS_THE_PRIMARY_HAS_IT = "As the primary has it."
AS_THE_REPLICA_HAS_IT = "As the replica has it."

# Run with DATABASE_URL only: the schema, one published claim (quoted) and an editor, all
# on the database that then becomes the template of the "replica".
SETUP = f"""
import django
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from tests.factories import make_claim, make_quote, make_source
call_command("migrate", verbosity=0)
claim = make_claim({AS_THE_REPLICA_HAS_IT!r}, status="published")
make_quote(claim, make_source(), "Shah Deniz")  # a quote puts it in the CSV export
User.objects.create_superuser("root", password="x")
"""

# Run with DATABASE_REPLICA_URLS: the primary's copy of the claim is then edited
# (a change the replica has not received), and each request shows which of the
# two statements it read. Prints what it saw as JSON.
OBSERVE = f"""
import json, sys, types
import django
django.setup()
from django.contrib.auth.models import User
from django.db import transaction
from django.http import JsonResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import include, path
from claims.models import Claim
from factreg.routers import PIN_COOKIE, reading_from

claim = Claim.objects.get()
Claim.objects.filter(pk=claim.pk).update(statement={AS_THE_PRIMARY_HAS_IT!r})

def which(text):
    if isinstance(text, bytes):
        text = text.decode()
    found = [{AS_THE_PRIMARY_HAS_IT!r} in text, {AS_THE_REPLICA_HAS_IT!r} in text]
    return {{(True, False): "primary", (False, True): "replica"}}.get(tuple(found), text[:300])

def probe(request):
    # Any method: what it read, and who the request is logged in as.
    statement = Claim.objects.get(pk=claim.pk).statement
    return JsonResponse({{"statement": statement, "user": request.user.username}})

probe_urls = types.ModuleType("probe_urls")
probe_urls.urlpatterns = [path("probe/", probe), path("", include("factreg.urls"))]
sys.modules["probe_urls"] = probe_urls
plain_static = {{
    "default": {{"BACKEND": "django.core.files.storage.FileSystemStorage"}},
    "staticfiles": {{"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
}}
seen = {{}}
with override_settings(ROOT_URLCONF="probe_urls", STORAGES=plain_static):
    client = Client()
    seen["public list"] = which(client.get("/claims/").content)
    seen["public claim page"] = which(client.get(f"/claims/{{claim.pk}}/").content)
    seen["public API"] = which(client.get(f"/api/claims/{{claim.pk}}/").content)
    seen["streamed CSV export"] = which(b"".join(client.get("/claims/export.csv")))
    client.force_login(User.objects.get(username="root"))
    seen["admin list"] = which(client.get("/admin/claims/claim/").content)
    seen["admin form"] = which(client.get(f"/admin/claims/claim/{{claim.pk}}/change/").content)
    public = client.get("/probe/").json()
    seen["public GET, logged in"] = which(public["statement"])
    seen["its user (the session is read from the primary)"] = public["user"]
    seen["pinned before any write"] = PIN_COOKIE in client.cookies
    seen["POST"] = which(client.post("/probe/").json()["statement"])
    seen["pinned after the POST"] = PIN_COOKIE in client.cookies
    seen["GET right after the write"] = which(client.get("/claims/").content)
    del client.cookies[PIN_COOKIE]
    seen["GET without the pin cookie"] = which(client.get("/claims/").content)
    seen["admin logout (a write)"] = client.post("/admin/logout/").status_code
    seen["GET right after logging out"] = which(client.get("/claims/").content)
seen["outside a request (commands)"] = which(Claim.objects.get(pk=claim.pk).statement)
with reading_from("replica1"):
    seen["replica reads"] = which(Claim.objects.get(pk=claim.pk).statement)
    with transaction.atomic():
        seen["replica reads inside atomic()"] = which(Claim.objects.get(pk=claim.pk).statement)
print(json.dumps(seen))
"""


def _postgres(database: str = "postgres") -> psycopg.Connection:
    """An autocommit connection to the local PostgreSQL; a clear failure if it is not there."""
    try:
        return psycopg.connect(f"{POSTGRES_SERVER}/{database}", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        reason = str(error).strip()
    # Failed, never skipped: CI always has this server, and a skipped test checks nothing.
    pytest.fail(
        f"This test needs the local PostgreSQL at {POSTGRES_SERVER} (user postgres, trust "
        f"auth), which .ci/run starts; it is not reachable: {reason}",
        pytrace=False,
    )


def _django(script: str, **env: str) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**keep, **TEST_ENV, "DJANGO_SETTINGS_MODULE": "factreg.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_second_postgresql_database_as_the_replica_serves_only_public_reads():
    primary = f"factreg_replica_e2e_{os.getpid()}_primary"
    replica = f"factreg_replica_e2e_{os.getpid()}_replica"
    server = _postgres()
    try:
        server.execute(f'CREATE DATABASE "{primary}"')
        made = _django(SETUP, DATABASE_URL=f"{POSTGRES_SERVER}/{primary}")
        assert made.returncode == 0, made.stderr
        # The replica starts as a copy of the primary, as a streaming replica would.
        server.execute(f'CREATE DATABASE "{replica}" TEMPLATE "{primary}"')
        observed = _django(
            OBSERVE,
            DATABASE_URL=f"{POSTGRES_SERVER}/{primary}",
            DATABASE_REPLICA_URLS=f"{POSTGRES_SERVER}/{replica}",
        )
        assert observed.returncode == 0, observed.stderr
        assert json.loads(observed.stdout) == {
            "public list": "replica",
            "public claim page": "replica",
            "public API": "replica",
            "streamed CSV export": "replica",
            "admin list": "primary",
            "admin form": "primary",
            "public GET, logged in": "replica",
            "its user (the session is read from the primary)": "root",
            "pinned before any write": False,
            "POST": "primary",
            "pinned after the POST": True,
            "GET right after the write": "primary",
            "GET without the pin cookie": "replica",
            "admin logout (a write)": 200,
            "GET right after logging out": "primary",
            "outside a request (commands)": "primary",
            "replica reads": "replica",
            "replica reads inside atomic()": "primary",
        }
    finally:
        for database in (replica, primary):
            server.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        server.close()
