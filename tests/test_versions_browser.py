"""In a real browser: an editor's approved change makes version 2, and version 1 still reads
as it was cited."""

from __future__ import annotations

import json
import re

from django.contrib.auth.models import Group
from playwright.sync_api import Browser, Page, expect

from claims.models import Claim
from tests.test_browser import (  # noqa: F401 - the browser fixtures
    OVERFLOW_TOLERANCE,
    SCREENSHOTS,
    browser,
    chromium_path,
    log_in,
    page,
    playwright,
    registry,
    screenshot,
    sticking_out,
)

PASSWORD = "a-long-pass-word"
NEW = "Russia's Lukoil keeps a 19.99 percent stake in the Shah Deniz gas field."


def signed_in(browser: Browser, server_url: str, path: str, username: str) -> Page:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    user_page = context.new_page()
    user_page.set_default_timeout(10_000)
    log_in(user_page, server_url, path, username, PASSWORD)
    return user_page


def test_version_1_keeps_the_old_statement_after_an_approved_change(
    live_server,
    registry,  # noqa: F811
    browser,  # noqa: F811
    page,  # noqa: F811
    django_user_model,
):
    for name, group in (("edna", "Editors"), ("rita", "Reviewers")):
        user = django_user_model.objects.create_user(name, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
    claim = Claim.objects.published().most_contested().first()
    old = claim.statement

    # The editor proposes a new statement for the published claim; it waits for review.
    editor = signed_in(browser, live_server.url, f"/admin/claims/claim/{claim.pk}/change/", "edna")
    editor.locator("textarea[name='statement']").fill(NEW)
    editor.get_by_label("Why this change?").fill("The article gives the exact share.")
    editor.locator("input[name='_save']").click()
    expect(editor.locator(".messagelist")).to_contain_text("is waiting for a reviewer")
    editor.context.close()

    # The reviewer approves it in the review queue.
    reviewer = signed_in(browser, live_server.url, "/admin/claims/claim/review-queue/", "rita")
    change = reviewer.get_by_role("region", name=re.compile(f"Claim #{claim.pk}, proposed by edna"))
    expect(change).to_contain_text(NEW)
    change.get_by_role("button", name="Approve and apply").click()
    expect(reviewer.locator(".messagelist")).to_contain_text("was approved")
    reviewer.context.close()

    # A researcher who cited version 1 still reads the old statement there.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/claims/{claim.pk}/v/1/")
    expect(page.get_by_role("heading", level=1)).to_have_text(old)
    notice = page.get_by_role("status")
    expect(notice).to_contain_text("This is version 1 of 2, as published on")
    cite = page.get_by_role("region", name="Cite this claim")
    expect(
        cite.get_by_role("link", name=f"{live_server.url}/claims/{claim.pk}/v/1/")
    ).to_be_visible()
    csl = json.loads(cite.get_by_role("textbox", name=re.compile("^CSL-JSON")).input_value())
    assert (csl[0]["title"], csl[0]["version"]) == (old, "1")
    bibtex = cite.get_by_role("textbox", name="BibTeX", exact=True)
    expect(bibtex).to_have_value(re.compile(rf"^@misc\{{factreg-claim-{claim.pk}-v1,"))
    copy = cite.get_by_role("button", name="Copy BibTeX")
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == bibtex.input_value()
    screenshot(page, "claim-version.png")

    # The claim's page shows the new statement as version 2, with both versions listed.
    notice.get_by_role("link", name="see the current version").click()
    expect(page).to_have_url(f"{live_server.url}/claims/{claim.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW)
    expect(page.locator(".version-line")).to_contain_text("Version 2,")
    history = page.get_by_role("region", name="Versions")
    expect(history.get_by_role("link", name="Version 1")).to_be_visible()
    expect(history.get_by_role("link", name="Version 2")).to_be_visible()
    expect(history).to_contain_text(old)
    screenshot(page, "claim-version-current.png")

    # Both fit a 390-pixel phone without scrolling sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    for path, name in (
        (f"/claims/{claim.pk}/v/1/", "narrow"),
        (f"/claims/{claim.pk}/", "narrow-current"),
    ):
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + OVERFLOW_TOLERANCE, (path, width, sticking_out(page))
        screenshot(page, f"claim-version-{name}.png")
    cite = page.get_by_role("region", name="Cite this claim")
    cite.screenshot(path=SCREENSHOTS / "claim-version-narrow-cite.png")
