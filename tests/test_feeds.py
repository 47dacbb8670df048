"""Atom feeds of claims newly published or retracted, and their autodiscovery links."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from claims.models import Claim, StatusChange
from claims.services import take_action
from tests.conftest import PublicRegistry
from tests.factories import make_claim, make_quote, make_topic

ATOM = "{http://www.w3.org/2005/Atom}"
FEED = "/feeds/claims.atom"


def entries(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # well-formed XML, or this raises
    assert root.tag == f"{ATOM}feed"
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "id": entry.findtext(f"{ATOM}id"),
            "summary": entry.findtext(f"{ATOM}summary"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "categories": [c.get("term") for c in entry.findall(f"{ATOM}category")],
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


def published_claim(registry: PublicRegistry, reviewer, statement: str) -> Claim:
    claim = make_claim(statement, topics=[registry.energy])
    make_quote(claim, registry.alpha, "Peacekeeping troops were deployed to Karabakh")
    return take_action(claim=claim, action="publish", user=reviewer)


def test_the_feed_lists_a_newly_published_claim_first(client, public_registry, reviewer):
    claim = published_claim(public_registry, reviewer, "Peacekeepers were sent to Karabakh.")
    newest = entries(client, FEED)[0]
    assert newest["title"] == "Published: Peacekeepers were sent to Karabakh."
    assert newest["link"] == f"http://testserver/claims/{claim.pk}/"
    assert newest["id"] == f"http://testserver/claims/{claim.pk}/#published"
    assert newest["summary"] == "Peacekeepers were sent to Karabakh."
    assert newest["categories"] == ["Energy"]
    step = claim.status_changes.get()
    assert dt.datetime.fromisoformat(newest["updated"]) == step.changed_at


def test_a_retraction_is_a_new_entry_with_its_reason(client, public_registry, reviewer):
    claim = published_claim(public_registry, reviewer, "Peacekeepers were sent to Karabakh.")
    take_action(claim=claim, action="retract", user=reviewer, comment="The source was misread.")
    retraction, publication = entries(client, FEED)[:2]
    assert retraction["title"] == "Retracted: Peacekeepers were sent to Karabakh."
    assert retraction["summary"] == (
        "Peacekeepers were sent to Karabakh. Reason for the retraction: The source was misread."
    )
    assert retraction["id"].endswith("#retracted")
    assert publication["id"].endswith("#published")


def test_drafts_and_claims_in_review_never_appear(client, public_registry, reviewer):
    published_claim(public_registry, reviewer, "Peacekeepers were sent to Karabakh.")
    sent_back = make_claim("A claim sent back to its editor.", topics=[public_registry.energy])
    StatusChange.objects.create(claim=sent_back, from_status="review", to_status="draft")
    text = (
        client.get(FEED).content.decode() + client.get("/topics/energy/feed.atom").content.decode()
    )
    for name in ("draft", "review"):
        assert public_registry.claims[name].statement not in text
    assert "sent back" not in text


def test_claims_without_a_recorded_step_still_appear_from_fixtures(client, public_registry):
    titles = [entry["title"] for entry in entries(client, FEED)]
    assert sorted(titles) == sorted(
        [
            "Published: Lukoil owns a fifth of Shah Deniz.",
            "Published: Relations between Azerbaijan and Russia are deteriorating.",
            "Published: Azerbaijan kept a balance of power between the great powers.",
            "Retracted: A retracted claim about thriving ties.",
        ]
    )


def test_the_curated_registry_fills_the_feed_with_fifty_entries(client, curated_registry):
    found = entries(client, FEED)
    assert len(found) == 50
    assert len({entry["id"] for entry in found}) == 50
    assert all(entry["title"].startswith("Published: ") for entry in found)


def test_a_topic_feed_lists_only_that_topics_claims(client, public_registry, reviewer):
    published_claim(public_registry, reviewer, "Peacekeepers were sent to Karabakh.")
    titles = [entry["title"] for entry in entries(client, "/topics/military/feed.atom")]
    assert sorted(titles) == [
        "Published: Azerbaijan kept a balance of power between the great powers.",
        "Published: Relations between Azerbaijan and Russia are deteriorating.",
    ]
    root = ET.fromstring(client.get("/topics/military/feed.atom").content)
    assert root.findtext(f"{ATOM}title") == "factreg: Military: claims published or retracted"


@pytest.mark.parametrize("slug", ["no-such-topic", "secret"])
def test_an_unknown_or_unpublished_topic_has_no_feed(client, public_registry, slug):
    make_claim("A draft about a secret topic.", topics=[make_topic("secret")])
    response = client.get(f"/topics/{slug}/feed.atom")
    assert response.status_code == 404
    assert "secret topic" not in response.content.decode()


def test_pages_link_their_feeds_for_autodiscovery(client, public_registry):
    alternate = re.compile(
        r'<link rel="alternate" type="application/atom\+xml" title="([^"]+)" href="([^"]+)">'
    )
    overview = alternate.findall(client.get("/").content.decode())
    assert overview == [("factreg: claims published or retracted", "/feeds/claims.atom")]
    topic = alternate.findall(client.get("/topics/energy/").content.decode())
    assert topic == [
        ("factreg: claims published or retracted", "/feeds/claims.atom"),
        ("factreg: Energy: claims published or retracted", "/topics/energy/feed.atom"),
    ]
    for _, href in topic:
        assert entries(client, href)


def test_feeds_cost_a_fixed_number_of_queries(
    client, large_registry, reviewer, django_assert_max_num_queries
):
    now = timezone.now()
    StatusChange.objects.bulk_create(
        StatusChange(claim=claim, from_status="review", to_status="published")
        for claim in large_registry.claims[:100]
    )
    StatusChange.objects.update(changed_at=now)
    with django_assert_max_num_queries(4):
        assert len(entries(client, FEED)) == 50
    with django_assert_max_num_queries(5):
        assert len(entries(client, "/topics/topic-3/feed.atom")) == 25
