"""Malformed input never gives a 500: a form error on the page, or a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

LIST_PAGES = ["claims:claim-list", "claims:timeline"]


@pytest.mark.parametrize("name", LIST_PAGES)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"topic": "no-such-topic"}, "Select a valid choice"),
        ({"topic": ["energy", "no-such-topic"]}, "Select a valid choice"),
        ({"entity": "nobody"}, "Select a valid choice"),
        ({"claimant": "nobody"}, "Select a valid choice"),
        ({"source": "no-such-source"}, "Select a valid choice"),
        ({"date_from": "2022-13"}, "2022-13 is not a real date."),
        ({"date_from": "2022-02-30"}, "2022-02-30 is not a real date."),
        ({"date_to": "yesterday"}, "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD"),
        ({"date_to": "0000"}, "0000 is not a real date."),
        ({"date_from": "20222"}, "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD"),
        ({"date_from": "2022-02-24T00:00"}, "Ensure this value has at most 10 characters"),
        ({"relation": "hates"}, "Select a valid choice"),
        ({"sort": "random"}, "Select a valid choice"),
        ({"q": "x" * 5000}, "Ensure this value has at most 200 characters"),
        ({"q": "Lukoil\x00"}, "Null characters are not allowed"),
        ({"outlet": "o" * 300}, "Ensure this value has at most 200 characters"),
    ],
)
def test_bad_filter_shows_the_form_error_and_no_results(
    client, public_registry, name, params, message
):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html.replace("&quot;", '"').replace("&#x27;", "'")
    assert 'role="alert"' in html
    assert "Lukoil owns a fifth of Shah Deniz." not in html


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999", "1.5", "9" * 40])
def test_bad_page_number_is_a_404_page(client, public_registry, page):
    response = client.get(reverse("claims:claim-list"), {"page": page})
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


@pytest.mark.parametrize(
    ("per_page", "size"), [("abc", 25), ("0", 1), ("-5", 1), ("100000", 100), ("9" * 40, 100)]
)
def test_page_size_is_capped_and_bad_sizes_fall_back(client, public_registry, per_page, size):
    response = client.get(reverse("claims:claim-list"), {"per_page": per_page})
    assert response.status_code == 200
    assert response.context["paginator"].per_page == size


def test_repeated_and_unknown_parameters_are_harmless(client, public_registry):
    response = client.get(
        reverse("claims:claim-list") + "?date_from=2030&date_from=2020&utm_source=x&topic=",
        follow=True,
    )
    # The blank parameter is dropped from the address; the rest are kept as given.
    assert response.redirect_chain == [("/claims/?date_from=2030&date_from=2020&utm_source=x", 302)]
    assert response.status_code == 200
    assert [c.statement for c in response.context["object_list"]] == [
        "Relations between Azerbaijan and Russia are deteriorating.",
        "Lukoil owns a fifth of Shah Deniz.",
    ]


@pytest.mark.parametrize(
    "query", ['"', "NEAR(a b)", "a* OR", "'; DROP TABLE claims_claim; --", "-", "(", "^x", "💥"]
)
def test_odd_search_queries_are_searched_not_executed(client, public_registry, query):
    response = client.get(reverse("claims:claim-list"), {"q": query})
    assert response.status_code == 200
    assert response.context["filter"].is_valid()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"topic": "nope"}, "Select a valid choice"),
        ({"entity": "nope"}, "Select a valid choice"),
        ({"source": "nope"}, "Select a valid choice"),
    ],
)
def test_bad_contradiction_filter_shows_the_error(client, public_registry, params, message):
    response = client.get(reverse("claims:contradiction-list"), params)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_bad_filter_on_a_topic_page_shows_the_error(client, public_registry):
    response = client.get(reverse("claims:topic-detail", args=["energy"]), {"date_to": "x"})
    assert response.status_code == 200
    assert "Enter a date as YYYY" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/claims/999999/",
        "/claims/abc/",
        "/claims/99999999999999999999999/",
        "/sources/no-such-source/",
        "/topics/no-such-topic/",
        "/entities/no-such-entity/",
        "/no-such-page/",
    ],
)
def test_things_that_do_not_exist_are_404(client, public_registry, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
