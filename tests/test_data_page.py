"""The public Data & API page: every export explained, with examples that work."""

from __future__ import annotations

import html
import json
import re

from claims import exports, snapshot
from claims.dataviews import CITATION_COLUMNS

MAIN = re.compile(r"<main[^>]*>(.*)</main>", re.S)


def page_text(client) -> str:
    response = client.get("/data/")
    assert response.status_code == 200
    return MAIN.search(response.content.decode()).group(1)


def test_every_citation_column_in_the_code_is_listed_and_explained(client, public_registry):
    assert set(CITATION_COLUMNS) == set(exports.HEADER)  # a new column needs its note here
    text = page_text(client)
    listed = re.findall(r"<dt><code>([a-z_]+)</code></dt><dd>([^<]+)</dd>", text)
    assert [name for name, _ in listed[: len(exports.HEADER)]] == exports.HEADER
    assert all(note.strip() for _, note in listed)


def test_every_snapshot_table_and_column_is_listed(client, public_registry):
    text = page_text(client)
    for table in snapshot.TABLES.values():
        assert f'href="/data/snapshot/{table.path}"' in text
        for column in table.columns:
            assert f"<dt><code>{column.name}</code> <small>({column.type})</small></dt>" in text


def test_the_page_explains_every_export_and_each_example_link_answers(client, public_registry):
    text = page_text(client)
    for heading in (
        "Citations as CSV",
        "Sources as RIS, BibTeX and CSL-JSON",
        "JSON API",
        "Web Annotations",
        "Atom feeds",
        "The whole registry as a data package",
        "Linked data on claim pages",
    ):
        assert f">{heading}</h2>" in text
    links = {html.unescape(href) for href in re.findall(r'href="(/[^"#]*)"', text)}
    assert {
        "/claims/export.csv?topic=energy",
        "/api/openapi.json",
        "/api/annotations/?source=alpha",
        "/feeds/claims.atom",
        "/topics/energy/feed.atom",
        "/data/snapshot/datapackage.json",
        "/data/snapshot.zip",
    } <= links
    for href in sorted(links):
        assert client.get(href).status_code == 200, href


def test_the_example_response_is_the_apis_real_answer(client, public_registry):
    text = page_text(client)
    (example,) = re.findall(r'<pre class="example"[^>]*><code>(.*?)</code></pre>', text, re.S)
    claim = public_registry.stake  # the first published claim
    assert f"<code>GET /api/claims/{claim.pk}/</code> answers:" in text
    assert json.loads(html.unescape(example)) == client.get(f"/api/claims/{claim.pk}/").json()


def test_the_footer_and_the_download_area_link_to_the_page(client, public_registry):
    assert '<a href="/data/">Data &amp; API</a>' in client.get("/").content.decode()
    listing = client.get("/claims/").content.decode()
    assert '<a href="/data/">All data &amp; the API</a>' in listing


def test_an_empty_registry_still_has_a_data_page(client, db):
    text = page_text(client)
    assert "Example response" not in text
    assert "/data/snapshot/datapackage.json" in text


def test_the_data_page_costs_a_fixed_number_of_queries(
    client, large_registry, django_assert_max_num_queries
):
    with django_assert_max_num_queries(11):
        assert client.get("/data/").status_code == 200
    with django_assert_max_num_queries(1):  # then from the page cache
        assert client.get("/data/").status_code == 200
