"""Claimants (who asserts a claim), appearances in time order, and scope qualifiers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from claims import services
from claims.models import Attribution, Claim, ClaimRevision, Entity
from tests.factories import admin_form_data, make_quote, make_source

STAKE = "Lukoil owns a fifth of Shah Deniz."
DECLINE = "Relations between Azerbaijan and Russia are deteriorating."
BALANCE = "Azerbaijan kept a balance of power between the great powers."


def _facet(response, name: str) -> list[tuple[str, int]]:
    """The facet `name` of a claim list as (value, count) pairs, in the page's order."""
    facet = next(f for f in response.context["facets"] if f.name == name)
    return [(v.value, v.count) for v in facet.values]


def _html_statements(client, params: dict) -> set[str]:
    response = client.get(reverse("claims:claim-list"), params)
    assert response.status_code == 200
    return {claim.statement for claim in response.context["object_list"]}


def _csv_statements(client, params: dict) -> set[str]:
    response = client.get(reverse("claims:citation-export"), params)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return {row["claim"] for row in csv.DictReader(io.StringIO(text))}


def _api_statements(client, params: dict) -> set[str]:
    response = client.get(reverse("claims:api-claims"), params)
    assert response.status_code == 200
    return {claim["statement"] for claim in response.json()["results"]}


def _command_statements(tmp_path: Path, params: dict) -> set[str]:
    args = []
    for name, values in params.items():
        for value in values if isinstance(values, list) else [values]:
            args += [f"--{name}", value]
    out = tmp_path / "export.csv"
    call_command("export_citations", *args, "--base-url", "https://f.example", "-o", str(out))
    with out.open(encoding="utf-8", newline="") as handle:
        return {row["claim"] for row in csv.DictReader(handle)}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"claimant": "ann-analyst"}, {DECLINE, BALANCE}),
        ({"claimant": "lukoil"}, {STAKE}),
        ({"claimant": ["ann-analyst", "lukoil"]}, set()),  # all must apply, as with tags
        ({"claimant": "ann-analyst", "topic": "energy"}, {BALANCE}),
        ({"claimant": "russia"}, set()),  # a tag on claims, but nobody's claimant
    ],
)
def test_the_claimant_filter_gives_the_same_claims_in_html_csv_api_and_command(
    client, public_registry, tmp_path, params, expected
):
    assert _html_statements(client, params) == expected
    assert _csv_statements(client, params) == expected
    assert _api_statements(client, params) == expected
    assert _command_statements(tmp_path, params) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"place": "russia"}, {DECLINE}),
        ({"place": "lukoil"}, set()),  # a tag on a claim, but no claim's place
        ({"place": ["russia", "lukoil"]}, {DECLINE}),  # any of several places
    ],
)
def test_the_place_filter_gives_the_same_claims_in_html_csv_api_and_command(
    client, public_registry, tmp_path, params, expected
):
    assert _html_statements(client, params) == expected
    assert _csv_statements(client, params) == expected
    assert _api_statements(client, params) == expected
    assert _command_statements(tmp_path, params) == expected


def test_claimant_facets_count_the_matching_claims_of_each_claimant(client, public_registry):
    response = client.get(reverse("claims:claim-list"))
    assert _facet(response, "claimant") == [("ann-analyst", 2), ("lukoil", 1)]
    narrowed = client.get(reverse("claims:claim-list"), {"topic": "energy"})
    assert _facet(narrowed, "claimant") == [("ann-analyst", 1), ("lukoil", 1)]


def test_a_chosen_claimant_facet_is_marked_and_its_link_removes_it(client, public_registry):
    response = client.get(reverse("claims:claim-list"), {"claimant": "lukoil"})
    html = response.content.decode()
    facet = re.search(r'<a href="([^"]*)" aria-current="true" class="on">✓ Lukoil</a>', html)
    assert facet is not None
    assert "claimant=" not in facet.group(1)


def test_claimants_of_drafts_are_not_counted(client, public_registry):
    public_registry.draft.attributions.create(entity=public_registry.lukoil)
    response = client.get(reverse("claims:claim-list"))
    assert ("lukoil", 1) in _facet(response, "claimant")


