"""Readable history: one row per save, every change in full, evidence on the claim's page."""

from __future__ import annotations

import re

from django.urls import reverse

from claims.models import Claim
from tests.factories import admin_form_data, make_entity
from tests.test_workflow import edit_claim, world  # noqa: F401 - the shared fixture

LONG = (
    "Lukoil, Russia's second-largest oil company, holds a twenty percent stake in the Shah "
    "Deniz gas field, which supplies the Southern Gas Corridor to Europe."
)


def history_rows(client, claim: Claim) -> tuple[list[str], str]:
    page = client.get(reverse("admin:claims_claim_history", args=[claim.pk])).content.decode()
    start = page.index('id="change-history"')
    table = page[start : page.index("</table>", start)]
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]  # past the header
    return rows, page


def test_a_new_claim_with_tags_quote_and_link_is_one_row_plus_its_evidence(world):  # noqa: F811
    client = world["reviewer"]
    entity = make_entity("socar", name="SOCAR")
    url = reverse("admin:claims_claim_add")
    data = admin_form_data(client.get(url)) | {
        "statement": "SOCAR and Lukoil share Shah Deniz.",
        "topics": [world["energy"].pk],
        "entities": [entity.pk],
        "quotes-TOTAL_FORMS": "1",
        "quotes-0-source": world["source"].pk,
        "quotes-0-exact": "Lukoil holds a 20 percent stake",
        "links_out-TOTAL_FORMS": "1",
        "links_out-0-relation": "supports",
        "links_out-0-to_claim": world["public"].pk,
        "links_out-0-rationale": "Both name the stake.",
    }
    assert client.post(url, data).status_code == 302
    claim = Claim.objects.get(statement="SOCAR and Lukoil share Shah Deniz.")

    rows, page = history_rows(client, claim)

    assert len(rows) == 1
    assert "created" in rows[0]
    assert "Quotes and links of this claim" in page
    assert "quote #" in page and "link #" in page
    assert ">None<" not in page


def test_an_edit_shows_each_changed_field_in_full_with_its_reason(world):  # noqa: F811
    client = world["reviewer"]
    public = world["public"]
    edit_claim(
        client,
        public,
        statement=LONG,
        unit="percent",
        value="20",
        change_reason="The source gives the exact share.",
    )
    rows, _ = history_rows(client, public)
    newest = rows[0]
    assert "The source gives the exact share." in newest
    assert "Lukoil holds a fifth of Shah Deniz." in newest
    assert LONG.replace("'", "&#x27;") in newest  # not shortened
    assert "chars]" not in newest
    assert "<strong>unit</strong>" in newest
    assert "<strong>version</strong>" not in newest


def test_reverting_from_a_history_page_is_disabled(world):  # noqa: F811
    client = world["editor"]
    public = world["public"]
    edit_claim(world["reviewer"], public, note="Later note.", change_reason="Context.")
    oldest = public.history.order_by("history_date").first()
    url = reverse("admin:claims_claim_simple_history", args=[public.pk, oldest.pk])
    page = client.get(url)
    assert 'name="_save"' not in page.content.decode()
    client.post(url, {"statement": public.statement, "note": "", "version": "1"})
    assert Claim.objects.get(pk=public.pk).note == "Later note."
