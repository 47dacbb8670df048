from __future__ import annotations

import hashlib
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.models import Quote, Source, Topic
from claims.seeds import sha256
from tests.factories import make_claim, make_entity, make_link, make_quote, make_source, make_topic


def _edit_text(source: Source, new_text: str) -> None:
    Source.objects.filter(pk=source.pk).update(text=new_text, text_sha256=sha256(new_text))


def test_check_quotes_reports_exact_moved_and_orphaned_and_deletes_nothing(db, capsys):
    source = make_source(text="Alpha beta gamma. Delta epsilon. Zeta eta theta.")
    stays = make_quote(make_claim(), source, "Alpha beta")
    moves = make_quote(make_claim(), source, "Delta epsilon")
    lost = make_quote(make_claim(), source, "Zeta eta")
    _edit_text(source, "Alpha beta gamma. NEW WORDS. Delta epsilon. Theta.")

    with pytest.raises(CommandError, match="1 orphaned quote"):
        call_command("check_quotes")

    out = capsys.readouterr().out
    assert "1 exact, 1 moved, 1 orphaned" in out
    assert f"orphaned: quote #{lost.pk}" in out
    assert Quote.objects.count() == 3
    moves.refresh_from_db()
    assert moves.start == source.text.index("Delta") + len("NEW WORDS. ")
    assert Source.objects.get().text[moves.start : moves.end] == "Delta epsilon"
    stays.refresh_from_db()
    assert stays.start == 0


def test_check_quotes_gives_a_published_claim_with_a_moved_quote_a_new_citable_version(db, capsys):
    from claims import services

    source = make_source(text="Alpha beta gamma. Delta epsilon.")
    claim = make_claim("A published claim.", status="published")
    make_quote(claim, source, "Delta epsilon")
    services.record_public_version(claim=claim)
    assert [v.number for v in claim.public_versions.all()] == [1]
    _edit_text(source, "Alpha beta gamma. NEW WORDS. Delta epsilon.")

    call_command("check_quotes")

    newest = claim.public_versions.order_by("-number").first()
    assert newest.number == 2
    assert newest.content["quotes"][0]["start"] == len("Alpha beta gamma. NEW WORDS. ")
    assert newest.content["quotes"][0]["exact"] == "Delta epsilon"


def test_check_quotes_dry_run_changes_nothing(db, capsys):
    source = make_source(text="Alpha beta gamma.")
    quote = make_quote(make_claim(), source, "beta")
    _edit_text(source, "New. Alpha beta gamma.")
    call_command("check_quotes", "--dry-run")
    assert "1 moved" in capsys.readouterr().out
    assert Quote.objects.get().start == quote.start


def test_check_quotes_passes_when_every_quote_is_exact(db, capsys):
    make_quote(make_claim(), make_source(), "Lukoil currently owns")
    call_command("check_quotes")
    assert "1 exact, 0 moved, 0 orphaned" in capsys.readouterr().out


@pytest.fixture
def small_registry(seeded):
    source = Source.objects.get(slug="avdaliani-2020-ties-face-challenges")
    energy, russia = make_topic("energy"), make_entity("russia")
    a = make_claim(
        "Only two servicemen went.",
        topics=[energy],
        entities=[russia],
        status="published",
        value=2,
        unit="servicemen",
    )
    b = make_claim("Another claim.", topics=[energy])
    quote = make_quote(a, source, "Only two servicemen will be sent as observers.")
    make_link(a, b, "contradicts", rationale="They disagree on the number.")
    return source, a, b, quote


def test_registry_report_json_has_the_documented_shape(small_registry, capsys):
    source, a, b, quote = small_registry
    call_command("registry_report", "--json")
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"counts", "sources", "claims", "quotes", "links"}
    assert report["counts"]["claims"] == 2
    assert report["counts"]["links_by_relation"]["contradicts"] == 1
    row = next(s for s in report["sources"] if s["slug"] == source.slug)
    assert set(row) == {
        "slug",
        "title",
        "author",
        "outlet",
        "published",
        "seed_file",
        "seed_start",
        "seed_end",
        "origin",
        "coverage",
    }
    assert set(row["coverage"]) == {"candidates", "claimed", "dismissed", "open", "share"}
    assert row["published"] == "2020-09-15"
    raw = (settings.SEEDS_DIR / row["seed_file"]).read_bytes()
    assert row["origin"]["kind"] == "seed"
    assert row["origin"]["sha256"] == hashlib.sha256(raw).hexdigest()
    assert row["origin"]["size"] == len(raw)
    assert (row["origin"]["media_type"], row["origin"]["extractor"]) == (
        "text/plain",
        "factreg seed manifest",
    )
    assert report["claims"][0] == {
        "id": a.pk,
        "status": "published",
        "statement": "Only two servicemen went.",
        "event_date": None,
        "topics": ["energy"],
        "entities": ["russia"],
        "value": 2.0,
        "unit": "servicemen",
    }
    assert report["quotes"] == [
        {
            "id": quote.pk,
            "claim": a.pk,
            "source": source.slug,
            "seed_file": source.seed_file,
            "seed_start": source.seed_start + quote.start,
            "seed_end": source.seed_start + quote.end,
            "start": quote.start,
            "end": quote.end,
            "exact": quote.exact,
            "verbatim": True,
        }
    ]
    assert report["links"] == [
        {
            "from": a.pk,
            "to": b.pk,
            "relation": "contradicts",
            "rationale": "They disagree on the number.",
        }
    ]


def test_report_quote_offsets_point_into_the_raw_seed_file(small_registry, capsys):
    from django.conf import settings

    from claims.seeds import read_seed

    call_command("registry_report", "--json")
    (row,) = json.loads(capsys.readouterr().out)["quotes"]
    raw = read_seed(settings.SEEDS_DIR / row["seed_file"])
    assert raw[row["seed_start"] : row["seed_end"]] == row["exact"]


def test_registry_report_prints_a_readable_summary(small_registry, capsys):
    call_command("registry_report")
    out = capsys.readouterr().out
    assert "13 sources, 1 topics, 1 entities, 2 claims, 1 quotes, 1 links" in out
    assert "contradicts 1" in out
    assert "avdaliani-2020-ties-face-challenges (Emil Avdaliani" in out


def test_load_fixtures_fills_an_empty_registry_once_and_never_overwrites_edits(
    db, tmp_path, capsys
):
    fixture = tmp_path / "topics.json"
    fixture.write_text(
        '[{"model": "claims.topic", "fields": {"name": "Energy", "slug": "energy",'
        ' "description": "Oil and gas."}}]',
        encoding="utf-8",
    )
    call_command("load_fixtures", "--dir", str(tmp_path))
    topic = Topic.objects.get(slug="energy")
    topic.description = "Edited by an editor."
    topic.save()

    call_command("load_fixtures", "--dir", str(tmp_path))

    assert "fixtures not loaded" in capsys.readouterr().out
    assert Topic.objects.get().description == "Edited by an editor."


def test_load_fixtures_without_files_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match="No fixtures"):
        call_command("load_fixtures", "--dir", str(tmp_path))