@pytest.mark.parametrize(
    "name", ["claims:claim-list", "claims:citation-export", "claims:api-claims"]
)
def test_an_unknown_claimant_is_a_clear_error_everywhere(client, public_registry, name):
    response = client.get(reverse(name), {"claimant": "nobody-at-all"})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode()
    assert "Select a valid choice" in text
    assert STAKE not in text
    assert response.status_code == (200 if name == "claims:claim-list" else 400)


def test_claim_rows_say_according_to_whom(client, public_registry):
    html = client.get(reverse("claims:claim-list")).content.decode()
    assert re.search(r"According to <a [^>]*>Lukoil</a> \(reported\)", html)
    assert re.search(r"According to <a [^>]*>Ann Analyst</a></p>", html)


def test_the_claim_page_says_who_claimed_it_and_where_it_was_reported(client, public_registry):
    stake = client.get(public_registry.stake.get_absolute_url()).content.decode()
    text = re.sub(r"<[^>]+>", "", stake)
    assert "Claimed by Lukoil (reported), reported in Alpha article (2023)." in text
    decline = client.get(public_registry.decline.get_absolute_url()).content.decode()
    text = re.sub(r"<[^>]+>", "", decline)
    assert "Claimed by Ann Analyst, reported in Beta article." in text
    assert 'href="/claims/?claimant=ann-analyst"' in decline


def test_a_claim_without_a_claimant_says_only_where_it_was_reported(client, public_registry):
    Attribution.objects.filter(claim=public_registry.stake).delete()
    html = client.get(public_registry.stake.get_absolute_url()).content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    assert "Reported in Alpha article (2023)." in text
    assert "Claimed by" not in text


def test_the_claim_page_shows_the_scope_qualifiers(client, public_registry):
    html = client.get(public_registry.decline.get_absolute_url()).content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    assert "As of2023\u20132025-06" in text
    assert "MeasureAnalysts&#x27; reading of official statements" in text
    assert re.search(r"<dt>Place</dt><dd><a [^>]*>Russia</a>", html)


def test_appearances_are_listed_oldest_source_first_with_the_first_marked(client, public_registry):
    stake = public_registry.stake
    older = make_source(
        slug="older",
        title="An older report",
        text="Lukoil bought its stake in Shah Deniz long ago.\n",
        published=dt.date(2021, 5, 1),
        published_precision="month",
    )
    make_quote(stake, older, "Lukoil bought its stake")
    make_quote(stake, public_registry.beta, "Russian drones struck")  # undated: last
    html = client.get(stake.get_absolute_url()).content.decode()
    html = html[html.index('id="evidence-h"') :]  # the appearances, not the claimed-by line
    order = [
        html.index(t) for t in ("An older report\u201d, 2021-05", "Alpha article", "Beta article")
    ]
    assert order == sorted(order)
    assert html.count("badge-first") == 1
    assert "Earliest dated appearance" in html  # an undated source may have been earlier
    first = html.index("Earliest dated appearance")
    assert first < html.index("Lukoil bought its stake") < html.index("Lukoil currently owns")


def test_the_first_appearance_is_plainly_first_when_every_source_is_dated(client, public_registry):
    html = client.get(public_registry.stake.get_absolute_url()).content.decode()
    assert "First appearance" in html


def test_the_api_gives_claimants_and_scope(client, public_registry):
    decline = public_registry.decline
    body = client.get(reverse("claims:api-claim", args=[decline.pk])).json()
    assert body["claimants"] == [
        {"slug": "ann-analyst", "name": "Ann Analyst", "kind": "person", "role": "stated"}
    ]
    assert body["as_of"] == {
        "start": "2023",
        "start_precision": "year",
        "end": "2025-06",
        "end_precision": "month",
    }
    assert body["measure"] == "Analysts' reading of official statements"
    assert body["place"] == {"slug": "russia", "name": "Russia"}
    stake = client.get(reverse("claims:api-claim", args=[public_registry.stake.pk])).json()
    assert stake["as_of"]["start"] is None
    assert stake["place"] is None


def test_a_new_claimant_shows_on_the_cached_claim_page_at_once(client, public_registry):
    stake = public_registry.stake
    assert "Ann Analyst" not in client.get(stake.get_absolute_url()).content.decode()
    stake.attributions.create(entity=public_registry.analyst, role="forecast")
    html = client.get(stake.get_absolute_url()).content.decode()
    assert "Ann Analyst</a> (forecast)" in html


# --- The period (as of) ---------------------------------------------------------------


