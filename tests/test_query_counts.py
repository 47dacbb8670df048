"""Every public page runs a bounded number of queries, however many rows it shows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# (url, most queries) with nothing cached yet. Measured: the same on SQLite and
# PostgreSQL. Claim lists read the registry's generation once (the key of their
# cached counts), then count and facet; the overview reads its topic counts the
# same way and caches which claims are most contested, and the source list is
# paginated (a count, then a page). Pages served from the page cache
# (views.RegistryCachedPage) read the generation first: one more query when built.
# A page of claims is read in two steps (its
# keys, then its rows), so the last page costs what the first does. Claim rows
# read their claimants in one more query, and lists count a third facet (claimants).
# The filter form of a claim list offers the topics and the entities (one query each).
PAGES = [
    ("/", 14),
    ("/claims/", 13),
    ("/claims/?per_page=100", 13),
    ("/claims/?q=gas&topic=topic-1&date_from=2001", 14),
    ("/claims/?relation=contradicts&entity=entity-3", 14),
    ("/contradictions/?per_page=100", 10),
    ("/sources/", 3),
    ("/sources/bulk-1/", 12),
    ("/topics/topic-2/?per_page=100", 14),
    ("/entities/entity-4/", 16),  # and the claims it is the claimant of, and set in
]


@pytest.mark.parametrize(("url", "most"), PAGES)
def test_page_query_count_is_bounded_on_a_large_registry(
    client, large_registry, django_assert_max_num_queries, url, most
):
    with django_assert_max_num_queries(most):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.content) > 2000


def test_claim_page_query_count_is_bounded(client, large_registry, django_assert_max_num_queries):
    claim = large_registry.claims[1]
    with django_assert_max_num_queries(12):  # 11, and its list of versions
        response = client.get(claim.get_absolute_url())
    assert response.status_code == 200
    # The cap holds for the whole page: the claim, its evidence and its links are on it.
    text = response.content.decode()
    assert escape(claim.statement) in text
    quotes = [quote.exact for quote in claim.quotes.all()]
    assert quotes
    assert all(escape(exact) in text for exact in quotes)


def test_list_queries_do_not_grow_with_the_page_size(client, large_registry):
    from django.core.cache import cache

    small = _count(client, "/claims/?per_page=5")
    cache.clear()  # the second list would reuse the first one's cached counts
    assert small == _count(client, "/claims/?per_page=100")
    assert _count(client, "/contradictions/?per_page=5") == _count(
        client, "/contradictions/?per_page=100"
    )


def test_a_repeated_list_reuses_its_cached_counts(client, large_registry):
    url = "/claims/?topic=topic-1"
    # The count, three facets and the filter form (whose source, topic and entity
    # choices are a query each).
    assert _count(client, url) - _count(client, url) == 7


def test_cached_counts_change_with_the_very_next_publish(client, large_registry):
    from claims.models import Claim

    def shown(url: str) -> tuple[int, int]:
        response = client.get(url)
        topics = next(f for f in response.context["facets"] if f.name == "topic")
        energy = next(v for v in topics.values if v.value == "topic-1")
        return response.context["paginator"].count, energy.count

    url = "/claims/?topic=topic-1"
    before = shown(url)
    assert shown(url) == before  # now from the cache
    claim = Claim.objects.filter(topics__slug="topic-1").first()
    claim.status = Claim.Status.DRAFT
    claim.save()
    assert shown(url) == (before[0] - 1, before[1] - 1)
    claim.topics.remove(claim.topics.get(slug="topic-1"))
    claim.status = Claim.Status.PUBLISHED
    claim.save()
    assert shown(url) == (before[0] - 1, before[1] - 1)  # published, but no longer tagged


def test_the_overview_shows_a_new_contradiction_at_once(client, public_registry):
    from tests.factories import make_link

    def contested() -> list[int]:
        return [c.pk for c in client.get("/").context["contested"]]

    assert set(contested()) == {public_registry.stake.pk, public_registry.decline.pk}
    make_link(
        public_registry.balance,
        public_registry.decline,
        "contradicts",
        rationale="Balance against decline.",
    )
    shown = contested()
    assert shown[0] == public_registry.decline.pk  # now with two contradictions
    assert public_registry.balance.pk in shown
