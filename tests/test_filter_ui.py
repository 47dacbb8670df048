"""The claim list's filters show themselves: form fields, chips, the result line, clean URLs."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from claims.filters import CompactSelectMultiple
from tests.factories import make_claim


def _chips(response) -> list[tuple[str, str, str]]:
    return [(c.label, c.value, c.remove_url) for c in response.context["chips"]]


def _status(response) -> str:
    html = response.content.decode()
    line = re.search(r'<p class="result-count" role="status">(.*?)</p>', html, re.S)
    assert line, "no result line"
    return unescape(re.sub(r"<[^>]+>", "", line.group(1))).strip()


def test_topics_and_entities_are_multiple_selects_in_the_form(client, public_registry):
    html = client.get(reverse("claims:claim-list")).content.decode()
    topic = re.search(r'<select name="topic"[^>]*>(.*?)</select>', html, re.S)
    entity = re.search(r'<select name="entity"[^>]*>(.*?)</select>', html, re.S)
    assert topic and "multiple" in topic.group(0)
    assert entity and "multiple" in entity.group(0)
    assert re.findall(r'<option value="([\w-]+)"', topic.group(1)) == ["energy", "military"]
    # Only entities of published claims: no draft's tags leak into the form.
    assert re.findall(r'<option value="([\w-]+)"', entity.group(1)) == [
        "ann-analyst",
        "lukoil",
        "russia",
    ]


def test_two_topics_chosen_in_the_form_narrow_to_claims_with_both(client, public_registry):
    response = client.get(reverse("claims:claim-list"), {"topic": ["energy", "military"]})
    assert [c.statement for c in response.context["object_list"]] == [
        "Azerbaijan kept a balance of power between the great powers."
    ]
    html = response.content.decode()
    assert re.search(r'<option value="energy" selected>', html)
    assert re.search(r'<option value="military" selected>', html)


def test_every_active_filter_has_a_chip_that_removes_only_it(client, public_registry):
    response = client.get(
        "/claims/?q=Lukoil&topic=energy&topic=military&date_from=2022&has_value=true"
    )
    chips = _chips(response)
    assert [(label, value) for label, value, _ in chips] == [
        ("Search", "Lukoil"),
        ("Topics", "Energy"),
        ("Topics", "Military"),
        ("From", "2022"),
        ("States a quantity", "Yes"),
    ]
    remove_military = parse_qs(urlsplit(chips[2][2]).query)
    assert remove_military == {
        "q": ["Lukoil"],
        "topic": ["energy"],
        "date_from": ["2022"],
        "has_value": ["true"],
    }
    remove_search = parse_qs(urlsplit(chips[0][2]).query)
    assert "q" not in remove_search
    assert remove_search["topic"] == ["energy", "military"]
    html = unescape(response.content.decode())
    for label, value, url in chips:
        assert f'href="{url}" aria-label="Remove {label}: {value}"' in html


def test_following_a_chip_drops_that_filter_from_the_results(client, public_registry):
    narrowed = client.get("/claims/?topic=energy&topic=military")
    assert len(narrowed.context["object_list"]) == 1
    wider = client.get("/claims/" + _chips(narrowed)[1][2])
    assert _chips(wider) == [("Topics", "Energy", "?")]
    assert len(wider.context["object_list"]) == 2


def test_the_result_line_names_the_filters(client, public_registry):
    response = client.get(
        "/claims/?topic=energy&date_from=2022&date_to=2023&q=Lukoil&entity=lukoil"
    )
    assert _status(response) == "1 claim on Energy, naming Lukoil, 2022–2023, matching “Lukoil”."
    assert _status(client.get("/claims/")) == "3 claims."
    assert _status(client.get("/claims/?date_to=2015")) == "1 claim up to 2015."
    assert _status(client.get("/claims/?relation=supports")) == ("2 claims with a “supports” link.")


def test_a_topic_page_names_its_topic_in_the_result_line(client, public_registry):
    response = client.get("/topics/energy/?date_from=2020")
    assert _status(response) == "1 claim on Energy, from 2020 on."
    # The page's own topic is part of its address, not a removable filter.
    assert _chips(response) == [("From", "2020", "?")]


def test_the_filters_control_counts_the_filters_in_use(client, public_registry):
    html = client.get("/claims/?topic=energy&date_from=2020&q=gas").content.decode()
    assert "<summary>Filters (3)</summary>" in html
    assert "<summary>Filters</summary>" in client.get("/claims/").content.decode()
    # The filters come before the results in the page, so a phone shows them first.
    assert html.index('class="filter-panel"') < html.index('aria-label="Claims"')


def test_an_invalid_filter_opens_the_panel_and_shows_no_chips(client, public_registry):
    response = client.get("/claims/?date_from=someday")
    html = response.content.decode()
    assert '<details class="filter-panel" open>' in html
    assert response.context["chips"] == []


@pytest.mark.parametrize(
    ("query", "clean"),
    [
        ("q=&topic=energy&source=&outlet=&sort=", "/claims/?topic=energy"),
        ("q=&source=", "/claims/"),
        ("topic=&topic=energy&per_page=", "/claims/?topic=energy"),
    ],
)
def test_a_submitted_form_leads_to_an_address_without_empty_parameters(
    client, public_registry, query, clean
):
    response = client.get(f"/claims/?{query}")
    assert response.status_code == 302
    assert response["Location"] == clean
    assert client.get(clean).status_code == 200


def test_the_timeline_drops_empty_parameters_too(client, public_registry):
    response = client.get("/timeline/?q=&date_from=2020")
    assert response.status_code == 302
    assert response["Location"] == "/timeline/?date_from=2020"


def test_past_its_limit_the_multiple_select_keeps_the_choice_and_takes_a_slug(
    client, public_registry, monkeypatch
):
    monkeypatch.setattr(CompactSelectMultiple, "limit", 1)
    html = client.get("/claims/?topic=energy").content.decode()
    assert '<select name="topic"' not in html
    assert '<input type="hidden" name="topic" value="energy">' in html
    box = re.search(r'<input type="text" name="topic"[^>]*>', html)
    assert box
    assert "add a topic&#x27;s slug" in box.group(0)
    assert "size=" not in box.group(0)


def test_search_shows_the_statement_once_when_only_the_statement_matches(client, db):
    claim = make_claim("Lukoil owns a fifth of Shah Deniz.", status="published")
    response = client.get("/claims/?q=fifth")
    results = re.search(r'<ul class="claims".*?</ul>', response.content.decode(), re.S)
    assert results
    assert results.group(0).count("fifth") == 1
    assert "a <mark>fifth</mark> of Shah Deniz" in results.group(0)
    assert 'class="snippet"' not in results.group(0)
    assert response.context["object_list"] == [claim]


def test_search_shows_an_excerpt_when_a_quote_matches_with_its_source(client, public_registry):
    response = client.get("/claims/?q=deteriorate")
    html = response.content.decode()
    quote = public_registry.decline.quotes.get()
    snippet = re.search(r'<p class="snippet">(.*?)</p>', html, re.S)
    assert snippet
    assert "Relations continue to <mark>deteriorate</mark> sharply." in snippet.group(1)
    assert f'href="/sources/beta/#q{quote.pk}">Beta article</a>, para. {quote.locator}' in (
        snippet.group(1)
    )


def _facet(response, name: str):
    return next(f for f in response.context["facets"] if f.name == name)


def test_a_topic_page_shows_its_topic_chosen_in_the_facets(client, public_registry):
    html = client.get("/topics/energy/").content.decode()
    # The page's own topic cannot be taken off its address: its link leaves for the list.
    assert '<a href="/claims/" aria-current="true" class="on">✓ Energy</a>' in html
    assert '<a href="?topic=military">Military</a>' in html


def test_an_entity_page_shows_its_entity_chosen_and_its_link_keeps_the_other_filters(
    client, public_registry
):
    response = client.get("/entities/lukoil/?date_from=2020")
    html = response.content.decode()
    assert '<a href="/claims/?date_from=2020" aria-current="true" class="on">✓ Lukoil</a>' in html
    chosen = [v.value for v in _facet(response, "entity").values if v.selected]
    assert chosen == ["lukoil"]


def test_a_cut_facet_says_so_and_its_more_link_shows_the_rest(client, public_registry):
    from tests.factories import make_entity

    many = [make_entity(f"entity-{n:02d}", name=f"Entity {n:02d}") for n in range(30)]
    public_registry.stake.entities.add(*many)
    response = client.get("/claims/?topic=energy")
    entities = _facet(response, "entity")
    assert len(entities.values) == 25
    assert entities.truncated
    html = response.content.decode()
    more = re.search(r'<a href="([^"]*)" aria-label="more entities">more…</a>', html)
    assert more is not None
    assert unescape(more.group(1)) == "?topic=energy&facet_size=max"
    assert html.count(">more…</a>") == 1  # the topics and claimants are not cut

    longer = client.get("/claims/" + unescape(more.group(1)))
    entities = _facet(longer, "entity")
    assert len(entities.values) == 32  # the 30, Lukoil and Russia
    assert not entities.truncated
    assert "more…" not in longer.content.decode()
    # The longer list keeps the filters: every count is of the energy claims.
    assert _status(longer) == _status(response)


def test_leaving_a_topic_page_by_its_facet_drops_the_topic_even_when_also_in_the_url(
    client, public_registry
):
    html = client.get("/topics/energy/?topic=energy&topic=military").content.decode()
    assert '<a href="/claims/?topic=military" aria-current="true" class="on">✓ Energy</a>' in html
