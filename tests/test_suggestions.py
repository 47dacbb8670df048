"""Suggested disagreements: pairs of claims from different sources that may need a link."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from claims import services
from claims.disagreements import ClaimFacts, score, suggest
from claims.models import PairDismissal
from tests.factories import (
    make_claim,
    make_entity,
    make_link,
    make_quote,
    make_source,
    make_topic,
)


def facts(pk: int, statement: str, *, source: int, entities=(1,), **fields) -> ClaimFacts:
    return ClaimFacts(
        id=pk,
        statement=statement,
        sources=frozenset({source}),
        entities=frozenset(entities),
        **fields,
    )


def test_opposite_wording_about_a_shared_entity_suggests_a_contradiction():
    a = facts(1, "Relations with Russia improved in 2023.", source=1, year_from=2023, year_to=2023)
    b = facts(
        2, "Relations with Russia deteriorated in 2023.", source=2, year_from=2023, year_to=2023
    )
    (found,) = suggest([a, b], threshold=0)
    assert (found.first, found.second, found.relation) == (1, 2, "contradicts")
    assert found.reasons == ("shared entities", "opposite wording")
    assert found.score == 1 + 2


def test_different_figures_in_the_same_unit_are_a_sign_of_disagreement():
    a = facts(1, "Lukoil holds 10% of Shah Deniz.", source=1, value=Decimal(10), unit="percent")
    b = facts(2, "Lukoil holds 20% of Shah Deniz.", source=2, value=Decimal(20), unit="Percent")
    assert score(a, b).reasons == ("shared entities", "different figures")
    assert score(a, b).relation == "contradicts"


def test_claims_about_different_periods_suggest_an_update():
    a = facts(1, "Relations were thriving.", source=1, year_from=2023, year_to=2023)
    b = facts(2, "Relations were deteriorating.", source=2, year_from=2025, year_to=2025)
    assert score(a, b).relation == "updates"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # The same source: one article does not disagree with itself here.
        (facts(1, "Ties improved.", source=1), facts(2, "Ties deteriorated.", source=1)),
        # Nothing in common.
        (
            facts(1, "Ties improved.", source=1, entities=(1,)),
            facts(2, "Ties deteriorated.", source=2, entities=(2,)),
        ),
    ],
)
def test_pairs_from_one_source_or_without_a_shared_entity_are_not_suggested(a, b):
    assert score(a, b) is None
    assert suggest([a, b], threshold=0) == []


def test_shared_tags_alone_are_not_a_suggestion():
    a = facts(1, "Baku hosted the talks.", source=1, entities=(1, 2, 3), topics=frozenset({1, 2}))
    b = facts(2, "Baku signed the deal.", source=2, entities=(1, 2, 3), topics=frozenset({1, 2}))
    assert score(a, b).score == 5
    assert suggest([a, b]) == []


def test_an_entity_on_too_many_claims_pairs_nothing_by_itself():
    claims = [
        facts(n, "Ties improved." if n % 2 else "Ties deteriorated.", source=n) for n in range(1, 6)
    ]
    # 2 say "improved", 3 "deteriorated": a side of 3 is over a block of 2.
    assert suggest(claims, threshold=0, block=2) == []
    assert len(suggest(claims, threshold=0, block=3)) == 6


def test_skipped_pairs_are_left_out_in_either_order():
    a = facts(1, "Ties improved.", source=1)
    b = facts(2, "Ties deteriorated.", source=2)
    assert suggest([a, b], skip=[(2, 1)], threshold=0) == []


@pytest.fixture
def disagreeing(db) -> tuple:
    """Two published claims from different sources about Russia: improved vs deteriorated."""
    russia = make_entity("russia", name="Russia", kind="country")
    diplomacy = make_topic("diplomacy")
    first_source = make_source(text="Relations with Russia improved in 2023.\n")
    second_source = make_source(text="Relations with Russia deteriorated in 2023.\n")
    dated = {"event_date": dt.date(2023, 1, 1), "event_date_precision": "year"}
    tags = {"entities": [russia], "topics": [diplomacy]}  # 1 + 1, and opposite wording 2
    a = make_claim("Relations improved.", status="published", **tags, **dated)
    b = make_claim("Relations deteriorated.", status="published", **tags, **dated)
    make_quote(a, first_source, "Relations with Russia improved in 2023.")
    make_quote(b, second_source, "Relations with Russia deteriorated in 2023.")
    return a, b


def _pairs() -> list[tuple[int, int]]:
    return [(s.first, s.second) for s in services.suggested_pairs(limit=None)]


def test_the_registry_suggests_the_pair_until_it_is_linked(disagreeing):
    a, b = disagreeing
    assert _pairs() == [(a.pk, b.pk)]
    make_link(b, a, "contradicts", rationale="Opposite trends in the same year.")
    assert _pairs() == []


def test_a_dismissed_pair_is_never_suggested_again(disagreeing, editor):
    a, b = disagreeing
    services.dismiss_pair(first=b, second=a, reason="different matters", user=editor)
    assert _pairs() == []
    dismissal = PairDismissal.objects.get()
    assert (dismissal.first_claim_id, dismissal.second_claim_id) == (a.pk, b.pk)
    with pytest.raises(ValidationError, match="Say why"):
        services.dismiss_pair(first=a, second=b, reason=" ", user=editor)


def test_drafts_are_not_suggested(disagreeing):
    a, _ = disagreeing
    a.status = "draft"
    a.save()
    assert _pairs() == []


def test_the_suggestions_page_accepts_into_the_link_form_and_dismisses(client, editor, disagreeing):
    a, b = disagreeing
    client.force_login(editor)
    url = reverse("admin:claims_claimlink_suggestions")
    html = client.get(url).content.decode()
    assert f'id="pair-{a.pk}-{b.pk}"' in html
    accept = reverse("admin:claims_claimlink_add") + (
        f"?from_claim={a.pk}&amp;to_claim={b.pk}&amp;relation=contradicts"
    )
    assert accept in html
    form = client.get(
        reverse("admin:claims_claimlink_add"),
        {"from_claim": a.pk, "to_claim": b.pk, "relation": "contradicts"},
    )
    initial = form.context["adminform"].form.initial
    assert (str(initial["from_claim"]), str(initial["to_claim"]), initial["relation"]) == (
        str(a.pk),
        str(b.pk),
        "contradicts",
    )
    response = client.post(url, {"first": a.pk, "second": b.pk, "reason": "both can be true"})
    assert response.status_code == 302
    assert "No suggested pairs" in client.get(url).content.decode()


def test_the_registry_report_counts_open_suggestions(disagreeing):
    out = io.StringIO()
    call_command("registry_report", "--json", stdout=out)
    assert json.loads(out.getvalue())["counts"]["suggestions_open"] == 1


def test_a_dismissal_without_a_reason_is_refused_with_a_message_and_the_pair_stays(
    client, editor, reviewer, disagreeing
):
    a, b = disagreeing
    client.force_login(editor)
    url = reverse("admin:claims_claimlink_suggestions")
    response = client.post(url, {"first": a.pk, "second": b.pk, "reason": ""}, follow=True)
    assert "Say why these claims need no link." in response.content.decode()
    assert f'id="pair-{a.pk}-{b.pk}"' in response.content.decode()
    assert not PairDismissal.objects.exists()


def test_only_those_who_may_add_links_see_the_suggestions(client, db, disagreeing):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("viewer", password="x", is_staff=True))
    assert client.get(reverse("admin:claims_claimlink_suggestions")).status_code == 403
