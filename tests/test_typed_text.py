"""What people type: hidden control characters and line breaks in one-line fields are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from claims import typed
from claims.models import Claim, Entity, Source, Topic
from tests.factories import admin_form_data, make_claim, make_topic

RLO = "\u202e"


def test_a_right_to_left_override_is_refused_with_its_code_point_and_position():
    assert typed.control_problem(f"Lukoil {RLO}txt.exe") == (
        "Remove the invisible control character U+202E at position 8."
    )


def test_one_line_fields_refuse_line_breaks_and_tabs_but_multi_line_text_keeps_newlines():
    assert typed.one_line_problem("A title\nTY  - JOUR") == (
        "Write this on one line: it has a line break at position 8."
    )
    assert (
        typed.one_line_problem("A\ttitle") == "Write this on one line: it has a tab at position 2."
    )
    assert typed.control_problem("SOCAR\nState Oil Company") is None


def test_arabic_and_hebrew_text_with_directional_marks_is_accepted():
    assert typed.one_line_problem("\u0628\u0627\u0643\u0648 \u200f(Baku)") is None
    assert typed.one_line_problem("\u05d1\u05d0\u05e7\u05d5\u200e 2023") is None


@given(st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cf", "Zl", "Zp"])))
def test_text_without_control_characters_passes_both_checks(value):
    assert typed.control_problem(value) is None
    assert typed.one_line_problem(value) is None


@pytest.mark.parametrize(
    ("model", "values", "field"),
    [
        (Source, {"title": "Evil\nTY  - JOUR", "slug": "evil", "text": "T."}, "title"),
        (Source, {"title": "T", "author": f"Ann {RLO}Author", "slug": "t", "text": "T."}, "author"),
        (Topic, {"name": "Energy\tand gas", "slug": "energy"}, "name"),
        (Entity, {"name": "Lukoil", "slug": "lukoil", "aliases": f"LUK{RLO}OIL"}, "aliases"),
        (Claim, {"statement": f"Lukoil holds 20%{RLO} of Shah Deniz."}, "statement"),
        (Claim, {"statement": "Lukoil holds 20%\nof Shah Deniz."}, "statement"),
    ],
)
def test_models_refuse_control_characters_and_line_breaks_in_one_line_fields(
    db, model, values, field
):
    with pytest.raises(ValidationError) as caught:
        model(**values).full_clean()
    assert field in caught.value.message_dict


def test_the_admin_form_names_the_hidden_character_instead_of_saving_it(client, db):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("ed", "ed@example.org", "x"))
    topic = make_topic("energy")
    claim = make_claim("Lukoil holds 20% of Shah Deniz.", topics=[topic])
    data = admin_form_data(client.get(f"/admin/claims/claim/{claim.pk}/change/"))
    data["statement"] = f"Lukoil holds 20% of Shah {RLO}Deniz."
    response = client.post(f"/admin/claims/claim/{claim.pk}/change/", data)
    assert response.status_code == 200
    assert "Remove the invisible control character U+202E" in response.text
    claim.refresh_from_db()
    assert claim.statement == "Lukoil holds 20% of Shah Deniz."


# Numbers: both databases keep a value exactly, or the form says why not.


@pytest.mark.parametrize(
    "value",
    ["999999999999999999.999999", "123456789012345678.123456", "1234567890123456"],
)
def test_a_value_with_more_than_15_significant_digits_is_a_clear_error(db, value):
    claim = Claim(statement="A figure.", value=Decimal(value), unit="USD")
    with pytest.raises(ValidationError) as caught:
        claim.full_clean()
    assert "at most 15 significant digits" in caught.value.message_dict["value"][0]


@pytest.mark.parametrize(
    "value", ["123456789012345", "1500000000", "0.000001", "-58.6", "999999999.999999"]
)
def test_a_value_of_up_to_15_significant_digits_round_trips_exactly(db, client, value):
    claim = make_claim("A figure.", value=Decimal(value), unit="USD", status="published")
    claim.full_clean(exclude=["search_text"])
    claim.refresh_from_db()
    assert claim.value == Decimal(value)
    assert client.get(f"/api/claims/{claim.pk}/").json()["value"] == format(
        Decimal(value).normalize(), "f"
    )


def test_the_admin_refuses_an_over_long_value_with_a_form_error_not_a_500(client, db):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("ed", "ed@example.org", "x"))
    claim = make_claim("Lukoil holds 20% of Shah Deniz.", topics=[make_topic("energy")])
    data = admin_form_data(client.get(f"/admin/claims/claim/{claim.pk}/change/"))
    data.update(value="999999999999999999.999999", unit="USD")
    response = client.post(f"/admin/claims/claim/{claim.pk}/change/", data)
    assert response.status_code == 200
    assert "Use at most 15 significant digits (this has 24)" in response.text
