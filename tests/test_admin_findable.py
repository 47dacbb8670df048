"""Editors find claims, topics and entities in the admin, and see dates as precise as known."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim, DatePrecision, Entity, Source
from tests.factories import (
    admin_claim_change_form,
    make_claim,
    make_entity,
    make_quote,
    make_source,
    make_topic,
)

CHANGELIST = "admin:claims_claim_changelist"


def autocomplete(client, model_name: str, field_name: str, term: str) -> list[str]:
    """The texts the admin's autocomplete offers for `term`, in order."""
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "claims", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def found(client, term: str) -> list[int]:
    """The ids of the claims the changelist search finds for `term`."""
    response = client.get(reverse(CHANGELIST), {"q": term})
    assert response.status_code == 200
    return sorted(claim.pk for claim in response.context["cl"].result_list)


# --- Claims by number --------------------------------------------------------------------


def test_claim_search_finds_a_claim_by_its_number_with_or_without_hash(client, editor):
    client.force_login(editor)
    target = make_claim("Russia moved troops to the border.")
    mentions = make_claim(f"A note citing figure {target.pk}00 in passing.")
    make_claim("Unrelated.")
    assert found(client, str(target.pk)) == sorted([target.pk, mentions.pk])
    assert found(client, f"#{target.pk}") == [target.pk]
    assert found(client, f"  #{target.pk} ") == [target.pk]
    assert found(client, "troops border") == [target.pk]
    assert found(client, "#999999999999999999999999") == []


def test_claim_search_by_number_keeps_the_list_filters(client, editor):
    client.force_login(editor)
    draft = make_claim("A draft.")
    url = reverse(CHANGELIST)
    response = client.get(url, {"q": f"#{draft.pk}", "status__exact": Claim.Status.PUBLISHED})
    assert list(response.context["cl"].result_list) == []


def test_claim_autocomplete_accepts_a_number_and_lists_that_claim_first(client, editor):
    client.force_login(editor)
    claims = [make_claim(f"Claim number {n} of many.") for n in range(12)]
    target = claims[1]
    offered = autocomplete(client, "claimlink", "to_claim", f"#{target.pk}")
    assert offered == [str(target)]
    offered = autocomplete(client, "claimlink", "to_claim", str(target.pk))
    assert offered[0] == str(target)
    assert autocomplete(client, "claimlink", "to_claim", "many")[0] == str(claims[-1])


# --- Exact names and aliases first -------------------------------------------------------


def test_entity_autocomplete_lists_the_exact_name_then_an_exact_alias_then_the_rest(client, editor):
    client.force_login(editor)
    make_entity("carnegie", name="Carnegie Russia Eurasia Center", kind=Entity.Kind.ORGANISATION)
    make_entity("gazprom", name="Gazprom", aliases="Russia's gas giant")
    make_entity("rf", name="Russian Federation", aliases="RF\r\nrussia\r\n")
    make_entity("azerbaijan", name="Azerbaijan", aliases="Republic of Azerbaijan")
    make_entity("russia", name="Russia", kind=Entity.Kind.COUNTRY)
    expected = ["Russia", "Russian Federation", "Carnegie Russia Eurasia Center", "Gazprom"]
    assert autocomplete(client, "claim", "entities", "Russia") == expected
    assert autocomplete(client, "claim", "entities", "russia") == expected
    assert autocomplete(client, "claim", "entities", "rf") == ["Russian Federation"]


def test_topic_autocomplete_lists_the_exact_name_first(client, editor):
    client.force_login(editor)
    for name in ["Renewable energy", "Energy security", "Energy", "Military"]:
        make_topic(name.lower().replace(" ", "-"), name=name)
    assert autocomplete(client, "claim", "topics", "energy") == [
        "Energy",
        "Energy security",
        "Renewable energy",
    ]
    assert autocomplete(client, "claim", "topics", "") == [
        "Energy",
        "Energy security",
        "Military",
        "Renewable energy",
    ]


def test_entity_list_search_still_sorts_by_the_chosen_column_after_exact_matches(client, editor):
    client.force_login(editor)
    make_entity("a", name="Russia in Africa", kind=Entity.Kind.OTHER)
    make_entity("b", name="Russia", kind=Entity.Kind.COUNTRY)
    make_entity("c", name="Russian Railways", kind=Entity.Kind.COMPANY)
    url = reverse("admin:claims_entity_changelist")
    response = client.get(url, {"q": "russia", "o": "-0"})  # name, descending
    names = [entity.name for entity in response.context["cl"].result_list]
    assert names == ["Russia", "Russian Railways", "Russia in Africa"]


# --- Dates at their precision ------------------------------------------------------------


@pytest.fixture
def dated(db) -> dict[str, Claim]:
    return {
        "year": make_claim(
            "A year.", event_date=dt.date(2023, 1, 1), event_date_precision=DatePrecision.YEAR
        ),
        "month": make_claim(
            "A month.", event_date=dt.date(2025, 8, 1), event_date_precision=DatePrecision.MONTH
        ),
        "day": make_claim(
            "A day.", event_date=dt.date(2022, 2, 24), event_date_precision=DatePrecision.DAY
        ),
        "unknown": make_claim("No date."),
    }


def test_claim_list_shows_dates_at_their_precision_and_sorts_by_them(client, editor, dated):
    client.force_login(editor)
    response = client.get(reverse(CHANGELIST), {"o": "4"})  # the event date column, ascending
    html = response.content.decode()
    for text in ['class="field-event_date_display">2023<', ">2025-08<", ">2022-02-24<"]:
        assert text in html
    assert "Jan. 1, 2023" not in html
    order = [claim.statement for claim in response.context["cl"].result_list]
    assert order.index("A day.") < order.index("A year.") < order.index("A month.")


