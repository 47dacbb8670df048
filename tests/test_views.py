from __future__ import annotations

import pytest
from django.urls import reverse

from claims.models import Claim


def _facet(response, name: str) -> list[tuple[str, int]]:
    """The facet `name` of a claim list as (value, count) pairs, in the page's order."""
    facet = next(f for f in response.context["facets"] if f.name == name)
    return [(v.value, v.count) for v in facet.values]


def _statements(response) -> list[str]:
    return [claim.statement for claim in response.context["object_list"]]


def test_overview_shows_counts_topics_newest_and_most_contested(client, public_registry):
    response = client.get(reverse("claims:overview"))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["claim_count"] == 3
    assert response.context["contradiction_count"] == 1
    assert [(t.slug, t.claim_count) for t in response.context["topics"]] == [
        ("energy", 2),
        ("military", 2),
    ]
    assert [c.pk for c in response.context["contested"]] == [
        public_registry.decline.pk,
        public_registry.stake.pk,
    ]
    assert "A draft about Lukoil" not in html
    assert 'role="search"' in html


def test_claim_list_shows_only_published_claims_newest_first(client, public_registry):
    response = client.get(reverse("claims:claim-list"))
    assert _statements(response) == [
        "Relations between Azerbaijan and Russia are deteriorating.",
        "Lukoil owns a fifth of Shah Deniz.",
        "Azerbaijan kept a balance of power between the great powers.",
    ]


def test_claim_rows_show_date_topics_sources_and_contradiction_badges(client, public_registry):
    html = client.get(reverse("claims:claim-list")).content.decode()
    assert '<time datetime="2022-02-22">2022-02-22</time>' in html
    assert '<time datetime="2023-10">2023-10</time>' in html
    assert "1 contradiction</span>" in html
    assert '<a href="/sources/alpha/">Alpha article</a>' in html
    assert '<a class="tag" href="/topics/energy/">Energy</a>' in html


def test_links_to_unpublished_claims_are_not_counted(client, public_registry):
    response = client.get(reverse("claims:claim-list"))
    stake = next(c for c in response.context["object_list"] if c.pk == public_registry.stake.pk)
    assert (stake.contradiction_count, stake.public_link_count) == (1, 2)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"topic": "energy"}, {"stake", "balance"}),
        ({"topic": ["energy", "military"]}, {"balance"}),
        ({"entity": "russia"}, {"decline", "balance"}),
        ({"entity": ["russia", "lukoil"]}, set()),
        ({"source": "alpha"}, {"stake"}),
        ({"outlet": "outlet b"}, {"decline", "balance"}),
        ({"date_from": "2022"}, {"stake", "decline"}),
        ({"date_from": "2022-03"}, {"decline"}),
        ({"date_to": "2022-02"}, {"stake", "balance"}),
        ({"date_to": "2022-02-21"}, {"balance"}),
        ({"date_from": "2010", "date_to": "2010"}, {"balance"}),
        ({"relation": "contradicts"}, {"stake", "decline"}),
        ({"relation": "supports"}, {"stake", "balance"}),
        ({"relation": "qualifies"}, set()),
        ({"has_value": "true"}, {"stake"}),
        ({"has_value": "false"}, {"decline", "balance"}),
        ({"q": "Shah Deniz"}, {"stake"}),
        ({"topic": "energy", "date_from": "2020", "q": "Lukoil"}, {"stake"}),
        ({"entity": "russia", "source": "beta", "relation": "contradicts"}, {"decline"}),
    ],
)
def test_claim_list_filters(client, public_registry, params, expected):
    response = client.get(reverse("claims:claim-list"), params)
    assert response.status_code == 200
    assert response.context["filter"].is_valid()
    shown = response.context["object_list"]
    found = {name for name, claim in public_registry.claims.items() if claim in shown}
    assert found == expected


def test_sort_orders_oldest_first_and_by_relevance(client, public_registry):
    oldest = client.get(reverse("claims:claim-list"), {"sort": "oldest"})
    assert _statements(oldest)[0] == "Azerbaijan kept a balance of power between the great powers."
    relevant = client.get(reverse("claims:claim-list"), {"q": "Azerbaijan"})
    assert relevant.context["filter"].clean_sort() == "relevance"


