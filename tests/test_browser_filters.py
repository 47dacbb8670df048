"""In a real browser: the claim list's filters, chips and the phone's "Filters (N)" control."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from claims.models import Claim, Topic
from tests import test_browser as base

claim_rows = base.claim_rows
screenshot = base.screenshot


def _count(page) -> int:
    return int(page.get_by_role("status").inner_text().split()[0])


def test_a_researcher_chooses_topics_in_the_form_and_removes_them_with_chips(
    live_server, registry, page
):
    energy = Topic.objects.get(name="Energy")
    economy = Topic.objects.get(name="Economy & trade")
    both = Claim.objects.published().filter(topics=energy).filter(topics=economy).count()
    only_energy = Claim.objects.published().filter(topics=energy).count()
    assert 0 < both < only_energy

    page.goto(f"{live_server.url}/claims/")
    page.get_by_label("Topics", exact=True).select_option(["energy", "economy-trade"])
    page.get_by_label("From", exact=True).fill("")
    page.get_by_role("button", name="Apply").click()
    # The address carries only the filters in use: no `&q=&source=…` noise.
    query = parse_qs(urlsplit(page.url).query, keep_blank_values=True)
    assert sorted(query) == ["topic"]
    assert sorted(query["topic"]) == ["economy-trade", "energy"]
    expect(page.get_by_role("status")).to_have_text(
        re.compile(
            rf"^{both} claims? on (Economy & trade and Energy|Energy and Economy & trade)\.$"
        )
    )
    expect(claim_rows(page)).to_have_count(min(both, 25))
    chips = page.get_by_role("list", name="Filters in use")
    expect(chips.get_by_role("listitem")).to_have_count(2)
    screenshot(page, "filters-chips-desktop.png")

    chips.get_by_role("link", name="Remove Topics: Economy & trade").click()
    expect(page).to_have_url(re.compile(r"/claims/\?topic=energy$"))
    expect(page.get_by_role("status")).to_have_text(f"{only_energy} claims on Energy.")
    expect(page.get_by_role("list", name="Filters in use").get_by_role("listitem")).to_have_count(1)
    # The form shows the same choice the chips do.
    selected = page.get_by_label("Topics", exact=True).evaluate(
        "(select) => [...select.selectedOptions].map((option) => option.value)"
    )
    assert selected == ["energy"]


def test_on_a_phone_the_filters_come_first_folded_behind_a_control(live_server, registry, phone):
    phone.goto(f"{live_server.url}/claims/?topic=energy&date_from=2022")
    control = phone.locator("summary", has_text="Filters (2)")
    expect(control).to_be_in_viewport()
    # Folded: the form is not shown until asked for, and the results are near the top.
    expect(phone.get_by_label("Topics", exact=True)).to_be_hidden()
    first = claim_rows(phone).first
    box = first.bounding_box()
    assert box is not None
    assert box["y"] < 844 * 1.5, box
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "filters-phone-folded.png")
    control.click()
    expect(phone.get_by_label("Topics", exact=True)).to_be_visible()
    expect(phone.get_by_label("From", exact=True)).to_have_value("2022")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "filters-phone-open.png")
