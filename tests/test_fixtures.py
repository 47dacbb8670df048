"""The curated registry in fixtures/: integrity and the curation targets."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.core.management import call_command

from claims import services
from claims.models import Claim, ClaimLink, PairDismissal, Quote, Source
from claims.seeds import load_manifest, read_seed

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "fixtures").glob("*.json"))
SEEDS = {seed.slug: seed for seed in load_manifest(ROOT / "seeds")}
ROWS = [row for path in FIXTURES for row in json.loads(path.read_text(encoding="utf-8"))]


def _rows(model: str) -> list[dict]:
    return [row for row in ROWS if row["model"] == f"claims.{model}"]


def test_there_are_fixtures():
    assert FIXTURES
    assert _rows("claim")


def test_every_fixture_quote_equals_its_source_text_and_raw_seed_at_its_offsets():
    for row in _rows("quote"):
        quote = row["fields"]
        (slug,) = quote["source"]
        seed = SEEDS[slug]
        assert seed.text[quote["start"] : quote["end"]] == quote["exact"], row["pk"]
        raw = read_seed(ROOT / "seeds" / seed.seed_file)
        start = seed.seed_start + quote["start"]
        assert raw[start : start + len(quote["exact"])] == quote["exact"], row["pk"]
        prefix_start = max(0, quote["start"] - 32)
        assert quote["prefix"] == seed.text[prefix_start : quote["start"]], row["pk"]
        assert quote["suffix"] == seed.text[quote["end"] : quote["end"] + 32], row["pk"]


@pytest.fixture
def registry(curated_registry):
    """The seeds imported and the fixtures loaded, as `make db` does."""


def _claim_sources() -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    for quote in Quote.objects.select_related("source"):
        found[quote.claim_id].add(quote.source.slug)
    return found


def test_fixtures_load_and_every_published_claim_has_evidence_and_a_topic(registry):
    published = Claim.objects.published().with_counts().prefetch_related("topics")
    assert published.count() >= 60
    for claim in published:
        assert claim.statement.strip(), claim.pk
        assert claim.quote_count >= 1, claim.pk
        assert claim.topics.exists(), claim.pk
        assert all(q.is_verbatim for q in claim.quotes.select_related("source")), claim.pk


def test_every_seed_file_and_every_piece_has_claims(registry):
    per_file: dict[str, set[int]] = defaultdict(set)
    per_source: dict[str, set[int]] = defaultdict(set)
    for quote in Quote.objects.published().select_related("source"):
        per_file[quote.source.seed_file].add(quote.claim_id)
        per_source[quote.source.slug].add(quote.claim_id)
    assert set(per_file) == {seed.seed_file for seed in SEEDS.values()}
    assert all(len(claims) >= 8 for claims in per_file.values()), {
        f: len(c) for f, c in per_file.items()
    }
    assert set(per_source) == set(SEEDS)


def test_links_have_rationales_and_join_sources_with_every_kind_of_disagreement(registry):
    links = list(ClaimLink.objects.all())
    assert len(links) >= 100
    assert all(link.rationale.strip() for link in links)
    assert all(link.from_claim_id != link.to_claim_id for link in links)
    sources = _claim_sources()
    across = Counter(
        link.relation
        for link in links
        if sources[link.from_claim_id].isdisjoint(sources[link.to_claim_id])
    )
    # The second curation pass (issue 12) retyped every contradiction that joined
    # claims which can both be true; the one left across sources is a real one
    # (the same signing dated against two different days of the invasion).
    assert across[ClaimLink.Relation.CONTRADICTS] >= 1
    assert across[ClaimLink.Relation.UPDATES] >= 40
    assert across[ClaimLink.Relation.QUALIFIES] >= 15
    assert across[ClaimLink.Relation.SUPPORTS] >= 20


def test_every_curated_update_is_not_about_an_earlier_time_than_what_it_updates(registry):
    years = {
        claim.pk: (claim.period_from_year, claim.period_to_year)
        for claim in Claim.objects.with_period_years()
    }
    updates = ClaimLink.objects.filter(relation=ClaimLink.Relation.UPDATES)
    assert updates.count() >= 40
    for link in updates:
        (later_from, later_to), (earlier_from, _) = (
            years[link.from_claim_id],
            years[link.to_claim_id],
        )
        if later_from is not None and earlier_from is not None:
            assert (later_to or later_from) >= earlier_from, link.pk


def test_every_claim_with_a_date_says_how_precise_it_is(registry):
    for claim in Claim.objects.all():
        assert (claim.event_date is None) == (claim.event_date_precision == "unknown"), claim.pk
        assert (claim.value is None) <= (claim.unit == ""), claim.pk


def test_check_quotes_finds_no_orphans_in_the_fixtures(registry, capsys):
    call_command("check_quotes")
    out = capsys.readouterr().out
    assert f"{Quote.objects.count()} exact, 0 moved, 0 orphaned" in out


def test_fixtures_survive_a_second_import_and_load(registry):
    before = (list(Claim.objects.values()), list(Quote.objects.values()))
    call_command("import_seeds", verbosity=0)
    call_command("load_fixtures", verbosity=0)
    assert (list(Claim.objects.values()), list(Quote.objects.values())) == before


def test_new_claims_after_loading_get_fresh_ids(registry):
    newest = Claim.objects.order_by("-pk").first().pk
    assert Claim.objects.create(statement="A new claim.").pk > newest


def test_sources_keep_their_metadata_blank_where_the_text_is_silent(registry):
    for slug in ("iran-azerbaijan-tensions", "edm-2025-relations-continue-to-deteriorate"):
        assert Source.objects.get(slug=slug).author == ""


def test_every_candidate_sentence_of_every_seed_source_is_claimed_or_dismissed(registry):
    names = services.entity_names()
    for source in Source.objects.all():
        rows = services.source_candidates(source=source, names=names)
        assert rows, source.slug
        still_open = [row.candidate.text[:80] for row in rows if row.status == "open"]
        assert still_open == [], source.slug
        assert services.coverage(rows).share == 1.0


def test_every_dismissed_candidate_in_the_fixtures_gives_a_reason_and_its_sentence():
    rows = _rows("candidatedismissal")
    assert rows
    for row in rows:
        fields = row["fields"]
        assert fields["reason"].strip(), row
        (slug,) = fields["source"]
        assert fields["sentence"] in SEEDS[slug].text, row


def test_every_suggested_disagreement_in_the_curated_registry_is_linked_or_dismissed(registry):
    assert services.suggested_pairs(limit=None) == []
    assert PairDismissal.objects.exists()
    assert all(dismissal.reason.strip() for dismissal in PairDismissal.objects.all())


def test_every_curated_contradiction_across_periods_is_confirmed_with_a_note(registry):
    flagged = ClaimLink.objects.with_period_check().filter(needs_period_check=True)
    assert list(flagged) == []