def test_facet_counts_follow_the_current_filter(client, public_registry):
    response = client.get(reverse("claims:claim-list"), {"entity": "russia"})
    assert _facet(response, "topic") == [("military", 2), ("energy", 1)]
    assert _facet(response, "entity") == [("russia", 2)]


def test_facet_links_toggle_their_value_and_keep_other_filters(client, public_registry):
    html = client.get(
        reverse("claims:claim-list"), {"entity": "russia", "topic": "energy", "page": "1"}
    ).content.decode()
    assert 'href="?entity=russia&amp;topic=energy&amp;topic=military"' in html
    assert 'href="?entity=russia" aria-current="true"' in html
    assert 'href="?topic=energy" aria-current="true"' in html


def test_pagination_uses_page_and_page_size_from_the_url(client, public_registry):
    response = client.get(reverse("claims:claim-list"), {"per_page": "2", "page": "2"})
    assert response.context["paginator"].num_pages == 2
    assert _statements(response) == ["Azerbaijan kept a balance of power between the great powers."]
    assert 'href="?per_page=2&amp;page=1"' in response.content.decode()


def test_claim_page_shows_statement_facts_quotes_in_context_and_citation(client, public_registry):
    stake = public_registry.stake
    response = client.get(stake.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Lukoil owns a fifth of Shah Deniz.</h1>" in html
    assert "20 percent" in html
    assert '<a class="tag" href="/entities/lukoil/">Lukoil</a>' in html
    assert "<mark>Lukoil currently owns 20 % of Azerbaijan’s largest gas field</mark>" in html
    assert '<span class="context">, Shah Deniz.\nThe relationship between Baku' in html
    # The quote's citation, its "para. 1" a link to that paragraph of the source page.
    assert (
        'Ann Author, “Alpha article”, Outlet A, 2023, <a href="/sources/alpha/#p1">para. 1</a>'
        in (html)
    )
    assert f"http://testserver/claims/{stake.pk}/" in html
    assert "Last changed" in html


def test_claim_page_groups_links_and_hides_unpublished_partners(client, public_registry):
    stake = public_registry.stake
    response = client.get(stake.get_absolute_url())
    groups = {
        label: [link.other.pk for link in links] for label, links in response.context["link_groups"]
    }
    assert groups == {
        "Contradicts": [public_registry.decline.pk],
        "Supported by": [public_registry.balance.pk],
    }
    html = response.content.decode()
    assert "One sees a stake, the other a decline." in html
    assert "Links to a retracted claim." not in html
    assert f'href="/sources/beta/#q{public_registry.decline.quotes.get().pk}"' in html


def test_symmetric_link_reads_the_same_from_the_other_claim(client, public_registry):
    response = client.get(public_registry.decline.get_absolute_url())
    labels = [label for label, _ in response.context["link_groups"]]
    assert labels == ["Contradicts"]


@pytest.mark.parametrize("status", ["draft", "review"])
def test_unpublished_claims_have_no_public_page(client, public_registry, status):
    claim = public_registry.claims[status]
    assert client.get(claim.get_absolute_url()).status_code == 404


def test_retracted_claim_shows_a_notice(client, public_registry):
    response = client.get(public_registry.retracted.get_absolute_url())
    assert response.status_code == 200
    assert "<strong>Retracted.</strong> The editors have withdrawn this claim" in (
        response.content.decode()
    )


def test_source_list_counts_published_claims(client, public_registry):
    response = client.get(reverse("claims:source-list"))
    counts = {source.slug: source.claim_count for source in response.context["object_list"]}
    assert counts == {"alpha": 1, "beta": 2}


def test_reading_view_highlights_published_quotes_only(client, public_registry):
    alpha = public_registry.alpha
    response = client.get(alpha.get_absolute_url())
    html = response.content.decode()
    quote = public_registry.stake.quotes.get()
    assert (
        f'<mark id="q{quote.pk}"><a href="/claims/{public_registry.stake.pk}/" '
        f'title="Lukoil owns a fifth of Shah Deniz.">'
        "Lukoil currently owns 20 % of Azerbaijan’s largest gas field</a></mark>"
    ) in html
    assert html.count("<mark") == 1
    assert [c.pk for c in response.context["claims"]] == [public_registry.stake.pk]


def test_reading_view_groups_disagreements_by_the_other_source(client, public_registry):
    response = client.get(public_registry.alpha.get_absolute_url())
    ((other, links),) = response.context["disagreements"]
    assert other.slug == "beta"
    assert [link.pk for link in links] == [public_registry.contradiction.pk]
    assert "Where other sources disagree" in response.content.decode()


def test_contradictions_page_shows_pairs_side_by_side(client, public_registry):
    response = client.get(reverse("claims:contradiction-list"))
    html = response.content.decode()
    assert [link.pk for link in response.context["object_list"]] == [
        public_registry.contradiction.pk
    ]
    assert html.count('class="side"') == 2
    assert "One sees a stake, the other a decline." in html


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"topic": "military"}, 1),
        ({"topic": "energy"}, 1),
        ({"entity": "lukoil"}, 1),
        ({"source": "beta"}, 1),
        ({"source": "alpha", "topic": "energy"}, 1),
        ({"entity": "lukoil", "topic": "military"}, 1),
    ],
)
def test_contradictions_filter_by_either_side(client, public_registry, params, count):
    response = client.get(reverse("claims:contradiction-list"), params)
    assert response.context["paginator"].count == count


