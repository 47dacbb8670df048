from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from claims.filters import ClaimFilter
from claims.models import Claim, ClaimLink, Quote
from tests.factories import make_claim, make_link, make_quote, make_source


def test_only_the_statement_is_needed_to_create_a_claim(db):
    claim = Claim.objects.create(statement="Lukoil holds 20% of Shah Deniz.")
    assert claim.status == "draft"
    assert claim.event_date_precision == "unknown"
    assert claim.get_absolute_url() == f"/claims/{claim.pk}/"


def test_statuses_and_relations_are_stored_and_published_as_lowercase_words(client, db):
    # The words are a public contract: the API, the snapshot CSVs, fixtures and backups
    # carry them, so renaming a member must not change what is stored or shown.
    claim = make_claim("Lukoil holds 20% of Shah Deniz.", status=Claim.Status.PUBLISHED)
    words = ["contradicts", "supports", "qualifies", "updates", "duplicates"]
    for word in words:
        make_link(claim, make_claim(status=Claim.Status.PUBLISHED), word)
    make_claim("A draft.")
    make_claim("In review.", status=Claim.Status.REVIEW)
    make_claim("Withdrawn.", status=Claim.Status.RETRACTED)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT status FROM {Claim._meta.db_table}")
        stored = {row[0] for row in cursor.fetchall()}
        cursor.execute(f"SELECT relation FROM {ClaimLink._meta.db_table}")
        relations = sorted(row[0] for row in cursor.fetchall())
    assert stored == {"draft", "review", "published", "retracted"}
    assert relations == sorted(words)
    body = client.get(f"/api/claims/{claim.pk}/").json()
    assert body["status"] == "published"
    assert sorted(link["relation"] for link in body["links"]) == sorted(words)


def test_self_link_is_refused_by_the_database(db):
    claim = make_claim()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_link(claim, claim)


def test_second_link_of_the_same_relation_is_refused(db):
    a, b = make_claim(), make_claim()
    make_link(a, b, "supports")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_link(a, b, "supports")
    make_link(a, b, "qualifies")
    make_link(b, a, "supports")
    assert ClaimLink.objects.count() == 3


@pytest.mark.parametrize("relation", ["contradicts", "duplicates"])
def test_symmetric_link_is_stored_once_per_unordered_pair(db, relation):
    a, b = make_claim(), make_claim()
    make_link(a, b, relation)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_link(b, a, relation)


def test_symmetric_link_is_found_from_either_claim(db):
    a, b, c = make_claim(), make_claim(), make_claim()
    contradiction = make_link(a, b, "contradicts")
    support = make_link(c, b, "supports")
    assert list(ClaimLink.objects.involving(b)) == [contradiction]
    assert list(ClaimLink.objects.involving(a)) == [contradiction]
    assert list(ClaimLink.objects.involving(c)) == [support]


def test_link_without_rationale_is_refused(db):
    a, b = make_claim(), make_claim()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_link(a, b, rationale="")


def test_reverse_symmetric_link_fails_validation_with_a_clear_message(db):
    a, b = make_claim(), make_claim()
    make_link(a, b, "contradicts")
    reverse = ClaimLink(from_claim=b, to_claim=a, relation="contradicts", rationale="Why.")
    with pytest.raises(ValidationError, match=f"#{a.pk} already contradicts #{b.pk}."):
        reverse.full_clean()


def test_quote_whose_offsets_do_not_fit_its_text_is_refused(db):
    source = make_source()
    claim = make_claim()
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.create(claim=claim, source=source, exact="Lukoil", start=0, end=9)
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.create(claim=claim, source=source, exact="", start=4, end=4)


def test_quote_that_is_not_the_source_slice_fails_validation(db):
    source = make_source()
    quote = Quote(claim=make_claim(), source=source, exact="Lukoix", start=0, end=6)
    with pytest.raises(ValidationError, match="does not match the source"):
        quote.full_clean()


def test_placed_quote_is_the_source_slice_with_context_and_paragraph(db):
    source = make_source()
    quote = make_quote(make_claim(), source, 'Relations "continue to deteriorate" - the')
    assert source.text[quote.start : quote.end] == quote.exact
    assert quote.exact == "Relations “continue to deteriorate” – the"
    assert quote.prefix == source.text[quote.start - 32 : quote.start]
    assert quote.locator == 3


def test_source_with_quotes_cannot_be_deleted(db):
    source = make_source()
    make_quote(make_claim(), source, "Lukoil currently owns")
    with pytest.raises(Exception, match="protected"), transaction.atomic():
        source.delete()
    assert source.quotes.count() == 1


def test_event_date_requires_a_known_precision(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_claim(event_date=dt.date(2022, 2, 22))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_claim(event_date_precision="day")
    claim = make_claim(event_date=dt.date(2022, 2, 1), event_date_precision="month")
    assert claim.event_date_display == "2022-02"


def test_unit_without_a_value_is_refused(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_claim(unit="percent")


def test_published_queryset_hides_other_statuses(db):
    shown = make_claim(status="published")
    for status in ("draft", "review", "retracted"):
        make_claim(status=status)
    assert list(Claim.objects.published()) == [shown]


def test_queryset_filters_by_topic_entity_and_source(db):
    from tests.factories import make_entity, make_topic

    energy, lukoil = make_topic("energy"), make_entity("lukoil")
    source = make_source(slug="canback")
    tagged = make_claim(topics=[energy], entities=[lukoil])
    make_quote(tagged, source, "Lukoil currently owns")
    make_claim()
    # Which claims are on a topic or name an entity is the claim filter's to say: the
    # topic and entity pages and the contradictions page ask it.
    assert list(ClaimFilter.claims_where("topic", energy)) == [tagged]
    assert list(ClaimFilter.claims_where("entity", lukoil)) == [tagged]
    assert list(Claim.objects.for_source("canback")) == [tagged]


def test_counts_annotation_counts_links_in_both_directions(db):
    a, b, c = make_claim(), make_claim(), make_claim()
    make_link(a, b, "contradicts")
    make_link(c, a, "supports")
    make_quote(a, make_source(), "Lukoil")
    counted = Claim.objects.with_counts().get(pk=a.pk)
    assert (counted.quote_count, counted.link_count) == (1, 2)


def test_changes_are_recorded_in_history(db):
    claim = make_claim("First wording.")
    claim.statement = "Second wording."
    claim.save()
    assert [h.statement for h in claim.history.all()] == ["Second wording.", "First wording."]
