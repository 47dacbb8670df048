"""Every mistake an editor can make in the admin is a plain form error or message, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from claims.models import Claim, ClaimLink, Entity, Original, Quote, Source, Topic
from tests.factories import (
    admin_claim_change_form,
    admin_claim_form,
    make_claim,
    make_entity,
    make_link,
    make_quote,
    make_source,
    make_topic,
)

SYMMETRIC = [ClaimLink.Relation.CONTRADICTS, ClaimLink.Relation.DUPLICATES]
HUGE = "9" * 30  # more digits than any database column holds


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("admin", "admin@example.org", "x")


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


def admin_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


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
        link_admin_form(first, second, ClaimLink.Relation.SUPPORTS) | {"version": other.version},
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
    first.refresh_from_db()  # the save moved its version on
    post = admin_claim_change_form(first, (ClaimLink.Relation.QUALIFIES, second))
    assert client.post(change(first), post).status_code == 302
    assert ClaimLink.objects.count() == 4


# --- Lengths and numbers -----------------------------------------------------------------


def test_over_long_claim_unit_is_a_field_error(client, editor, claims):
    first, _ = claims
    client.force_login(editor)
    post = admin_claim_change_form(first, value="12", unit="u" * 41)
    response = client.post(change(first), post)
    assert errors(response) == ["Ensure this value has at most 40 characters (it has 41)."]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1" * 30, "Ensure that there are no more than 24 digits in total."),
        ("1" * 19, "Ensure that there are no more than 18 digits before the decimal point."),
        ("0.1234567", "Ensure that there are no more than 6 decimal places."),
        ("NaN", "Enter a number."),
        ("1e400", "Ensure that there are no more than 24 digits in total."),
    ],
)
def test_out_of_range_claim_value_is_a_field_error(client, editor, claims, value, message):
    first, _ = claims
    client.force_login(editor)
    response = client.post(change(first), admin_claim_change_form(first, value=value))
    assert errors(response) == [message]
    first.refresh_from_db()
    assert first.value is None


def test_a_negative_claim_value_is_kept(client, editor, claims):
    first, _ = claims
    client.force_login(editor)
    post = admin_claim_change_form(first, value="-3.5", unit="percent")
    assert client.post(change(first), post).status_code == 302
    first.refresh_from_db()
    assert (str(first.value), first.unit) == ("-3.500000", "percent")


def test_over_long_source_title_is_a_field_error(client, superuser):
    source = make_source()
    client.force_login(superuser)
    post = {
        "title": "t" * 301,
        "slug": source.slug,
        "kind": source.kind,
        "language": "en",
        "published": "",
        "text": source.text,
        "version": str(source.version),
    }
    response = client.post(reverse("admin:claims_source_change", args=[source.pk]), post)
    assert errors(response) == ["Ensure this value has at most 300 characters (it has 301)."]


@pytest.mark.parametrize(
    ("model", "post", "message"),
    [
        ("topic", {"name": "n" * 101, "slug": "n"}, "at most 100 characters (it has 101)"),
        ("topic", {"name": "N", "slug": "n" * 101}, "at most 100 characters (it has 101)"),
        (
            "entity",
            {"name": "n" * 201, "slug": "n", "kind": Entity.Kind.OTHER, "aliases": ""},
            "at most 200 characters (it has 201)",
        ),
    ],
)
def test_over_long_tag_names_are_field_errors(client, editor, model, post, message):
    client.force_login(editor)
    response = client.post(reverse(f"admin:claims_{model}_add"), post)
    assert [m for m in errors(response) if message in m]
    assert not Topic.objects.exists() and not Entity.objects.exists()


def test_ids_no_column_can_hold_are_invalid_choices(client, editor, claims):
    first, second = claims
    client.force_login(editor)
    add_link = reverse("admin:claims_claimlink_add")
    response = client.post(
        add_link, link_admin_form(first, second, "supports") | {"to_claim": HUGE}
    )
    assert errors(response) == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    response = client.post(change(first), admin_claim_change_form(first, topics=[HUGE]))
    assert errors(response) == [
        f"Select a valid choice. {HUGE} is not one of the available choices."
    ]
    post = admin_claim_change_form(first, (ClaimLink.Relation.SUPPORTS, second))
    response = client.post(change(first), post | {"links_out-0-to_claim": HUGE})
    assert errors(response) == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    source = make_source()
    quote = admin_claim_form(source, "Shah Deniz") | {"quotes-0-source": HUGE}
    response = client.post(reverse("admin:claims_claim_add"), quote)
    assert errors(response) == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    response = client.post(
        reverse("admin:claims_quote_add"),
        {"claim": HUGE, "source": "-4", "exact": "Shah Deniz"},
    )
    assert len(errors(response)) == 2


@pytest.mark.parametrize("number", [HUGE, "-1", "0"])
def test_out_of_range_claim_numbers_in_the_reading_view_are_messages(client, editor, number):
    source = make_source()
    client.force_login(editor)
    query = {
        "passage_source": source.pk,
        "passage_text": "Shah Deniz",
        "passage_start": number,
        "action": "evidence",
        "claim": number,
    }
    response = client.get(
        reverse("admin:claims_source_quote", args=[source.pk]), query, follow=True
    )
    assert response.status_code == 200
    shown = " ".join(admin_messages(response))
    assert "Ensure this value is greater than or equal to" in shown or "no claim" in shown


# --- Deleting ----------------------------------------------------------------------------


@pytest.fixture
def cited(db) -> tuple[Source, Claim, Claim]:
    source = make_source(title="Cited source")
    draft, published = make_claim("A draft."), make_claim("Published.", status="published")
    make_quote(draft, source, "Shah Deniz")
    make_quote(draft, source, "Lukoil currently owns 20 %")
    make_quote(published, source, "77% named Russia")
    return source, draft, published


def test_deleting_a_cited_source_says_which_claims_cite_it(client, superuser, cited):
    source, draft, published = cited
    client.force_login(superuser)
    url = reverse("admin:claims_source_delete", args=[source.pk])
    message = (
        f"This source is cited by 3 quotes (claims #{draft.pk}, #{published.pk}): remove "
        "those quotes first, or delete those claims if they are still drafts."
    )
    page = client.get(url)
    assert page.status_code == 200
    assert admin_messages(page) == [message]
    assert "would require deleting the following protected related objects" in (
        page.content.decode()
    )
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert admin_messages(response) == [message]
    assert Source.objects.filter(pk=source.pk).exists()
    assert Quote.objects.count() == 3


def test_deleting_cited_sources_with_the_action_says_which_claims_cite_them(
    client, superuser, cited
):
    source, draft, published = cited
    uncited = make_source(title="Uncited source")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:claims_source_changelist"),
        {"action": "delete_selected", "_selected_action": [source.pk, uncited.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert admin_messages(response) == [
        f"These sources are cited by 3 quotes (claims #{draft.pk}, #{published.pk}): remove "
        "those quotes first, or delete those claims if they are still drafts."
    ]
    assert Source.objects.filter(pk__in=[source.pk, uncited.pk]).count() == 2


def test_a_source_no_quote_cites_is_deleted(client, superuser):
    source = make_source()
    client.force_login(superuser)
    url = reverse("admin:claims_source_delete", args=[source.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Source.objects.filter(pk=source.pk).exists()


def test_deleting_a_draft_claim_takes_its_links_and_quotes_with_it(client, superuser, cited):
    source, draft, published = cited
    other = make_claim("Another draft.")
    make_link(draft, published, ClaimLink.Relation.CONTRADICTS)
    make_link(other, draft, ClaimLink.Relation.SUPPORTS)
    client.force_login(superuser)
    url = reverse("admin:claims_claim_delete", args=[draft.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Claim.objects.filter(pk=draft.pk).exists()
    assert not ClaimLink.objects.exists()
    assert Quote.objects.filter(source=source).count() == 1
    response = client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Claim.objects.filter(pk=other.pk).exists()


def test_deleting_a_published_claim_with_the_action_is_refused(client, superuser, cited):
    _, draft, published = cited
    make_link(draft, published, ClaimLink.Relation.CONTRADICTS)
    client.force_login(superuser)
    changelist = reverse("admin:claims_claim_changelist")
    selected = {"action": "delete_selected", "_selected_action": [draft.pk, published.pk]}
    page = client.post(changelist, selected)
    assert page.status_code == 200
    assert "Cannot delete" in page.content.decode()
    assert client.post(changelist, selected | {"post": "yes"}).status_code == 403
    assert Claim.objects.filter(pk__in=[draft.pk, published.pk]).count() == 2


@pytest.mark.parametrize("model", ["topic", "entity"])
def test_deleting_a_topic_or_entity_in_use_untags_its_claims(client, superuser, model):
    tag = make_topic() if model == "topic" else make_entity()
    claim = make_claim("Tagged.", **{"topics" if model == "topic" else "entities": [tag]})
    # Also recorded in the claim's history, whose tag rows must not hold the tag back.
    claim.statement = "Tagged, changed."
    claim.save()
    client.force_login(superuser)
    url = reverse(f"admin:claims_{model}_delete", args=[tag.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not type(tag).objects.exists()
    assert not getattr(claim, "topics" if model == "topic" else "entities").exists()


def test_an_original_a_source_uses_cannot_be_deleted(client, superuser):
    original = Original.objects.create(
        kind=Original.Kind.PASTE,
        content=b"Text.",
        sha256="a" * 64,
        size=5,
        media_type="text/plain",
        received_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    make_source(original=original)
    client.force_login(superuser)
    url = reverse("admin:claims_original_delete", args=[original.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:claims_original_changelist"),
        {"action": "delete_selected", "_selected_action": [original.pk], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert Original.objects.filter(pk=original.pk).exists()
