from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import hypothesis
import pytest
import pytest_django.plugin
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db.models import Model, Q
from pytest_django.fixtures import validate_django_db
from pytest_django.plugin import blocking_manager_key

from claims.models import Claim, ClaimLink, Entity, Quote, Source, Topic
from tests import curated

# One Playwright driver and browser for every browser test module.
pytest_plugins = ["tests.browser"]

# No per-example deadline: on a shared 2-core machine, and slower still under coverage, one
# example can take a second, which says nothing about the code (speed is `make bench`'s job).
hypothesis.settings.register_profile("factreg", deadline=None)
hypothesis.settings.load_profile("factreg")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Django's order again after pytest-randomly's shuffle, which undoes it: tests in a
    transaction first, then transactional ones, then those without a database.

    A transactional test ends by emptying every table, the Editors and Reviewers groups
    that a migration creates among them, so a later `editor` fixture would find no group.
    The sort is stable: the random order within each kind stays.
    """
    pytest_django.plugin.pytest_collection_modifyitems(items)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Cached counts are keyed by the registry's generation, which every test's
    # fresh database starts again; a cache left by another test must not answer.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _test_http_settings(settings) -> None:
    # The test client speaks plain HTTP, and manifest storage needs collectstatic.
    settings.SECURE_SSL_REDIRECT = False
    # PBKDF2's 1,000,000 rounds cost half a second per user made or login; MD5 hashes
    # new passwords here, and the real hashers still check any made outside the tests.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    settings.STATIC_ROOT = None
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def seeded(db) -> list[Source]:
    """The seed articles imported as Sources."""
    call_command("import_seeds", verbosity=0)
    return list(Source.objects.all())


# The roles (groups and their permissions) that migrations make, by name and codename.
_ROLES = pytest.StashKey[dict[str, list[tuple[str, str]]]]()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request) -> None:
    """The test database, and a note of the roles its migrations made (see below)."""
    with django_db_blocker.unblock():
        request.config.stash[_ROLES] = {
            group.name: list(group.permissions.values_list("content_type__app_label", "codename"))
            for group in Group.objects.all()
        }


def _transactional(item: pytest.Item) -> bool:
    # As pytest-django decides it (its marker gives transaction and reset_sequences first).
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return (
        "transactional_db" in names
        or "live_server" in names
        or (marker is not None and any(validate_django_db(marker)[:2]))
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    # A transactional test ends with a flush, which empties every table; Django's
    # post_migrate signal brings back content types and permissions, but not the
    # Editors and Reviewers groups that a migration made. Made again here, so every
    # test finds them, in whatever order the tests run (pytest-randomly, xdist).
    # After the last test the session's teardown has dropped the test database, and the
    # connection points at the real one again: nothing is restored there.
    roles = item.config.stash.get(_ROLES, None)
    if roles and nextitem is not None and _transactional(item):
        with item.config.stash[blocking_manager_key].unblock():
            _restore_roles(roles)
    return result


def _restore_roles(roles: dict[str, list[tuple[str, str]]]) -> None:
    if Group.objects.exists():
        return
    for name, codenames in roles.items():
        wanted = Q(pk__in=[])
        for app_label, codename in codenames:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        permissions = list(Permission.objects.filter(wanted))
        assert len(permissions) == len(codenames), name
        Group.objects.create(name=name).permissions.set(permissions)


@pytest.fixture(scope="session")
def curated_rows(django_db_setup, django_db_blocker) -> curated.CuratedRows:
    """What `import_seeds` and `load_fixtures` write, loaded once per session (tests/curated.py)."""
    with django_db_blocker.unblock():
        return curated.capture(curated.load_curated_registry)[0]


@pytest.fixture
def curated_registry(db, curated_rows: curated.CuratedRows) -> None:
    """The seeds and the curated registry, as `make db` loads them."""
    curated.replay(curated_rows)


@pytest.fixture
def editor(db) -> User:
    """A staff user in the Editors group."""
    user = User.objects.create_user("edna", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def reviewer(db) -> User:
    """A staff user in the Reviewers group."""
    user = User.objects.create_user("rita", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Reviewers"))
    return user


ALPHA_TEXT = (
    "Lukoil currently owns 20 % of Azerbaijan’s largest gas field, Shah Deniz.\n"
    "The relationship between Baku and Moscow is thriving, the author argues.\n"
    "Peacekeeping troops were deployed to Karabakh after the war.\n"
)
BETA_TEXT = (
    "Relations continue to deteriorate sharply.\n"
    "Russian drones struck a SOCAR oil depot near Odesa.\n"
    "In 2010 the balance of power was still Azerbaijan’s central theme.\n"
)


@dataclass(frozen=True)
class PublicRegistry:
    """`public_registry`: the rows it makes, by the part they play in the tests."""

    alpha: Source  # dated to the year, with an author; quoted by stake, draft, retracted
    beta: Source  # undated; quoted by decline and balance
    energy: Topic
    military: Topic
    lukoil: Entity
    russia: Entity
    analyst: Entity  # a claimant only, never a tag
    stake: Claim  # published, 2022-02-22, 20 percent
    decline: Claim  # published, 2023-10, with an as-of period, a measure and a place
    balance: Claim  # published, 2010
    draft: Claim
    review: Claim
    retracted: Claim
    contradiction: ClaimLink  # stake contradicts decline
    support: ClaimLink  # balance supports stake
    hidden: ClaimLink  # stake contradicts retracted: never shown

    @property
    def claims(self) -> dict[str, Claim]:
        """Every claim, by its name here."""
        return {
            field.name: getattr(self, field.name)
            for field in fields(self)
            if isinstance(getattr(self, field.name), Claim)
        }


@dataclass(frozen=True)
class CapturedRegistry:
    """A registry built once per session: its rows, and where each of its parts is."""

    rows: curated.CuratedRows
    parts: dict[str, tuple[type[Model], int]]  # field name: (model, primary key)


@pytest.fixture(scope="session")
def public_rows(django_db_setup, django_db_blocker) -> CapturedRegistry:
    """`public_registry`'s rows, built by its factories once per session (tests/curated.py)."""
    with django_db_blocker.unblock():
        rows, built = curated.capture(build_public_registry)
    parts = {
        field.name: (type(part := getattr(built, field.name)), part.pk)
        for field in fields(PublicRegistry)
    }
    return CapturedRegistry(rows, parts)


