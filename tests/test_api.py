from __future__ import annotations

import pytest
from django.urls import reverse


def test_claim_list_api_returns_claims_with_evidence_and_links(client, public_registry):
    body = client.get(reverse("claims:api-claims"), {"topic": "energy", "sort": "oldest"}).json()
    assert body["count"] == 2
    assert (body["next"], body["previous"]) == (None, None)
    balance, stake = body["results"]
    assert stake["id"] == public_registry.stake.pk
    assert stake["url"] == f"http://testserver/claims/{stake['id']}/"
    assert stake["statement"] == "Lukoil owns a fifth of Shah Deniz."
    assert (stake["event_date"], stake["event_date_precision"]) == ("2022-02-22", "day")
    assert (stake["value"], stake["unit"]) == ("20", "percent")
    assert stake["topics"] == [{"slug": "energy", "name": "Energy"}]
    assert stake["entities"] == [{"slug": "lukoil", "name": "Lukoil", "kind": "company"}]
    (quote,) = stake["quotes"]
    assert quote["exact"] == "Lukoil currently owns 20 % of Azerbaijan’s largest gas field"
    assert (quote["start"], quote["paragraph"]) == (0, 1)
    assert quote["source"]["slug"] == "alpha"
    assert quote["source"]["author"] == "Ann Author"
    assert quote["source"]["published"] == "2023"
    assert quote["source"]["page"] == "http://testserver/sources/alpha/"
    assert {(link["relation"], link["claim"], link["direction"]) for link in stake["links"]} == {
        ("contradicts", public_registry.decline.pk, "symmetric"),
        ("supports", public_registry.balance.pk, "incoming"),
    }
    assert balance["event_date"] == "2010"


def test_claim_list_api_paginates_with_next_and_previous_links(client, public_registry):
    first = client.get(reverse("claims:api-claims"), {"per_page": 2}).json()
    assert (first["count"], first["pages"], len(first["results"])) == (3, 2, 2)
    assert first["next"] == "http://testserver/api/claims/?per_page=2&page=2"
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert second["previous"] == "http://testserver/api/claims/?per_page=2&page=1"
    assert second["next"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"topic": "nope"}, "topic"),
        ({"date_from": "2022-13"}, "date_from"),
        ({"relation": "hates"}, "relation"),
        ({"q": "x" * 300}, "q"),
    ],
)
def test_claim_list_api_rejects_bad_filters_with_json_400(client, public_registry, params, field):
    response = client.get(reverse("claims:api-claims"), params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == "Invalid filters."
    assert list(body["fields"]) == [field]


@pytest.mark.parametrize("page", ["0", "99", "abc"])
def test_claim_list_api_bad_page_is_json_404(client, public_registry, page):
    response = client.get(reverse("claims:api-claims"), {"page": page})
    assert response.status_code == 404
    assert response.json()["error"].startswith("Invalid page")


def test_claim_api_returns_one_published_claim(client, public_registry):
    claim = public_registry.decline
    body = client.get(reverse("claims:api-claim", args=[claim.pk])).json()
    assert body["id"] == claim.pk
    assert body["api_url"] == f"http://testserver/api/claims/{claim.pk}/"
    assert [link["claim"] for link in body["links"]] == [public_registry.stake.pk]


@pytest.mark.parametrize("name", ["draft", "review", "retracted"])
def test_claim_api_hides_unpublished_claims_with_json_404(client, public_registry, name):
    response = client.get(reverse("claims:api-claim", args=[public_registry.claims[name].pk]))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_unknown_claim_is_json_404(client, public_registry):
    response = client.get(reverse("claims:api-claim", args=[999999]))
    assert response.status_code == 404
    assert response.json() == {"error": "No published claim has the id 999999."}


def test_source_api_returns_text_and_published_quotes(client, public_registry):
    body = client.get(reverse("claims:api-source", args=["alpha"])).json()
    assert body["title"] == "Alpha article"
    assert body["text"].startswith("Lukoil currently owns")
    assert body["claims"] == [public_registry.stake.pk]
    assert [q["claim"] for q in body["quotes"]] == [public_registry.stake.pk]
    for quote in body["quotes"]:
        assert body["text"][quote["start"] : quote["end"]] == quote["exact"]


@pytest.mark.parametrize("url", ["/api/sources/nope/", "/api/nope/", "/api/claims/abc/"])
def test_other_api_paths_are_json_404(client, public_registry, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "error" in response.json()


def test_api_list_query_count_is_bounded(client, large_registry, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        body = client.get(reverse("claims:api-claims"), {"per_page": 100}).json()
    assert len(body["results"]) == 100