def test_contradictions_filter_can_match_nothing(client, public_registry, db):
    from tests.factories import make_claim, make_topic

    # A public topic without contradictions (a topic no published claim uses is not
    # a valid choice at all).
    make_claim("Nothing contested here.", topics=[make_topic("history")], status="published")
    response = client.get(reverse("claims:contradiction-list"), {"topic": "history"})
    assert response.context["paginator"].count == 0
    assert "No contradictions match these filters." in response.content.decode()


def test_topic_page_shows_description_and_its_claims(client, public_registry):
    response = client.get(reverse("claims:topic-detail", args=["energy"]))
    html = response.content.decode()
    assert "Oil and gas." in html
    assert set(_statements(response)) == {
        "Lukoil owns a fifth of Shah Deniz.",
        "Azerbaijan kept a balance of power between the great powers.",
    }


def test_topic_page_accepts_the_list_filters(client, public_registry):
    response = client.get(reverse("claims:topic-detail", args=["energy"]), {"date_from": "2020"})
    assert _statements(response) == ["Lukoil owns a fifth of Shah Deniz."]


def test_entity_page_shows_kind_and_its_claims(client, public_registry):
    response = client.get(reverse("claims:entity-detail", args=["lukoil"]))
    assert "Company" in response.content.decode()
    assert _statements(response) == ["Lukoil owns a fifth of Shah Deniz."]


@pytest.mark.parametrize("name", ["claims:topic-detail", "claims:entity-detail"])
def test_unknown_topic_or_entity_is_404(client, public_registry, name):
    assert client.get(reverse(name, args=["no-such-thing"])).status_code == 404


def test_pages_use_no_external_assets(client, public_registry):
    for url in ["/", "/claims/", "/sources/alpha/", "/contradictions/", "/timeline/"]:
        html = client.get(url).content.decode()
        assert "https://" not in html.replace("https://testserver", ""), url
        assert "<script" not in html, url


def test_admin_links_to_public_pages(client, public_registry, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "r@example.org", "x")
    client.force_login(admin)
    html = client.get(reverse("admin:claims_claim_changelist")).content.decode()
    assert f'<a href="/claims/{public_registry.stake.pk}/">view</a>' in html
    html = client.get(reverse("admin:claims_source_changelist")).content.decode()
    assert '<a href="/sources/alpha/">view</a>' in html