def _add_claim_form(client, **fields) -> dict:
    url = reverse("admin:claims_claim_add")
    return admin_form_data(client.get(url)) | {"statement": "Ties were deteriorating."} | fields


@pytest.mark.parametrize(
    ("start", "end", "stored"),
    [
        ("2023", "2025", ((2023, 1, 1), "year", (2025, 12, 31), "year")),
        ("2023", "2023", ((2023, 1, 1), "year", (2023, 12, 31), "year")),
        ("2024-02", "2024-02", ((2024, 2, 1), "month", (2024, 2, 29), "month")),
        ("2023-05-01", "", ((2023, 5, 1), "day", None, "unknown")),
        ("", "2020", (None, "unknown", (2020, 12, 31), "year")),
    ],
)
def test_an_as_of_period_is_stored_from_its_first_to_its_last_day(
    client, editor, db, start, end, stored
):
    client.force_login(editor)
    data = _add_claim_form(client, as_of_start=start, as_of_end=end)
    assert client.post(reverse("admin:claims_claim_add"), data).status_code == 302
    claim = Claim.objects.get(statement="Ties were deteriorating.")
    first, first_precision, last, last_precision = stored
    assert claim.as_of_start == (dt.date(*first) if first else None)
    assert claim.as_of_start_precision == first_precision
    assert claim.as_of_end == (dt.date(*last) if last else None)
    assert claim.as_of_end_precision == last_precision


def test_the_as_of_period_reads_at_its_precision(db):
    claim = Claim(
        statement="x",
        as_of_start=dt.date(2023, 1, 1),
        as_of_start_precision="year",
        as_of_end=dt.date(2025, 6, 30),
        as_of_end_precision="month",
    )
    assert claim.as_of_display == "2023\u20132025-06"
    claim.as_of_end, claim.as_of_end_precision = None, "unknown"
    assert claim.as_of_display == "since 2023"
    claim.as_of_start, claim.as_of_start_precision = None, "unknown"
    assert claim.as_of_display == ""


@pytest.mark.parametrize(("start", "end"), [("2025", "2023"), ("2023-06", "2023-05-31")])
def test_a_period_that_ends_before_it_starts_is_a_form_error(client, editor, db, start, end):
    client.force_login(editor)
    data = _add_claim_form(client, as_of_start=start, as_of_end=end)
    response = client.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 200
    assert "The period ends before it starts" in response.content.decode()
    assert not Claim.objects.filter(statement="Ties were deteriorating.").exists()


def test_the_database_refuses_a_period_that_ends_before_it_starts(public_registry):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=public_registry.decline.pk).update(
            as_of_end=dt.date(2020, 12, 31), as_of_end_precision="year"
        )


def test_a_bad_as_of_date_is_a_form_error(client, editor, db):
    client.force_login(editor)
    data = _add_claim_form(client, as_of_start="2023-13")
    response = client.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 200
    assert "2023-13 is not a real date." in response.content.decode()


def test_period_years_use_as_of_when_set_and_the_event_date_otherwise(public_registry):
    def years() -> dict[int, tuple]:
        rows = Claim.objects.with_period_years().values_list(
            "pk", "period_from_year", "period_to_year"
        )
        return {pk: (start, end) for pk, start, end in rows}

    decline, balance = public_registry.decline.pk, public_registry.balance.pk
    assert years()[decline] == (2023, 2025)  # as of 2023–2025-06, not its 2023-10 event
    assert years()[balance] == (2010, 2010)  # no period: its event date
    Claim.objects.filter(pk=balance).update(
        as_of_start=dt.date(2008, 1, 1), as_of_start_precision="year"
    )
    assert years()[balance] == (2008, None)  # open-ended
    # A query can compare them: claims whose period starts in another year than 2023.
    other = Claim.objects.with_period_years().exclude(period_from_year=2023)
    assert decline not in set(other.values_list("pk", flat=True))
    assert balance in set(other.values_list("pk", flat=True))


# --- Claimants in the admin -----------------------------------------------------------


def test_an_editor_adds_a_claimant_with_a_role(client, editor, public_registry):
    client.force_login(editor)
    data = _add_claim_form(client) | {
        "attributions-TOTAL_FORMS": "1",
        "attributions-0-entity": str(public_registry.analyst.pk),
        "attributions-0-role": "forecast",
        "attributions-0-basis": "Ann Analyst expects",
    }
    assert client.post(reverse("admin:claims_claim_add"), data).status_code == 302
    claim = Claim.objects.get(statement="Ties were deteriorating.")
    assert list(claim.attributions.values_list("entity__slug", "role", "basis")) == [
        ("ann-analyst", "forecast", "Ann Analyst expects")
    ]