@pytest.fixture
def public_registry(db, public_rows: CapturedRegistry) -> PublicRegistry:
    """A small registry: three published claims, one of each other status, and links."""
    if not curated.can_replay(public_rows.rows):
        # Another fixture of the test wrote rows first, whose ids the copy would reuse.
        return build_public_registry()
    curated.replay(public_rows.rows)
    wanted: dict[type[Model], list[int]] = defaultdict(list)
    for model, pk in public_rows.parts.values():
        wanted[model].append(pk)
    found = {model: model._default_manager.in_bulk(pks) for model, pks in wanted.items()}
    return PublicRegistry(
        **{name: found[model][pk] for name, (model, pk) in public_rows.parts.items()}
    )


def build_public_registry() -> PublicRegistry:
    """`public_registry`'s rows, made by the factories."""
    from tests.factories import (
        make_claim,
        make_entity,
        make_link,
        make_quote,
        make_source,
        make_topic,
    )

    alpha = make_source(
        slug="alpha",
        title="Alpha article",
        text=ALPHA_TEXT,
        author="Ann Author",
        outlet="Outlet A",
        published=dt.date(2023, 1, 1),
        published_precision="year",
    )
    beta = make_source(slug="beta", title="Beta article", text=BETA_TEXT, outlet="Outlet B")
    energy = make_topic("energy", name="Energy", description="Oil and gas.")
    military = make_topic("military", name="Military")
    lukoil = make_entity("lukoil", name="Lukoil", kind="company")
    russia = make_entity("russia", name="Russia", kind="country")
    stake = make_claim(
        "Lukoil owns a fifth of Shah Deniz.",
        topics=[energy],
        entities=[lukoil],
        status="published",
        event_date=dt.date(2022, 2, 22),
        event_date_precision="day",
        value=20,
        unit="percent",
    )
    decline = make_claim(
        "Relations between Azerbaijan and Russia are deteriorating.",
        topics=[military],
        entities=[russia],
        status="published",
        event_date=dt.date(2023, 10, 1),
        event_date_precision="month",
    )
    balance = make_claim(
        "Azerbaijan kept a balance of power between the great powers.",
        topics=[energy, military],
        entities=[russia],
        status="published",
        event_date=dt.date(2010, 1, 1),
        event_date_precision="year",
    )
    draft = make_claim("A draft about Lukoil that is not public.", topics=[energy])
    review = make_claim("A claim in review about Lukoil.", topics=[energy], status="review")
    retracted = make_claim("A retracted claim about thriving ties.", status="retracted")
    # Who asserts them, and for when: claimants (one of them not a tag) and scope.
    analyst = make_entity("ann-analyst", name="Ann Analyst", kind="person")
    stake.attributions.create(entity=lukoil, role="reported", basis="Lukoil currently owns")
    decline.attributions.create(entity=analyst, role="stated", basis="Relations continue")
    balance.attributions.create(entity=analyst, role="stated", basis="the balance of power")
    Claim.objects.filter(pk=decline.pk).update(
        as_of_start=dt.date(2023, 1, 1),
        as_of_start_precision="year",
        as_of_end=dt.date(2025, 6, 30),
        as_of_end_precision="month",
        measure="Analysts' reading of official statements",
        place=russia,
    )
    decline.refresh_from_db()
    make_quote(stake, alpha, "Lukoil currently owns 20 % of Azerbaijan’s largest gas field")
    make_quote(decline, beta, "Relations continue to deteriorate sharply.")
    make_quote(balance, beta, "the balance of power was still Azerbaijan’s central theme")
    make_quote(draft, alpha, "Shah Deniz")
    make_quote(retracted, alpha, "The relationship between Baku and Moscow is thriving")
    contradiction = make_link(
        stake, decline, "contradicts", rationale="One sees a stake, the other a decline."
    )
    support = make_link(balance, stake, "supports", rationale="Both describe energy ties.")
    hidden = make_link(stake, retracted, "contradicts", rationale="Links to a retracted claim.")
    make_link(decline, draft, "qualifies", rationale="Links to a draft claim.")
    return PublicRegistry(
        alpha=alpha,
        beta=beta,
        energy=energy,
        military=military,
        lukoil=lukoil,
        russia=russia,
        analyst=analyst,
        stake=stake,
        decline=decline,
        balance=balance,
        draft=draft,
        review=review,
        retracted=retracted,
        contradiction=contradiction,
        support=support,
        hidden=hidden,
    )


