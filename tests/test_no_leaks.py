"""Nothing about drafts leaks: topics and entities only drafts use have no public trace."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from claims import snapshot
from claims.models import Claim, Source
from tests.factories import make_claim, make_entity, make_topic


@pytest.fixture
def secret(public_registry) -> dict:
    """A draft about a topic and entities that no published claim uses."""
    topic = make_topic("secret-talks", name="Secret talks")
    named = make_entity("hidden-envoy", name="Hidden Envoy", kind="person")
    claimant = make_entity("quiet-ministry", name="Quiet Ministry", kind="organisation")
    place = make_entity("closed-city", name="Closed City", kind="place")
    draft = make_claim("A draft about secret talks.", topics=[topic], entities=[named], place=place)
    draft.attributions.create(entity=claimant, role="stated", basis="A draft")
    return {"topic": topic, "named": named, "claimant": claimant, "place": place, "draft": draft}


PAGES = ["/", "/claims/", "/contradictions/", "/timeline/", "/sources/"]


def test_a_topic_or_entity_only_a_draft_uses_has_no_page(client, secret):
    assert client.get(secret["topic"].get_absolute_url()).status_code == 404
    for entity in ("named", "claimant", "place"):
        assert client.get(secret[entity].get_absolute_url()).status_code == 404


def test_public_pages_and_filter_choices_never_name_them(client, secret):
    for path in PAGES:
        text = client.get(path).content.decode()
        for name in ("Secret talks", "Hidden Envoy", "Quiet Ministry", "Closed City"):
            assert name not in text, (path, name)


@pytest.mark.parametrize(
    ("param", "key"),
    [("topic", "topic"), ("entity", "named"), ("claimant", "claimant")],
)
def test_filtering_on_them_is_an_unknown_choice_not_an_empty_result(client, secret, param, key):
    slug = secret[key].slug
    csv = client.get(reverse("claims:citation-export"), {param: slug})
    assert csv.status_code == 400
    api = client.get("/api/claims/", {param: slug})
    assert api.status_code == 400
    page = client.get("/claims/", {param: slug})
    assert "Select a valid choice" in page.content.decode()


def test_once_a_reviewer_publishes_the_claim_its_topic_and_entities_have_pages(client, secret):
    Claim.objects.filter(pk=secret["draft"].pk).update(status=Claim.Status.PUBLISHED)
    statement = "A draft about secret talks."
    claimant_of = 'the claimant of <a href="/claims/?claimant=quiet-ministry">1 claim</a>'
    for key, name, shown in (
        ("topic", "Topic: Secret talks", statement),
        ("named", "Hidden Envoy", statement),
        ("claimant", "Quiet Ministry", claimant_of),
        # A place's page leads to the claims set there, besides those that name it.
        ("place", "Closed City", 'the place of <a href="/claims/?place=closed-city">1 claim</a>'),
    ):
        response = client.get(secret[key].get_absolute_url())
        assert response.status_code == 200
        # The page is headed with the name and leads to the claim now published.
        text = response.content.decode()
        assert f"<h1>{name}</h1>" in text, key
        assert shown in text, key


def test_a_place_page_leads_to_the_claims_set_there(client, secret):
    Claim.objects.filter(pk=secret["draft"].pk).update(status=Claim.Status.PUBLISHED)
    listed = client.get("/claims/", {"place": "closed-city"}).content.decode()
    assert "A draft about secret talks." in listed
    assert "1 claim set in Closed City." in listed
    # A chip names the place and removes it; a bad slug is refused with a message.
    assert "Places" in listed
    other = client.get("/claims/", {"place": "atlantis"}).content.decode()
    assert "A draft about secret talks." not in other
    assert "Select a valid choice" in other


OPEN_DATA = [
    "/data/",
    "/feeds/claims.atom",
    "/topics/energy/feed.atom",
    "/api/annotations/?source=alpha",
    "/api/openapi.json",
    "/data/snapshot/datapackage.json",
    "/data/snapshot.zip",
    *(f"/data/snapshot/{name}.csv" for name in snapshot.TABLES),
]


def test_the_open_data_exports_never_name_them_nor_quote_the_draft(client, secret):
    from tests.factories import make_quote

    make_quote(secret["draft"], Source.objects.get(slug="alpha"), "Peacekeeping troops")
    for path in OPEN_DATA:
        response = client.get(path)
        assert response.status_code == 200, path
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if path.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                body = b"".join(archive.read(name) for name in archive.namelist())
        text = body.decode()
        for name in ("Secret talks", "Hidden Envoy", "Quiet Ministry", "Closed City"):
            assert name not in text, (path, name)
        assert "A draft about secret talks." not in text, path
    # The draft's quote of a public source (whose text is public) is no annotation or quote.
    for path in ("/api/annotations/?source=alpha", "/data/snapshot/quotes.csv"):
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"Peacekeeping troops" not in body, path


def test_a_topic_only_a_draft_uses_has_no_feed(client, secret):
    assert client.get(f"/topics/{secret['topic'].slug}/feed.atom").status_code == 404