@pytest.mark.parametrize("entity", ["999999", "not-a-number", "99999999999999999999999"])
def test_a_claimant_that_does_not_exist_is_a_form_error(client, editor, public_registry, entity):
    client.force_login(editor)
    data = _add_claim_form(client) | {
        "attributions-TOTAL_FORMS": "1",
        "attributions-0-entity": entity,
        "attributions-0-role": "stated",
    }
    response = client.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Claim.objects.filter(statement="Ties were deteriorating.").exists()


def test_the_same_claimant_twice_is_a_form_error(client, editor, public_registry):
    client.force_login(editor)
    analyst = str(public_registry.analyst.pk)
    data = _add_claim_form(client) | {
        "attributions-TOTAL_FORMS": "2",
        "attributions-0-entity": analyst,
        "attributions-0-role": "stated",
        "attributions-1-entity": analyst,
        "attributions-1-role": "forecast",
    }
    response = client.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 200
    assert "Please correct the duplicate data" in response.content.decode()


def test_the_claimant_autocomplete_finds_entities_by_alias(client, editor, public_registry):
    Entity.objects.filter(pk=public_registry.lukoil.pk).update(aliases="LUKOIL PJSC")
    client.force_login(editor)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "PJSC",
            "app_label": "claims",
            "model_name": "attribution",
            "field_name": "entity",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Lukoil"]


def test_according_to_at_the_start_of_a_statement_suggests_the_claimant(
    client, editor, public_registry
):
    client.force_login(editor)
    url = reverse("admin:claims_claim_suggest_claimants")
    answer = client.get(url, {"statement": "According to Ann Analyst, ties are thriving."})
    assert answer.json()["phrase"] == "Ann Analyst"
    assert answer.json()["role"] == "stated"
    assert [e["name"] for e in answer.json()["entities"]] == ["Ann Analyst"]
    unknown = client.get(url, {"statement": "According to Bob Nobody, ties are thriving."})
    assert unknown.json()["entities"] == []
    assert "name=Bob+Nobody" in unknown.json()["add_entity_url"]
    assert client.get(url, {"statement": "Ties are thriving."}).json()["phrase"] == ""
    # Only a suggestion: nothing was stored.
    assert not Attribution.objects.filter(entity__slug="ann-analyst", claim__statement="x")


def test_the_claimant_suggestion_is_for_editors_only(client, public_registry):
    url = reverse("admin:claims_claim_suggest_claimants")
    response = client.get(url, {"statement": "According to Ann Analyst, x."})
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_an_editors_change_of_scope_to_a_public_claim_waits_for_a_reviewer(
    client, editor, reviewer, public_registry
):
    decline = public_registry.decline
    client.force_login(editor)
    url = reverse("admin:claims_claim_change", args=[decline.pk])
    data = admin_form_data(client.get(url)) | {
        "as_of_start": "2024",
        "as_of_end": "2025",
        "measure": "Official statements only",
        "change_reason": "The article dates the decline from 2024.",
    }
    assert client.post(url, data).status_code == 302
    decline.refresh_from_db()
    assert decline.as_of_display == "2023\u20132025-06"  # unchanged until reviewed
    revision = ClaimRevision.objects.get(claim=decline)
    changed = {name for name, _, _ in services.revision_changes(revision)}
    assert {"as_of_start", "as_of_end", "as_of_end_precision", "measure"} <= changed
    services.decide_revision(revision=revision, approve=True, user=reviewer)
    decline.refresh_from_db()
    assert decline.as_of_display == "2024\u20132025"
    assert decline.as_of_end == dt.date(2025, 12, 31)
    assert decline.measure == "Official statements only"
    assert decline.place == public_registry.russia  # untouched


def test_an_editor_cannot_change_the_claimants_of_a_public_claim(client, editor, public_registry):
    client.force_login(editor)
    url = reverse("admin:claims_claim_change", args=[public_registry.decline.pk])
    formsets = client.get(url).context["inline_admin_formsets"]
    claimants = next(f for f in formsets if f.formset.prefix == "attributions")
    assert not claimants.has_add_permission
    assert not claimants.has_change_permission


