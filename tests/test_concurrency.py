"""No lost edits: a save from a stale form is refused, says who changed what, keeps the input."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimLink, Entity, Quote, Source, StaleEdit, Topic
from tests.factories import (
    admin_form_data,
    make_claim,
    make_entity,
    make_link,
    make_quote,
    make_topic,
)

ARTICLE = "Lukoil holds a 20 percent stake in the Shah Deniz gas field.\n\nBaku hedges.\n"


@pytest.fixture
def editors(db) -> tuple[Client, Client]:
    """Two logged-in editors, Ann and Bob, each in their own browser session."""
    sessions = []
    for name in ("ann", "bob"):
        user = User.objects.create_superuser(name, f"{name}@example.org", "x")
        client = Client()
        client.force_login(user)
        sessions.append(client)
    return sessions[0], sessions[1]


@pytest.fixture
def rows(db) -> dict:
    source = services.add_source(text=ARTICLE, values={"title": "Stakes"})
    topic = make_topic("energy", name="Energy")
    entity = make_entity("lukoil", name="Lukoil")
    claim = make_claim("Lukoil holds a fifth of Shah Deniz.", topics=[topic])
    other = make_claim("Baku hedges between the powers.")
    quote = make_quote(claim, source, "Lukoil holds a 20 percent stake")
    link = make_link(claim, other, "supports", rationale="Both about hedging.")
    return {
        "source": source,
        "topic": topic,
        "entity": entity,
        "claim": claim,
        "quote": quote,
        "claimlink": link,
    }


def both_open(ann: Client, bob: Client, url: str) -> tuple[dict, dict]:
    """Ann and Bob load the same form."""
    return admin_form_data(ann.get(url)), admin_form_data(bob.get(url))


def refused(response, *, saved_by: str, change: str) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    assert "was changed by" in html
    assert saved_by in html
    assert change in html
    assert "Nothing was saved" in html
    return html


def test_a_second_save_of_a_claim_is_refused_and_keeps_the_editors_input(editors, rows):
    ann, bob = editors
    claim = rows["claim"]
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    form_a, form_b = both_open(ann, bob, url)
    form_a["statement"] = "Lukoil owns 20% of Shah Deniz."
    form_b["note"] = "Bob's careful note."

    assert ann.post(url, form_a).status_code == 302
    response = bob.post(url, form_b)

    refused(response, saved_by="ann", change="statement")
    assert "Lukoil owns 20% of Shah Deniz." in response.content.decode()
    assert response.context["adminform"].form["note"].value() == "Bob's careful note."
    claim.refresh_from_db()
    assert (claim.statement, claim.note) == ("Lukoil owns 20% of Shah Deniz.", "")


@pytest.mark.parametrize("model", ["source", "topic", "entity", "quote", "claimlink"])
def test_a_second_save_of_any_editable_row_is_refused(editors, rows, model):
    ann, bob = editors
    row = rows[model]
    url = reverse(f"admin:claims_{model}_change", args=[row.pk])
    field = {
        "source": "outlet",
        "topic": "description",
        "entity": "aliases",
        "quote": "note",
        "claimlink": "rationale",
    }[model]
    form_a, form_b = both_open(ann, bob, url)
    form_a[field] = "Ann's value."
    form_b[field] = "Bob's value."

    assert ann.post(url, form_a).status_code == 302
    response = bob.post(url, form_b)

    refused(response, saved_by="ann", change="Ann&#x27;s value.")
    assert "Bob&#x27;s value." in response.content.decode()  # Bob's input is still there
    row.refresh_from_db()
    assert getattr(row, field) == "Ann's value."


def test_a_stale_inline_quote_is_refused_on_the_claim_form(editors, rows):
    ann, bob = editors
    claim, quote = rows["claim"], rows["quote"]
    claim_url = reverse("admin:claims_claim_change", args=[claim.pk])
    quote_url = reverse("admin:claims_quote_change", args=[quote.pk])
    form_b = admin_form_data(bob.get(claim_url))
    form_a = admin_form_data(ann.get(quote_url))
    form_a["note"] = "Ann annotates the quote."
    assert ann.post(quote_url, form_a).status_code == 302

    form_b["quotes-0-exact"] = "Baku hedges."  # Bob points the quote elsewhere
    response = bob.post(claim_url, form_b)

    refused(response, saved_by="ann", change="note")
    assert Quote.objects.get(pk=quote.pk).exact == "Lukoil holds a 20 percent stake"
    assert Quote.objects.get(pk=quote.pk).note == "Ann annotates the quote."


def test_a_claim_form_that_would_undo_a_newer_link_edit_is_refused(editors, rows):
    ann, bob = editors
    claim, link = rows["claim"], rows["claimlink"]
    claim_url = reverse("admin:claims_claim_change", args=[claim.pk])
    link_url = reverse("admin:claims_claimlink_change", args=[link.pk])
    form_b = admin_form_data(bob.get(claim_url))
    form_a = admin_form_data(ann.get(link_url))
    form_a["rationale"] = "Ann's sharper rationale."
    assert ann.post(link_url, form_a).status_code == 302

    form_b["note"] = "Bob's note."  # Bob's form still holds the old rationale
    refused(bob.post(claim_url, form_b), saved_by="ann", change="rationale")

    assert ClaimLink.objects.get(pk=link.pk).rationale == "Ann's sharper rationale."
    assert Claim.objects.get(pk=claim.pk).note == ""


def test_a_quote_added_meanwhile_survives_a_save_of_the_claim_form(editors, rows):
    _ann, bob = editors
    claim = rows["claim"]
    claim_url = reverse("admin:claims_claim_change", args=[claim.pk])
    form_b = admin_form_data(bob.get(claim_url))
    added = make_quote(claim, rows["source"], "Baku hedges.")  # Ann, in another tab

    form_b["note"] = "Bob's note."
    assert bob.post(claim_url, form_b).status_code == 302

    assert Quote.objects.filter(pk=added.pk).exists()
    assert Claim.objects.get(pk=claim.pk).note == "Bob's note."


def test_a_stale_text_edit_of_a_source_is_refused(editors, rows):
    ann, bob = editors
    source = rows["source"]
    url = reverse("admin:claims_source_change", args=[source.pk])
    form_a, form_b = both_open(ann, bob, url)
    form_a["text"] = "Intro.\r\n\r\n" + source.text
    form_b["title"] = "Bob's title"
    assert ann.post(url, form_a).status_code == 302
    refused(bob.post(url, form_b), saved_by="ann", change="text")
    assert Source.objects.get(pk=source.pk).title == "Stakes"


def test_saving_an_object_loaded_before_someone_elses_save_raises(rows):
    first = Topic.objects.get(pk=rows["topic"].pk)
    second = Topic.objects.get(pk=rows["topic"].pk)
    first.name = "Energy and gas"
    first.save()
    second.name = "Power"
    with pytest.raises(StaleEdit):
        second.save()
    assert Topic.objects.get(pk=first.pk).name == "Energy and gas"
    assert Topic.objects.get(pk=first.pk).version == 2


def test_a_service_working_from_a_stale_object_changes_nothing(rows):
    source = Source.objects.get(pk=rows["source"].pk)
    Source.objects.get(pk=source.pk).save()  # someone else saves meanwhile
    with pytest.raises(StaleEdit):
        services.set_source_text(source=source, text="Intro.\n\n" + source.text)
    assert Source.objects.get(pk=source.pk).text == rows["source"].text


def test_every_save_moves_the_version_on_by_one(rows):
    entity = Entity.objects.get(pk=rows["entity"].pk)
    versions = [entity.version]
    for _ in range(3):
        entity.save()
        versions.append(Entity.objects.get(pk=entity.pk).version)
    assert versions == [1, 2, 3, 4]


def test_a_save_that_loses_a_race_after_its_checks_is_refused_not_a_server_error(editors, rows):
    ann, _bob = editors
    claim, other = rows["claim"], Claim.objects.exclude(pk=rows["claim"].pk).get()
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    form = admin_form_data(ann.get(url))
    form |= {
        "links_out-TOTAL_FORMS": "2",
        "links_out-1-relation": ClaimLink.Relation.CONTRADICTS,
        "links_out-1-to_claim": str(other.pk),
        "links_out-1-rationale": "Ann sees a contradiction.",
    }

    def bob_links_first(sender, instance, **kwargs) -> None:
        # Bob saves the same contradiction after Ann's form was checked, before her links.
        if not ClaimLink.objects.filter(relation=ClaimLink.Relation.CONTRADICTS).exists():
            make_link(other, claim, ClaimLink.Relation.CONTRADICTS, rationale="Bob's.")

    post_save.connect(bob_links_first, sender=Claim)
    try:
        response = ann.post(url, form, follow=True)
    finally:
        post_save.disconnect(bob_links_first, sender=Claim)

    assert response.status_code == 200
    assert "Someone else saved this at the same moment" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).version == claim.version  # Ann's save rolled back
