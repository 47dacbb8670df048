"""The timeline in a real browser, on the curated registry: counts that the claim list
confirms, a legend and axis labels in view, and a phone screen without sideways scrolling.

Uses the session's browser (tests/browser.py: Debian's chromium; skipped without it
unless CI requires a browser) and its curated `registry`.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from claims.models import Claim
from tests.browser import PHONE
from tests.test_browser import OVERFLOW_TOLERANCE, SCREENSHOTS


def screenshot_down_to(page: Page, name: str, selector: str) -> None:
    """The page from its top to the bottom of `selector`: the chart, not the long list after it."""
    box = page.locator(selector).bounding_box()
    assert box is not None
    SCREENSHOTS.mkdir(exist_ok=True)
    bottom = page.evaluate("window.scrollY") + box["y"] + box["height"] + 16
    width = page.viewport_size["width"]
    page.screenshot(
        path=SCREENSHOTS / name,
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": bottom},
    )


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate(
        "(slack) => document.documentElement.scrollWidth <= window.innerWidth + slack",
        OVERFLOW_TOLERANCE,
    )


def test_every_lane_count_is_the_count_the_claim_list_gives_behind_its_link(
    live_server,
    registry,
    page,
):
    page.goto(live_server.url + "/timeline/")
    dated = Claim.objects.published().dated().count()
    published = Claim.objects.published().count()
    status = page.get_by_role("status")
    expect(status).to_have_text(re.compile(rf"^{dated} dated claims from 1991 to "))
    expect(
        page.get_by_text("A claim with several topics appears in each of their lanes")
    ).to_have_text(
        re.compile(rf"are not shown \({published - dated} of the {published} matching claims\)")
    )
    chart = page.locator(".timeline-wide svg")
    expect(chart).to_be_visible()
    expect(page.locator(".timeline-tall svg")).to_be_hidden()
    assert no_sideways_scroll(page)

    # The legend (topics and key) is above the chart, and tick labels above and below it.
    legend = page.get_by_role("list", name=re.compile("^Topics"))
    key = page.get_by_role("list", name="Key")
    chart_box = chart.bounding_box()
    assert legend.bounding_box()["y"] < key.bounding_box()["y"] < chart_box["y"]
    ticks = chart.locator("text.tl-tick")
    years = [
        (box["y"], text)
        for text, box in ((t.text_content(), t.bounding_box()) for t in ticks.all())
        if text.isdigit()
    ]
    lanes = chart.locator("rect.tl-lane")
    first_lane, last_lane = lanes.first.bounding_box(), lanes.last.bounding_box()
    above = [text for y, text in years if y < first_lane["y"]]
    below = [text for y, text in years if y > last_lane["y"] + last_lane["height"]]
    assert above == below and {"1991", "2025"} <= set(above)
    screenshot_down_to(page, "timeline-desktop.png", "figure.timeline")

    links = legend.get_by_role("link")
    entries = [(link.inner_text(), link.get_attribute("href")) for link in links.all()]
    assert len(entries) >= 10
    # Each lane name in the chart shows the same count as its legend entry.
    heads = [re.sub(r"\s+", " ", h.text_content()) for h in chart.locator("text.tl-head").all()]
    assert heads == [text for text, _ in entries]
    for text, href in entries:
        name, count = re.fullmatch(r"(.+) (\d+)", text).groups()
        page.goto(live_server.url + "/timeline/")
        page.get_by_role("list", name=re.compile("^Topics")).get_by_role(
            "link", name=text, exact=True
        ).click()
        expect(page).to_have_url(re.compile(re.escape(href.replace("&amp;", "&")) + "$"))
        expect(page.get_by_role("status")).to_have_text(
            re.compile(rf"^{count} claims? on {re.escape(name)}, from \d{{4}} on\.$"),
            timeout=10_000,
        )
        # The claim list has this topic chosen and keeps to dated claims.
        expect(page.get_by_role("link", name=f"✓ {name}", exact=True)).to_be_visible()
        first_date = page.locator("li.claim-row time").first
        expect(first_date).to_be_visible()


def test_on_a_phone_the_timeline_runs_down_the_page_without_sideways_scrolling(
    live_server,
    registry,
    phone,
):
    page = phone
    page.goto(live_server.url + "/timeline/")
    tall = page.locator(".timeline-tall svg")
    expect(tall).to_be_visible()
    expect(page.locator(".timeline-wide svg")).to_be_hidden()
    assert no_sideways_scroll(page), page.evaluate("document.documentElement.scrollWidth")
    box = tall.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # The legend and the key come first, and are readable.
    legend = page.get_by_role("list", name=re.compile("^Topics"))
    assert legend.bounding_box()["y"] < box["y"]
    font = legend.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)")
    assert font >= 13
    # Year labels are at least 11 CSS pixels high on screen.
    year = tall.locator("text.tl-tick", has_text="1991")
    assert year.bounding_box()["height"] >= 11
    screenshot_down_to(page, "timeline-phone.png", ".timeline-tall")

    # The latest claims are at the foot of the chart: within the screen's width, and a tap
    # on one opens it.
    latest = Claim.objects.published().dated().order_by("-event_date", "-pk").first()
    dot = tall.locator(f'a.tl-dot[data-id="{latest.pk}"]').first
    dot.scroll_into_view_if_needed()
    expect(dot).to_be_in_viewport()
    target = dot.locator("circle.tl-hit").bounding_box()
    assert target["x"] >= 0 and target["x"] + target["width"] <= PHONE["width"]
    assert min(target["width"], target["height"]) >= 22  # big enough for a finger
    label = tall.locator("text.tl-tick", has_text=str(latest.event_date.year))
    expect(label).to_be_visible()
    dot.click()
    expect(page).to_have_url(re.compile(rf"/claims/{latest.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(latest.statement[:40])

    # A smaller phone: still no sideways scrolling.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/timeline/")
    assert no_sideways_scroll(page)
