from __future__ import annotations

import pytest
from django.urls import reverse

from claims.models import Claim
from claims.textsearch import Fts5Query, Term, parse, to_fts5
from tests.factories import admin_claim_form, make_claim, make_quote


def test_parse_reads_words_phrases_exclusions_and_alternatives():
    assert parse('lukoil "shah deniz" -armenia or socar') == [
        [Term(("lukoil",)), Term(("shah", "deniz")), Term(("armenia",), negated=True)],
        [Term(("socar",))],
    ]


def test_parse_drops_punctuation_and_empty_terms():
    assert parse('"" - -- or or !!') == []
    assert parse('"unclosed phrase') == [[Term(("unclosed", "phrase"))]]


def test_fts5_query_quotes_every_term_so_user_input_is_never_syntax():
    assert to_fts5('NEAR COLUMN "x" -MATCH') == Fts5Query(
        '(("NEAR" AND "COLUMN" AND "x") NOT "MATCH")'
    )


def test_fts5_query_of_exclusions_only_names_what_to_exclude():
    assert to_fts5("-armenia -turkey") == Fts5Query("", ('"armenia" OR "turkey"',))


def test_an_alternative_of_exclusions_only_is_kept_beside_the_others():
    assert to_fts5("-lukoil or armenia") == Fts5Query('(("armenia"))', ('"lukoil"',))


def test_stop_words_are_dropped_but_hold_their_place_inside_a_phrase():
    assert parse("the balance of power") == [[Term(("balance",)), Term(("power",))]]
    assert parse('"the balance of power"') == [[Term(("balance", "of", "power"))]]
    assert parse('the "of the" -and') == []
    assert not to_fts5("the")


def _search(query: str) -> set[str]:
    return set(Claim.objects.published().search(query).values_list("statement", flat=True))


def test_search_matches_statement_and_quote_words(public_registry):
    assert _search("Lukoil") == {"Lukoil owns a fifth of Shah Deniz."}
    assert _search("deteriorate sharply") == {
        "Relations between Azerbaijan and Russia are deteriorating."
    }


def test_search_requires_every_word(public_registry):
    assert _search("Lukoil balance") == set()


def test_search_stems_words(public_registry):
    assert "Relations between Azerbaijan and Russia are deteriorating." in _search("deteriorates")


def test_search_matches_phrases_in_order_only(public_registry):
    assert _search('"largest gas field"') == {"Lukoil owns a fifth of Shah Deniz."}
    assert _search('"field gas largest"') == set()


def test_search_excludes_words_with_a_minus(public_registry):
    assert _search("Azerbaijan -balance") == {
        "Lukoil owns a fifth of Shah Deniz.",
        "Relations between Azerbaijan and Russia are deteriorating.",
    }


def test_search_of_exclusions_only_returns_everything_else(public_registry):
    assert _search("-Lukoil") == {
        "Relations between Azerbaijan and Russia are deteriorating.",
        "Azerbaijan kept a balance of power between the great powers.",
    }


def test_search_offers_alternatives_with_or(public_registry):
    assert _search("Lukoil or deteriorate") == {
        "Lukoil owns a fifth of Shah Deniz.",
        "Relations between Azerbaijan and Russia are deteriorating.",
    }


def test_search_never_shows_unpublished_claims(public_registry, client):
    response = client.get(reverse("claims:claim-list"), {"q": "Lukoil"})
    statements = [c.statement for c in response.context["object_list"]]
    assert statements == ["Lukoil owns a fifth of Shah Deniz."]


def test_search_ranks_better_matches_first(db):
    weak = make_claim("Gas is mentioned once here.", status="published")
    strong = make_claim("Gas, gas and more gas: a claim about gas.", status="published")
    ranked = list(Claim.objects.published().search("gas").order_by("-rank"))
    assert ranked == [strong, weak]


def test_search_snippet_marks_the_match_and_escapes_the_rest(db, client):
    make_claim("Tanks <b>near</b> Odesa were struck.", status="published")
    response = client.get(reverse("claims:claim-list"), {"q": "Odesa"})
    html = response.content.decode()
    assert "<mark>Odesa</mark>" in html
    assert "<b>near</b>" not in html
    assert "&lt;b&gt;near&lt;/b&gt;" in html


def test_search_is_kept_in_step_with_edits(public_registry):
    stake = public_registry.stake
    stake.statement = "Lukoil holds a stake in the Absheron field."
    stake.save()
    Claim.objects.filter(pk=stake.pk).refresh_search_text()
    assert _search("Absheron") == {"Lukoil holds a stake in the Absheron field."}
    assert _search("fifth") == set()
    make_quote(stake, public_registry.beta, "Russian drones struck a SOCAR oil depot")
    assert _search("drones") == {"Lukoil holds a stake in the Absheron field."}
    stake.delete()
    assert _search("drones") == set()