@pytest.mark.parametrize(
    ("typed", "date", "precision"),
    [
        ("2023", dt.date(2023, 1, 1), DatePrecision.YEAR),
        ("2022-02", dt.date(2022, 2, 1), DatePrecision.MONTH),
        (" 2022-2 ", dt.date(2022, 2, 1), DatePrecision.MONTH),
        ("2022-02-24", dt.date(2022, 2, 24), DatePrecision.DAY),
        ("", None, DatePrecision.UNKNOWN),
    ],
)
def test_claim_form_takes_a_date_as_precise_as_known(client, editor, dated, typed, date, precision):
    client.force_login(editor)
    claim = dated["day"]
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    assert client.post(url, admin_claim_change_form(claim, event_date=typed)).status_code == 302
    claim.refresh_from_db()
    assert (claim.event_date, claim.event_date_precision) == (date, precision)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2023-13", "2023-13 is not a real date."),
        ("2023-02-30", "2023-02-30 is not a real date."),
        ("23", "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2022 or 2022-02."),
        ("24/02/2022", "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2022 or 2022-02."),
    ],
)
def test_claim_form_refuses_a_date_that_is_not_one(client, editor, dated, typed, message):
    client.force_login(editor)
    claim = dated["day"]
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = client.post(url, admin_claim_change_form(claim, event_date=typed))
    assert response.context["adminform"].form.errors == {"event_date": [message]}


@pytest.mark.parametrize(
    ("key", "shown"), [("year", "2023"), ("month", "2025-08"), ("unknown", "")]
)
def test_claim_form_shows_the_date_at_its_precision(client, editor, dated, key, shown):
    client.force_login(editor)
    response = client.get(reverse("admin:claims_claim_change", args=[dated[key].pk]))
    form = response.context["adminform"].form
    assert (form["event_date"].value() or "") == shown
    assert f'name="event_date" value="{shown}"' in response.content.decode() or not shown
    assert "event_date_precision" not in form.fields


def test_a_claim_the_user_may_only_view_shows_its_date_at_its_precision(client, dated):
    viewer = User.objects.create_user("vera", password="x", is_staff=True)
    viewer.user_permissions.add(*_permissions("view_claim"))
    client.force_login(viewer)
    response = client.get(reverse("admin:claims_claim_change", args=[dated["month"].pk]))
    html = response.content.decode()
    assert '<div class="readonly">2025-08</div>' in html
    assert "Aug. 1, 2025" not in html


def _permissions(*codenames: str):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="claims", codename__in=codenames)


def _source_form(source: Source, **changes) -> dict:
    return {
        "title": source.title,
        "slug": source.slug,
        "author": source.author,
        "outlet": source.outlet,
        "url": source.url,
        "kind": source.kind,
        "language": source.language,
        "published": source.published_display,
        "published_basis": source.published_basis,
        "text": source.text,
        "version": str(source.version),
    } | changes


def test_source_form_takes_and_shows_the_publication_date_at_its_precision(client, editor):
    source = make_source()
    client.force_login(editor)
    url = reverse("admin:claims_source_change", args=[source.pk])
    response = client.post(url, _source_form(source, published="2024-03"))
    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.published, source.published_precision) == (
        dt.date(2024, 3, 1),
        DatePrecision.MONTH,
    )
    assert client.get(url).context["adminform"].form["published"].value() == "2024-03"
    response = client.post(url, _source_form(source, published="2024-02-30"))
    assert response.context["adminform"].form.errors == {
        "published": ["2024-02-30 is not a real date."]
    }
    assert client.post(url, _source_form(source, published="")).status_code == 302
    source.refresh_from_db()
    assert (source.published, source.published_precision) == (None, DatePrecision.UNKNOWN)


def test_a_public_source_an_editor_may_only_view_shows_its_date_at_its_precision(client, editor):
    source = make_source(published=dt.date(2024, 3, 1), published_precision=DatePrecision.MONTH)
    make_quote(make_claim(status=Claim.Status.PUBLISHED), source, "Shah Deniz")
    client.force_login(editor)
    response = client.get(reverse("admin:claims_source_change", args=[source.pk]))
    html = response.content.decode()
    assert 'name="published"' not in html
    assert '<div class="readonly">2024-03</div>' in html


# --- The statement column ----------------------------------------------------------------


def test_claim_list_wraps_statements_in_a_readable_column(client, editor):
    client.force_login(editor)
    short = make_claim("Azerbaijan and Russia signed a declaration on allied interaction.")
    long = make_claim("Sentence with many words. " * 12)
    response = client.get(reverse(CHANGELIST))
    html = response.content.decode()
    assert "claims/admin/claims.css" in html
    assert f'<span class="claim-statement">{short.statement}</span>' in html
    shown = long.statement[:199] + "…"
    assert f'<span class="claim-statement">{shown}</span>' in html


def test_claim_list_queries_do_not_grow_with_its_rows(client, editor):
    client.force_login(editor)
    source, topic = make_source(), make_topic()
    url = reverse(CHANGELIST)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"q": "claim"}).status_code == 200
        return len(queries)

    make_quote(make_claim("First claim.", topics=[topic]), source, "Shah Deniz")
    few = count()
    for n in range(20):
        claim = make_claim(
            f"Claim {n}.",
            topics=[topic],
            event_date=dt.date(2020, 1, 1),
            event_date_precision=DatePrecision.YEAR,
        )
        make_quote(claim, source, "Shah Deniz")
    assert count() == few