@dataclass(frozen=True)
class LargeRegistry:
    """`large_registry`: 250 published claims and what they hang on, in creation order."""

    claims: list[Claim]
    sources: list[Source]
    topics: list[Topic]
    entities: list[Entity]


@pytest.fixture
def large_registry(db) -> LargeRegistry:
    """250 published claims with quotes, topics, entities and links, built in bulk."""
    from claims.seeds import sha256

    text = "".join(f"Sentence number {n} says something checkable.\n" for n in range(300))
    sources = [
        Source.objects.create(
            slug=f"bulk-{n}", title=f"Bulk source {n}", text=text, text_sha256=sha256(text)
        )
        for n in range(5)
    ]
    topics = [Topic.objects.create(slug=f"topic-{n}", name=f"Topic {n}") for n in range(10)]
    entities = [Entity.objects.create(slug=f"entity-{n}", name=f"Entity {n}") for n in range(20)]
    claims = Claim.objects.bulk_create(
        Claim(
            statement=f"Bulk claim {n} about gas.",
            status="published",
            event_date=dt.date(2000 + n % 25, 1 + n % 12, 1),
            event_date_precision="month",
        )
        for n in range(250)
    )
    Topic.claims.through.objects.bulk_create(
        Topic.claims.through(claim_id=c.pk, topic_id=topics[n % 10].pk)
        for n, c in enumerate(claims)
    )
    Entity.claims.through.objects.bulk_create(
        Entity.claims.through(claim_id=c.pk, entity_id=entities[(n + k) % 20].pk)
        for n, c in enumerate(claims)
        for k in range(2)
    )
    quotes = []
    for n, claim in enumerate(claims):
        exact = f"Sentence number {n} says something checkable."
        start = text.index(exact + "\n")
        quotes.append(
            Quote(
                claim=claim, source=sources[n % 5], exact=exact, start=start, end=start + len(exact)
            )
        )
    Quote.objects.bulk_create(quotes)
    ClaimLink.objects.bulk_create(
        ClaimLink(
            from_claim=claims[n],
            to_claim=claims[n + 1],
            relation="contradicts" if n % 2 else "supports",
            rationale="Bulk link.",
        )
        for n in range(0, 249, 3)
    )
    Claim.objects.refresh_search_text()
    return LargeRegistry(claims=claims, sources=sources, topics=topics, entities=entities)


DATA = Path(__file__).resolve().parent / "data"


class _PageHandler(BaseHTTPRequestHandler):
    """Serves tests/data/ on 127.0.0.1, plus a redirect and a typed-wrong page."""

    def do_GET(self) -> None:  # the name http.server calls
        if self.path.startswith("/moved"):
            self.send_response(302)
            self.send_header("Location", "/article.html")
            self.end_headers()
            return
        if self.path == "/image":
            body, kind = b"\x89PNG\r\n\x1a\n", "image/png"
        else:
            path = DATA / self.path.lstrip("/")
            if not path.is_file():
                self.send_error(404)
                return
            body = path.read_bytes()
            kind = {".html": "text/html; charset=utf-8", ".txt": "text/plain"}.get(
                path.suffix, "application/octet-stream"
            )
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def page_server() -> Iterator[str]:
    """The base URL of a local HTTP server serving tests/data/ (nothing leaves 127.0.0.1)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