def test_admin_edit_updates_the_search_index(public_registry, client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "r@example.org", "x")
    client.force_login(admin)
    decline = public_registry.decline
    quote = decline.quotes.get()
    url = reverse("admin:claims_claim_change", args=[decline.pk])
    form = admin_claim_form(
        quote.source,
        "Russian drones struck a SOCAR oil depot near Odesa.",
        statement="Ties between Baku and Moscow soured in 2023.",
        event_date="2023-10-01",
        event_date_precision="month",
        topics=[public_registry.military.pk],
        entities=[public_registry.russia.pk],
    )
    form.update(
        {
            "quotes-INITIAL_FORMS": "1",
            "quotes-0-id": str(quote.pk),
            "quotes-0-claim": str(decline.pk),
            "version": str(decline.version),
            "quotes-0-version": str(quote.version),
            "change_reason": "The article says relations soured.",
        }
    )
    response = client.post(url, form)
    assert response.status_code == 302
    assert _search("soured") == {"Ties between Baku and Moscow soured in 2023."}
    assert _search("Odesa") == {"Ties between Baku and Moscow soured in 2023."}
    assert _search("deteriorate") == set()


@pytest.mark.parametrize("query", ["", "   ", '""', "-", "or"])
def test_search_without_usable_words_matches_nothing(public_registry, query):
    assert not Claim.objects.published().search(query).exists()


def test_the_full_text_index_exists_on_this_database(db):
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'claim_search_vector_gin'"
            )
            (definition,) = cursor.fetchone()
            assert "using gin (search_vector)" in definition.lower()
            cursor.execute(
                "SELECT is_generated, generation_expression FROM information_schema.columns "
                "WHERE table_name = 'claims_claim' AND column_name = 'search_vector'"
            )
            generated, expression = cursor.fetchone()
            assert generated == "ALWAYS"
            assert "to_tsvector('english'::regconfig" in expression
            assert "search_text" in expression
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE name LIKE 'claims_claim_fts%' ORDER BY name"
            )
            names = {row[0] for row in cursor.fetchall()}
            assert {
                "claims_claim_fts",
                "claims_claim_fts_insert",
                "claims_claim_fts_update",
                "claims_claim_fts_delete",
            } <= names


def test_search_text_is_the_statement_then_each_quote_on_its_own_line(public_registry):
    stake = public_registry.stake
    make_quote(stake, public_registry.beta, "Russian drones struck a SOCAR oil depot")
    Claim.objects.filter(pk=stake.pk).update(search_text="stale")
    updated = Claim.objects.filter(pk__in=[stake.pk, public_registry.review.pk])
    assert updated.refresh_search_text() == 2
    lines = Claim.objects.get(pk=stake.pk).search_text.split("\n")
    assert lines[0] == stake.statement
    assert sorted(lines[1:]) == sorted(q.exact for q in stake.quotes.all())
    bare = Claim.objects.get(pk=public_registry.review.pk)
    assert bare.search_text == bare.statement  # no quotes, no trailing newline


def _sqlite_file_with_unanalyzed_claims(path) -> None:
    """A SQLite file migrated while empty (an empty sqlite_stat1), then filled with claims."""
    import sqlite3

    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE claims_claim (id INTEGER PRIMARY KEY, status TEXT)")
        raw.execute("CREATE INDEX claim_status ON claims_claim (status)")
        raw.execute("ANALYZE")  # on an empty table: sqlite_stat1 exists, with no row for it
        statuses = [("published",)] * 90 + [("draft",)] * 10
        raw.executemany("INSERT INTO claims_claim (status) VALUES (?)", statuses)
    raw.close()


def test_a_sqlite_registry_grown_after_an_empty_analyze_gets_statistics_when_opened(
    tmp_path, django_db_blocker
):
    from django.db.backends.sqlite3.base import DatabaseWrapper

    path = tmp_path / "grown.sqlite3"
    _sqlite_file_with_unanalyzed_claims(path)
    wrapper = DatabaseWrapper({**connection_settings(), "NAME": str(path)}, alias="grown")
    try:
        with django_db_blocker.unblock(), wrapper.cursor() as cursor:
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'claims_claim'")
            assert cursor.fetchone() == ("100 50",)
    finally:
        wrapper.close()


def connection_settings() -> dict:
    """The settings a Django SQLite connection needs, whichever database the suite runs on."""
    from django.db import connections

    settings = dict(connections["default"].settings_dict)
    settings.update(ENGINE="django.db.backends.sqlite3", OPTIONS={}, USER="", PASSWORD="")
    settings.update(HOST="", PORT="", TEST={})
    return settings