def test_the_source_filter_is_a_list_while_short_and_a_slug_box_when_long(client, public_registry):
    from claims.filters import CompactSelect
    from claims.models import Quote, Source
    from claims.seeds import sha256

    page = client.get("/claims/").content.decode()
    assert '<select name="source"' in page
    assert '<option value="alpha">Alpha article</option>' in page

    claim = Claim.objects.get(pk=public_registry.stake.pk)
    text = "Lukoil holds a stake.\n"
    sources = Source.objects.bulk_create(
        Source(slug=f"many-{n}", title=f"Many {n}", text=text, text_sha256=sha256(text))
        for n in range(CompactSelect.limit)
    )
    Quote.objects.bulk_create(
        Quote(claim=claim, source=s, exact="Lukoil", start=0, end=6) for s in sources
    )
    page = client.get("/claims/", {"source": "many-7"}).content.decode()
    assert '<select name="source"' not in page
    assert 'name="source" value="many-7"' in page
    assert "Lukoil owns a fifth of Shah Deniz." in page  # the filter still applies
    assert len(page) < 60_000


def test_every_page_of_the_list_holds_the_next_claims_in_order_down_to_the_last(
    client, large_registry
):

    Claim.objects.filter(pk__in=[c.pk for c in large_registry.claims[:3]]).update(
        event_date=None, event_date_precision="unknown"
    )
    claims = list(Claim.objects.filter(status="published").values_list("pk", "event_date"))
    dated = sorted((c for c in claims if c[1]), key=lambda c: (c[1], c[0]), reverse=True)
    undated = sorted((c for c in claims if not c[1]), reverse=True)
    expected = [pk for pk, _ in dated + undated]
    seen = []
    for number in range(1, 37):  # 250 claims, 7 a page: the last page holds 5
        response = client.get(f"/claims/?per_page=7&page={number}")
        seen += [claim.pk for claim in response.context["object_list"]]
    assert len(response.context["object_list"]) == 5
    assert seen == expected


def test_a_deep_page_of_search_results_follows_the_chosen_order(client, large_registry):

    oldest = sorted(Claim.objects.filter(status="published").values_list("event_date", "pk"))
    response = client.get("/claims/?q=gas&sort=oldest&per_page=10&page=20")
    assert [c.pk for c in response.context["object_list"]] == [pk for _, pk in oldest[190:200]]
    assert all(c.snippet for c in response.context["object_list"])


def test_a_claim_page_comes_from_the_cache_until_the_registry_changes(
    client, public_registry, django_assert_num_queries
):
    claim = public_registry.stake
    url = claim.get_absolute_url()
    first = client.get(url).content
    with django_assert_num_queries(1):  # only the registry's generation
        assert client.get(url).content == first
    claim.statement = "Lukoil owns a fifth of the Shah Deniz field."
    claim.save()
    assert "a fifth of the Shah Deniz field." in client.get(url).content.decode()


def test_a_page_that_was_not_found_is_found_once_its_claim_is_published(client, public_registry):

    claim = public_registry.review
    url = claim.get_absolute_url()
    assert client.get(url).status_code == 404
    claim.status = Claim.Status.PUBLISHED
    claim.save()
    assert client.get(url).status_code == 200


def test_the_filter_form_and_facets_follow_a_change_to_the_registry(client, public_registry):
    from tests.factories import make_topic

    first = client.get("/claims/").content.decode()
    assert "Shipping" not in first
    topic = make_topic("shipping", name="Shipping")
    public_registry.stake.topics.add(topic)
    assert "Shipping" in client.get("/claims/").content.decode()


def test_blank_metadata_reads_the_same_in_the_source_list_and_on_the_source_page(
    client, public_registry
):
    not_stated = '<span class="muted">Not stated</span>'
    listing = client.get(reverse("claims:source-list")).content.decode()
    beta_row = next(line for line in listing.splitlines() if "Beta article" in line)
    assert beta_row.count(not_stated) == 2  # author and date; its outlet is given
    assert "—" not in beta_row
    page = client.get(reverse("claims:source-detail", args=["beta"])).content.decode()
    assert f"<dt>Author</dt><dd>{not_stated}</dd>" in page
    assert f"<dt>Published</dt><dd>{not_stated}" in page
