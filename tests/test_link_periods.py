"""Relations defined once, and contradictions between claims about different periods."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimLink
from tests.factories import admin_form_data


def _flags(link: ClaimLink) -> tuple[bool, bool]:
    row = ClaimLink.objects.with_period_check().get(pk=link.pk)
    return row.different_periods, row.needs_period_check


def _set(claim: Claim, **fields) -> None:
    Claim.objects.filter(pk=claim.pk).update(**fields)


def test_a_contradiction_between_event_dates_in_different_years_is_flagged(public_registry):
    # stake: 2022-02-22; decline: as of 2023–2025-06 (its event date 2023-10 is not used).
    contradiction = public_registry.contradiction
    assert _flags(contradiction) == (True, True)


def test_as_of_is_used_when_set_instead_of_the_event_date(public_registry):
    contradiction = public_registry.contradiction
    _set(public_registry.decline, as_of_start=dt.date(2021, 1, 1))  # 2021–2025-06
    assert _flags(contradiction) == (False, False)  # overlaps 2022
    _set(public_registry.stake, as_of_start=dt.date(2026, 1, 1), as_of_start_precision="year")
    assert _flags(contradiction) == (True, True)  # since 2026 against 2021–2025


@pytest.mark.parametrize(
    ("fields", "flagged"),
    [
        ({"event_date": dt.date(2023, 3, 1)}, False),  # the same year
        ({"event_date": None, "event_date_precision": "unknown"}, False),  # undated: unknown
        ({"as_of_start": dt.date(2020, 1, 1), "as_of_start_precision": "year"}, False),  # open
    ],
)
def test_the_same_year_an_unknown_date_or_an_open_period_is_not_flagged(
    public_registry, fields, flagged
):
    stake = public_registry.stake
    _set(
        public_registry.decline,
        as_of_start=None,
        as_of_start_precision="unknown",
        as_of_end=None,
        as_of_end_precision="unknown",
    )
    _set(stake, **fields)
    assert _flags(public_registry.contradiction)[1] is flagged


def test_only_contradictions_need_a_period_check(public_registry):
    support = public_registry.support  # balance (2010) supports stake (2022)
    assert _flags(support) == (True, False)


def test_a_reviewers_note_confirms_the_contradiction_and_a_blank_one_reopens_it(
    public_registry, reviewer
):
    contradiction = public_registry.contradiction
    services.confirm_link_periods(
        link=contradiction, note="The stake and the decline are one trend.", user=reviewer
    )
    assert _flags(contradiction) == (True, False)
    contradiction.refresh_from_db()
    assert contradiction.period_confirmed_by == reviewer
    services.confirm_link_periods(link=contradiction, note="  ", user=reviewer)
    assert _flags(contradiction) == (True, True)


def test_an_editor_cannot_confirm_a_contradiction_across_periods(public_registry, editor):
    with pytest.raises(PermissionDenied):
        services.confirm_link_periods(link=public_registry.contradiction, note="Fine.", user=editor)


def test_the_admin_flags_and_filters_contradictions_between_different_periods(
    client, reviewer, public_registry
):
    client.force_login(reviewer)
    url = reverse("admin:claims_claimlink_changelist")
    html = client.get(url, {"period_check": "needed"}).content.decode()
    assert "different periods: is this “updates”?" in html
    shown = client.get(url, {"period_check": "needed"}).context["cl"].result_list
    assert [link.pk for link in shown] == [public_registry.contradiction.pk]


def test_a_reviewer_confirms_the_periods_on_the_link_form(client, reviewer, public_registry):
    contradiction = public_registry.contradiction
    client.force_login(reviewer)
    url = reverse("admin:claims_claimlink_change", args=[contradiction.pk])
    data = admin_form_data(client.get(url)) | {"period_note": "Both describe 2022 onwards."}
    assert client.post(url, data).status_code == 302
    assert _flags(contradiction) == (True, False)
    html = client.get(url).content.decode()
    assert "confirmed by rita: Both describe 2022 onwards." in html


def test_editors_do_not_see_the_period_confirmation(client, editor, public_registry):
    client.force_login(editor)
    url = reverse("admin:claims_claimlink_change", args=[public_registry.contradiction.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "period_note" not in response.context["adminform"].form.fields


def test_the_relation_help_text_defines_every_relation():
    help_text = ClaimLink._meta.get_field("relation").help_text
    for relation, definition in ClaimLink.DEFINITIONS.items():
        assert f"{relation.label}: {definition[0].lower()}{definition[1:]}" in help_text
    assert set(ClaimLink.DEFINITIONS) == set(ClaimLink.Relation)


def test_the_link_guide_defines_every_relation(client, db):
    html = client.get(reverse("claims:link-guide")).content.decode()
    for relation, definition in ClaimLink.DEFINITIONS.items():
        assert f'id="{relation}"' in html
        assert definition in html


def test_contradiction_cards_show_each_claims_date(client, public_registry):
    html = client.get(reverse("claims:contradiction-list")).content.decode()
    whens = re.findall(r'<p class="meta when">(.*?)</p>', html)
    assert [re.sub(r"<[^>]+>", "", w) for w in whens] == [
        "2022-02-22",
        "2023-10 · as of 2023\u20132025-06",
    ]
    assert 'href="/links/"' in html
