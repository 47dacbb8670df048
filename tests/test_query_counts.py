"""Every public page runs a bounded number of queries, however many rows it shows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# (url, most queries). Measured: the same on SQLite and PostgreSQL.
PAGES = [
    ("/", 10),
    ("/claims/", 7),
    ("/claims/?per_page=100", 7),
    ("/claims/?q=gas&topic=topic-1&date_from=2001", 8),
    ("/claims/?relation=contradicts&entity=entity-3", 8),
    ("/contradictions/?per_page=100", 9),
    ("/sources/", 1),
    ("/sources/bulk-1/", 10),
    ("/topics/topic-2/?per_page=100", 8),
    ("/entities/entity-4/", 8),
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
    claim = large_registry["claims"][1]
    with django_assert_max_num_queries(9):
        assert client.get(claim.get_absolute_url()).status_code == 200


def test_list_queries_do_not_grow_with_the_page_size(client, large_registry):
    assert _count(client, "/claims/?per_page=5") == _count(client, "/claims/?per_page=100")
    assert _count(client, "/contradictions/?per_page=5") == _count(
        client, "/contradictions/?per_page=100"
    )