def test_an_entity_named_as_a_claimant_of_a_public_claim_is_held_for_reviewers(
    client, editor, public_registry
):
    client.force_login(editor)
    url = reverse("admin:claims_entity_change", args=[public_registry.analyst.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert not response.context["has_change_permission"]


def test_a_claimant_in_use_cannot_be_deleted(public_registry):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        public_registry.analyst.delete()


# --- The curated registry -------------------------------------------------------------

# Statements that say someone asserts them ...
ASSERTED = re.compile(
    r"^According to\b|\b(argued|argues|said|says|claimed|stated|warned|forecast|reported|"
    r"accused)\b"
)
# ... except where the one asserting is an unnamed article or analysis: nobody to name.
UNNAMED = re.compile(r"^(According to )?an? (\d{4} )?(academic )?(article|analysis)\b", re.I)


def _fixture() -> list[dict]:
    return json.loads(Path(settings.BASE_DIR, "fixtures", "registry.json").read_text())


def test_every_curated_claim_that_names_who_asserts_it_has_a_claimant():
    rows = _fixture()
    attributed = {r["fields"]["claim"] for r in rows if r["model"] == "claims.attribution"}
    asserted = {
        r["pk"]: r["fields"]["statement"]
        for r in rows
        if r["model"] == "claims.claim"
        and ASSERTED.search(r["fields"]["statement"])
        and not UNNAMED.search(r["fields"]["statement"])
    }
    assert len(asserted) > 40
    assert {pk: s for pk, s in asserted.items() if pk not in attributed} == {}


def test_every_curated_claimant_has_its_basis_verbatim_in_the_statement_or_a_quote():
    rows = _fixture()
    texts: dict[int, list[str]] = {}
    for r in rows:
        if r["model"] == "claims.claim":
            texts.setdefault(r["pk"], []).append(r["fields"]["statement"])
        elif r["model"] == "claims.quote":
            texts.setdefault(r["fields"]["claim"], []).append(r["fields"]["exact"])
    attributions = [r["fields"] for r in rows if r["model"] == "claims.attribution"]
    assert attributions
    missing = [
        (a["claim"], a["basis"])
        for a in attributions
        if not a["basis"] or not any(a["basis"] in text for text in texts[a["claim"]])
    ]
    assert missing == []


def test_the_loaded_registry_filters_by_a_curated_claimant(client, curated_registry):
    statements = _html_statements(client, {"claimant": "rasmus-canback", "per_page": 100})
    assert statements
    assert all("Canbäck" in s for s in statements)


def test_the_claim_form_names_the_suggested_claimant_without_javascript(
    client, reviewer, public_registry
):
    from tests.factories import make_claim

    claim = make_claim("According to Ann Analyst, ties are thriving.")
    client.force_login(reviewer)
    html = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert "The statement names \u201cAnn Analyst\u201d (stated): Ann Analyst." in html
    assert not claim.attributions.exists()  # suggested, never added by itself


def test_an_entity_page_links_to_the_claims_it_asserts(client, public_registry):
    html = client.get(reverse("claims:entity-detail", args=["lukoil"])).content.decode()
    assert '<a href="/claims/?claimant=lukoil">1 claim</a>' in html
    russia = client.get(reverse("claims:entity-detail", args=["russia"])).content.decode()
    assert "is the claimant of" not in russia


def test_several_claimants_read_as_a_list_with_and(client, public_registry):
    stake = public_registry.stake
    stake.attributions.create(entity=public_registry.analyst, role="stated")
    stake.attributions.create(entity=public_registry.russia, role="forecast")
    text = re.sub(r"<[^>]+>", "", client.get(stake.get_absolute_url()).content.decode())
    assert "Claimed by Lukoil (reported), Ann Analyst and Russia (forecast), reported in" in text
    listing = re.sub(r"<[^>]+>", "", client.get(reverse("claims:claim-list")).content.decode())
    assert "According to Lukoil (reported), Ann Analyst and Russia (forecast)" in listing


def test_deleting_an_entity_named_as_claimant_shows_what_protects_it(admin_client, public_registry):
    url = reverse("admin:claims_entity_delete", args=[public_registry.analyst.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert "protected" in response.content.decode()
    assert Entity.objects.filter(pk=public_registry.analyst.pk).exists()
