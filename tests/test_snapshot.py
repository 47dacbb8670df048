"""The public snapshot as a Frictionless Data Package: valid, public-only, streamed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import frictionless
import pytest

from claims import snapshot
from claims.models import Claim, RegistryState

PACKAGE = "/data/snapshot/datapackage.json"


def download(client, tmp_path: Path) -> dict:
    """The descriptor and every table it names, fetched as a client would, into tmp_path."""
    response = client.get(PACKAGE)
    assert response["Content-Type"] == "application/json"
    descriptor = response.json()
    (tmp_path / "datapackage.json").write_bytes(response.content)
    for resource in descriptor["resources"]:
        table = client.get(f"/data/snapshot/{resource['path']}")
        assert table.status_code == 200
        assert table["Content-Type"] == "text/csv; charset=utf-8"
        (tmp_path / resource["path"]).write_bytes(b"".join(table.streaming_content))
    return descriptor


def rows(folder: Path, name: str) -> list[dict]:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def assert_valid(path: Path) -> None:
    report = frictionless.validate(str(path))
    problems = report.flatten(["taskName", "rowNumber", "fieldName", "type", "note"])
    assert report.valid, problems[:20]


def test_the_small_registrys_snapshot_is_a_valid_data_package(client, public_registry, tmp_path):
    descriptor = download(client, tmp_path)
    assert_valid(tmp_path / "datapackage.json")
    assert descriptor["version"] == RegistryState.current()
    assert dt.datetime.fromisoformat(descriptor["created"]).tzinfo is not None
    assert [r["path"] for r in descriptor["resources"]] == [
        "claims.csv",
        "quotes.csv",
        "sources.csv",
        "links.csv",
        "topics.csv",
        "entities.csv",
        "claim_topics.csv",
        "claim_entities.csv",
        "claimants.csv",
    ]
    claims = {int(row["id"]): row for row in rows(tmp_path, "claims")}
    stake = claims[public_registry.stake.pk]
    assert stake["statement"] == "Lukoil owns a fifth of Shah Deniz."
    assert (stake["event_date"], stake["event_date_start"], stake["value"]) == (
        "2022-02-22",
        "2022-02-22",
        "20",
    )
    assert stake["url"] == f"http://testserver/claims/{stake['id']}/"
    decline = claims[public_registry.decline.pk]
    assert (decline["as_of_start"], decline["as_of_end"], decline["place"]) == (
        "2023",
        "2025-06",
        "russia",
    )
    links = {(r["from_claim_id"], r["relation"], r["to_claim_id"]) for r in rows(tmp_path, "links")}
    assert links == {
        (str(public_registry.stake.pk), "contradicts", str(public_registry.decline.pk)),
        (str(public_registry.balance.pk), "supports", str(public_registry.stake.pk)),
    }


def test_the_curated_registrys_snapshot_is_valid_and_its_quotes_verbatim(
    client, curated_registry, tmp_path
):
    download(client, tmp_path)
    assert_valid(tmp_path / "datapackage.json")
    texts = {row["slug"]: row["text"] for row in rows(tmp_path, "sources")}
    quotes = rows(tmp_path, "quotes")
    assert len(quotes) == 374 and len(rows(tmp_path, "claims")) == 272
    for quote in quotes:
        start, end = int(quote["start"]), int(quote["end"])
        assert texts[quote["source"]][start:end] == quote["exact"], quote["id"]


def test_no_draft_or_review_or_retracted_claim_reaches_any_table(client, public_registry, tmp_path):
    from tests.factories import make_claim, make_entity, make_source, make_topic

    secret = make_source(slug="secret-source", title="Secret source", text="Secret text here.")
    draft = make_claim(
        "A draft about secret talks.",
        topics=[make_topic("secret-talks", name="Secret talks")],
        entities=[make_entity("hidden-envoy", name="Hidden Envoy")],
    )
    draft.quotes.create(source=secret, exact="Secret text", start=0, end=11)
    download(client, tmp_path)
    everything = "".join(p.read_text(encoding="utf-8") for p in tmp_path.iterdir())
    hidden = [public_registry.claims[name].statement for name in ("draft", "review", "retracted")]
    hidden += ["Secret talks", "secret-talks", "Hidden Envoy", "Secret source", "Secret text"]
    for text in hidden:
        assert text not in everything, text
    quotes = {row["exact"] for row in rows(tmp_path, "quotes")}
    assert "Shah Deniz" not in quotes  # the draft's quote of a public source
    assert "Links to a draft claim." not in everything


def test_the_zip_bundles_the_same_valid_package(client, public_registry, tmp_path):
    response = client.get("/data/snapshot.zip")
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="factreg-snapshot-')
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        archive.extractall(tmp_path)
    assert_valid(tmp_path / "datapackage.json")
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    assert descriptor["version"] == RegistryState.current()
    separately = tmp_path / "separately"
    separately.mkdir()
    download(client, separately)
    for resource in descriptor["resources"]:
        path = resource["path"]
        assert (tmp_path / path).read_bytes() == (separately / path).read_bytes(), path


def test_each_csv_header_is_its_schemas_fields(client, public_registry):
    descriptor = client.get(PACKAGE).json()
    for resource in descriptor["resources"]:
        text = b"".join(client.get(f"/data/snapshot/{resource['path']}").streaming_content)
        header = next(csv.reader(io.StringIO(text.decode())))
        assert header == [f["name"] for f in resource["schema"]["fields"]], resource["name"]
        assert all(f["description"] for f in resource["schema"]["fields"])


def test_an_unknown_table_is_404(client, public_registry):
    assert client.get("/data/snapshot/users.csv").status_code == 404


@pytest.mark.parametrize("table", list(snapshot.TABLES))
def test_each_table_costs_a_fixed_number_of_queries(
    client, large_registry, django_assert_max_num_queries, table
):
    from claims.models import Attribution

    entity = large_registry.entities[0]
    Attribution.objects.bulk_create(
        Attribution(claim=claim, entity=entity) for claim in large_registry.claims[:50]
    )
    # The database's ping, then the rows: on PostgreSQL in a transaction of their own (in
    # a test, a savepoint and its release), so that the server-side cursor streams.
    with django_assert_max_num_queries(4):
        response = client.get(f"/data/snapshot/{table}.csv")
        body = b"".join(response.streaming_content)
    assert len(list(csv.reader(io.StringIO(body.decode())))) > 5  # the header and its rows


def test_the_tables_stream_in_chunks(public_registry):
    chunks = list(snapshot.table_text(snapshot.CLAIMS, base_url="http://testserver", chunk_size=2))
    assert len(chunks) == 3  # the header, then two chunks of at most two claims
    assert Claim.objects.published().count() == 3


def test_the_zip_is_read_in_one_transaction_of_its_own(
    client, transactional_db, public_registry, tmp_path
):
    # Outside a test's transaction, as in production: on PostgreSQL the zip then reads
    # every table from one REPEATABLE READ snapshot.
    response = client.get("/data/snapshot.zip")
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        archive.extractall(tmp_path)
    assert_valid(tmp_path / "datapackage.json")
    assert len(rows(tmp_path, "claims")) == 3
