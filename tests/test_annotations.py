"""W3C Web Annotations of a source's published quotes at /api/annotations/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims import annotations
from claims.models import Quote, Source
from tests.factories import make_claim, make_quote, make_source

URL = "/api/annotations/"


def every_annotation(client, slug: str) -> list[dict]:
    """All pages of a source's collection, following `next`."""
    collection = client.get(URL, {"source": slug}).json()
    assert collection["type"] == "AnnotationCollection"
    page, found = collection["first"], []
    while True:
        found.extend(page["items"])
        if "next" not in page:
            break
        page = client.get(page["next"]).json()
    assert len(found) == collection["total"]
    return found


def selectors(annotation: dict) -> tuple[dict, dict]:
    quote, position = annotation["target"]["selector"]
    assert (quote["type"], position["type"]) == ("TextQuoteSelector", "TextPositionSelector")
    return quote, position


def test_every_curated_annotation_selects_its_quote_in_the_source_text(client, curated_registry):
    checked = 0
    for source in Source.objects.public():
        for annotation in every_annotation(client, source.slug):
            quote, position = selectors(annotation)
            start, end, text = position["start"], position["end"], source.text
            assert text[start:end] == quote["exact"], annotation["id"]
            assert quote["prefix"] == text[max(0, start - 32) : start], annotation["id"]
            assert quote["suffix"] == text[end : end + 32], annotation["id"]
            assert annotation["target"]["source"] == f"http://testserver/sources/{source.slug}/"
            checked += 1
    assert checked == Quote.objects.published().count() == 374


def test_an_annotation_describes_the_passage_with_the_claim_and_links_to_it(
    client, public_registry
):
    stake = public_registry.stake
    collection = client.get(URL, {"source": "alpha"})
    assert collection["Content-Type"].startswith("application/ld+json")
    body = collection.json()
    assert body["@context"] == "http://www.w3.org/ns/anno.jsonld"
    (annotation,) = body["first"]["items"]
    assert annotation["type"] == "Annotation"
    assert annotation["motivation"] == "describing"
    statement, link = annotation["body"]
    assert statement["value"] == stake.statement
    assert link["id"] == f"http://testserver/claims/{stake.pk}/"
    quote, position = selectors(annotation)
    assert quote["exact"] == "Lukoil currently owns 20 % of Azerbaijan’s largest gas field"
    assert (quote["prefix"], position["start"]) == ("", 0)
    assert quote["suffix"] == ", Shah Deniz.\nThe relationship b"  # 32 characters
    # The id is a stable URL that answers with the same annotation.
    alone = client.get(annotation["id"]).json()
    assert alone["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert {k: v for k, v in alone.items() if k != "@context"} == annotation


def test_draft_retracted_and_review_quotes_never_appear(client, public_registry):
    exacts = {selectors(a)[0]["exact"] for a in every_annotation(client, "alpha")}
    assert exacts == {"Lukoil currently owns 20 % of Azerbaijan’s largest gas field"}
    for claim in (public_registry.draft, public_registry.retracted):
        quote = claim.quotes.get()
        response = client.get(reverse("claims:api-annotation", args=[quote.pk]))
        assert response.status_code == 404
        assert response.json()["error"] == f"No published quote has the id {quote.pk}."


def test_a_source_only_a_draft_quotes_is_unknown(client, public_registry):
    hidden = make_source(slug="hidden", title="Hidden article")
    make_quote(make_claim("A draft quoting a hidden source."), hidden, "Shah Deniz")
    response = client.get(URL, {"source": "hidden"})
    assert response.status_code == 404
    assert response.json() == {"error": "No source has the slug 'hidden'."}
    assert "Hidden article" not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({}, 400, "source"),
        ({"source": ""}, 400, "source"),
        ({"source": "not a slug!"}, 400, "source"),
        ({"source": "alpha", "page": "0"}, 400, "page"),
        ({"source": "alpha", "page": "two"}, 400, "page"),
    ],
)
def test_bad_parameters_are_a_json_400_that_names_them(
    client, public_registry, params, status, field
):
    response = client.get(URL, params)
    assert response.status_code == status
    body = response.json()
    assert body["error"] == "Invalid parameters."
    assert list(body["fields"]) == [field]


def test_a_missing_source_says_how_to_name_one(client, public_registry):
    body = client.get(URL).json()
    assert body["fields"]["source"][0]["message"] == (
        "Name a source: /api/annotations/?source=<slug>."
    )


def test_a_page_past_the_end_is_a_json_404(client, public_registry):
    response = client.get(URL, {"source": "alpha", "page": 2})
    assert response.status_code == 404
    assert response.json()["error"] == "Invalid page: the source's annotations have 1 page(s)."


def test_a_long_source_is_paged_in_reading_order(client, large_registry, monkeypatch):
    monkeypatch.setattr(annotations, "PAGE_SIZE", 20)
    collection = client.get(URL, {"source": "bulk-1"}).json()
    assert collection["total"] == 50
    assert collection["last"] == "http://testserver/api/annotations/?source=bulk-1&page=3"
    assert collection["first"]["next"] == collection["first"]["id"].replace("page=1", "page=2")
    third = client.get(collection["last"]).json()
    assert (third["type"], third["startIndex"], len(third["items"])) == ("AnnotationPage", 40, 10)
    assert third["partOf"] == {"id": collection["id"], "total": 50}
    assert "next" not in third and third["prev"].endswith("page=2")
    starts = [selectors(a)[1]["start"] for a in every_annotation(client, "bulk-1")]
    assert starts == sorted(starts) and len(set(starts)) == 50


def test_annotations_cost_a_fixed_number_of_queries(
    client, large_registry, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        body = client.get(URL, {"source": "bulk-2"}).json()
    assert len(body["first"]["items"]) == 50
    quote = Quote.objects.filter(source__slug="bulk-2").first()
    with django_assert_max_num_queries(1):
        assert client.get(reverse("claims:api-annotation", args=[quote.pk])).status_code == 200
