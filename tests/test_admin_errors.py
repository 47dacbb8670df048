"""Every mistake an editor can make in the admin is a plain form error or message, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims.models import Claim, ClaimLink
from tests.factories import (
    admin_claim_change_form,
    make_claim,
    make_link,
)

SYMMETRIC = [ClaimLink.Relation.CONTRADICTS, ClaimLink.Relation.DUPLICATES]


@pytest.fixture
def claims(db) -> tuple[Claim, Claim]:
    return make_claim("Turkey sent 600 observers."), make_claim("Turkey sent no observers.")


def errors(response) -> list[str]:
    """The error messages the admin form shows: the form's, its inlines' and their rows'."""
    assert response.status_code == 200
    return [str(message) for messages in response.context["errors"] for message in messages]


def change(claim: Claim) -> str:
    return reverse("admin:claims_claim_change", args=[claim.pk])


def link_admin_form(from_claim, to_claim, relation: str) -> dict:
    return {
        "from_claim": str(from_claim.pk),
        "to_claim": str(to_claim.pk),
        "relation": relation,
        "rationale": "Why they are linked.",
    }


# --- Links -------------------------------------------------------------------------------


@pytest.mark.parametrize("relation", SYMMETRIC)
def test_a_symmetric_link_stored_the_other_way_is_named_on_the_claim_form(
    client, editor, claims, relation
):
    first, second = claims
    make_link(first, second, relation)
    client.force_login(editor)
    response = client.post(change(second), admin_claim_change_form(second, (relation, first)))
    assert errors(response) == [f"#{first.pk} already {relation} #{second.pk}."]
    assert f"#{first.pk} already {relation} #{second.pk}." in response.content.decode()
    assert ClaimLink.objects.count() == 1


@pytest.mark.parametrize("relation", SYMMETRIC)
def test_a_symmetric_link_stored_the_other_way_is_named_in_the_link_admin(
    client, editor, claims, relation
):
    first, second = claims
    make_link(first, second, relation)
    client.force_login(editor)
    response = client.post(
        reverse("admin:claims_claimlink_add"), link_admin_form(second, first, relation)
    )
    assert errors(response) == [f"#{first.pk} already {relation} #{second.pk}."]
    assert ClaimLink.objects.count() == 1


def test_a_link_stored_the_same_way_is_named_on_the_claim_form(client, editor, claims):
    first, second = claims
    make_link(first, second, ClaimLink.Relation.QUALIFIES)
    client.force_login(editor)
    post = admin_claim_change_form(first, (ClaimLink.Relation.QUALIFIES, second))
    response = client.post(change(first), post)
    assert errors(response) == [f"#{first.pk} already qualifies #{second.pk}."]
    assert "Please correct the duplicate" not in response.content.decode()
    assert ClaimLink.objects.count() == 1


def test_a_link_stored_the_same_way_is_named_in_the_link_admin(client, editor, claims):
    first, second = claims
    make_link(first, second, ClaimLink.Relation.QUALIFIES)
    client.force_login(editor)
    response = client.post(
        reverse("admin:claims_claimlink_add"),
        link_admin_form(first, second, ClaimLink.Relation.QUALIFIES),
    )
    assert errors(response) == [f"#{first.pk} already qualifies #{second.pk}."]


def test_changing_a_link_into_a_copy_of_another_is_named(client, editor, claims):
    first, second = claims
    make_link(first, second, ClaimLink.Relation.SUPPORTS)
    other = make_link(second, first, ClaimLink.Relation.QUALIFIES)
    client.force_login(editor)
    response = client.post(
        reverse("admin:claims_claimlink_change", args=[other.pk]),
        link_admin_form(first, second, ClaimLink.Relation.SUPPORTS),
    )
    assert errors(response) == [f"#{first.pk} already supports #{second.pk}."]


def test_the_same_new_link_in_two_rows_is_named_once(client, editor, claims):
    first, second = claims
    client.force_login(editor)
    rows = [(ClaimLink.Relation.SUPPORTS, second)] * 2
    response = client.post(change(first), admin_claim_change_form(first, *rows))
    assert errors(response) == [
        f"“#{first.pk} supports #{second.pk}” is entered twice; keep one row."
    ]
    assert not ClaimLink.objects.exists()


def test_the_same_link_in_two_rows_of_a_new_claim_is_named(client, editor, claims):
    _, second = claims
    client.force_login(editor)
    new = Claim(statement="A new claim.")
    rows = [(ClaimLink.Relation.CONTRADICTS, second)] * 2
    response = client.post(reverse("admin:claims_claim_add"), admin_claim_change_form(new, *rows))
    assert errors(response) == [
        f"“this claim contradicts #{second.pk}” is entered twice; keep one row."
    ]
    assert not Claim.objects.filter(statement="A new claim.").exists()


def test_a_claim_linked_to_itself_is_a_form_error_on_the_claim_form(client, editor, claims):
    first, _ = claims
    client.force_login(editor)
    post = admin_claim_change_form(first, (ClaimLink.Relation.SUPPORTS, first))
    assert errors(client.post(change(first), post)) == ["A claim cannot be linked to itself."]
    assert not ClaimLink.objects.exists()


def test_a_claim_linked_to_itself_is_a_form_error_in_the_link_admin(client, editor, claims):
    first, _ = claims
    client.force_login(editor)
    response = client.post(
        reverse("admin:claims_claimlink_add"),
        link_admin_form(first, first, ClaimLink.Relation.SUPPORTS),
    )
    assert errors(response) == ["A claim cannot be linked to itself."]


def test_saving_a_claim_with_its_links_unchanged_or_rearranged_is_not_refused(
    client, editor, claims
):
    first, second = claims
    third = make_claim("A third claim.")
    make_link(first, second, ClaimLink.Relation.CONTRADICTS)
    make_link(third, first, ClaimLink.Relation.CONTRADICTS)
    make_link(second, first, ClaimLink.Relation.SUPPORTS)
    client.force_login(editor)
    response = client.post(change(first), admin_claim_change_form(first))
    assert response.status_code == 302
    post = admin_claim_change_form(first, (ClaimLink.Relation.QUALIFIES, second))
    assert client.post(change(first), post).status_code == 302
    assert ClaimLink.objects.count() == 4
