"""End to end in a real browser: a researcher's path through the public pages.

Playwright's sync API drives Debian's chromium against pytest-django's live
server, loaded with the real curated registry. Every step asserts on what is
visible on screen and leaves a full-page screenshot in tests/screenshots/. The
browser (the `browser` fixture) and the curated registry (`registry`) come
from tests/browser.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from playwright.sync_api import Browser, Locator, Page, expect

from claims import paragraphs
from claims.models import Claim, Quote, Source, Topic

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DATA = Path(__file__).resolve().parent / "data"
NARROW = 360  # px, a small phone
OVERFLOW_TOLERANCE = 2  # px, for sub-pixel rounding


@pytest.fixture
def narrow_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": NARROW, "height": 740}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page: Page, server_url: str, path: str, username: str, password: str) -> None:
    """Log in through the admin's login form, as an editor would, landing on `path`."""
    page.goto(f"{server_url}/admin/login/?next={path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server_url}{path}")


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


def claim_rows(page: Page) -> Locator:
    # The result list has no accessible name, so rows are found by their class.
    return page.locator("li.claim-row")


def effective_background(locator: Locator, *, of_parent: bool = False) -> str:
    """The first non-transparent background colour from the element up to the page."""
    return locator.evaluate(
        """(element, ofParent) => {
            let node = ofParent ? element.parentElement : element;
            for (; node; node = node.parentElement) {
                const colour = getComputedStyle(node).backgroundColor;
                if (colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") return colour;
            }
            return "rgb(255, 255, 255)";  // the canvas of a light colour scheme
        }""",
        of_parent,
    )


def test_researcher_follows_a_contradiction_to_the_other_source(live_server, registry, page):
    # 1. The overview: a heading, the topics, the search box.
    response = page.goto(live_server.url + "/")
    assert response is not None
    assert response.ok
    # The site's stylesheet loaded, so the screenshots show the real design.
    assert page.evaluate("[...document.styleSheets].every((sheet) => sheet.cssRules.length)")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("claims and evidence")
    published = Claim.objects.published().count()
    assert published == 272  # the curated registry
    expect(page.get_by_text(f"{published} published claims")).to_be_visible()
    topics = page.get_by_role("region", name="Topics")
    expect(topics.get_by_role("listitem").first).to_be_visible()
    in_use = Topic.objects.with_published_claim_counts().filter(claim_count__gt=0).count()
    expect(topics.get_by_role("listitem")).to_have_count(in_use)
    search = page.get_by_role("searchbox", name="Search claims and quotes", exact=True)
    expect(search).to_be_visible()
    expect(search).to_be_editable()
    screenshot(page, "01-overview.png")

    # 2. Choose a topic: its page lists only its claims, as many as the overview said.
    # The war in Ukraine: one page of claims, and the one real contradiction across
    # sources (the February 2022 signing dated against the invasion) is among them.
    war = topics.get_by_role("listitem").filter(
        has=page.get_by_role("link", name="War in Ukraine", exact=True)
    )
    expected = int(war.locator(".count").inner_text())
    assert expected > 0
    war.get_by_role("link", name="War in Ukraine", exact=True).click()
    expect(page).to_have_url(re.compile(r"/topics/ukraine-war/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Topic: War in Ukraine")
    expect(page.get_by_role("status")).to_have_text(f"{expected} claims on War in Ukraine.")
    rows = claim_rows(page)
    expect(rows).to_have_count(expected)  # one page: fewer than 25
    for row in rows.all():
        expect(row.get_by_role("link", name="War in Ukraine", exact=True)).to_be_visible()
    screenshot(page, "02-topic.png")

    # 3. Narrow the dates to 2022–2023: the URL carries them, every date is in range.
    page.get_by_label("From", exact=True).fill("2022")
    page.get_by_label("To", exact=True).fill("2023")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"date_from=2022.*date_to=2023"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["date_from"] == ["2022"]
    assert query["date_to"] == ["2023"]
    expect(page.get_by_label("From", exact=True)).to_have_value("2022")
    expect(page.get_by_label("To", exact=True)).to_have_value("2023")
    count = page.get_by_role("status")
    expect(count).to_have_text(re.compile(r"^\d+ claims? on War in Ukraine, 2022–2023\.$"))
    narrowed = int(count.inner_text().split()[0])
    assert 0 < narrowed < expected
    expect(rows).to_have_count(narrowed)
    for row in rows.all():
        date = row.locator("time")
        expect(date).to_be_visible()
        assert "2022" <= date.inner_text()[:4] <= "2023", date.inner_text()
        expect(row.get_by_role("link", name="War in Ukraine", exact=True)).to_be_visible()
    screenshot(page, "03-dates.png")

    # 4. Open a claim that has a contradiction badge.
    contested = rows.filter(has=page.get_by_text(re.compile(r"^\d+ contradictions?$"))).first
    expect(contested).to_be_visible()
    statement = contested.locator(".statement").get_by_role("link")
    title = statement.inner_text()
    statement.click()
    expect(page).to_have_url(re.compile(r"/claims/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    heading = page.get_by_role("heading", name="Contradicts", exact=True, level=3)
    expect(heading).to_be_visible()
    screenshot(page, "04-claim.png")

    # 5. Follow the contradiction to the other claim's source: the passage is marked.
    # The group under "Contradicts" has no name of its own: take the list after it.
    other = heading.locator("xpath=following-sibling::ul[1]").get_by_role("listitem").first
    expect(other).to_be_visible()
    source_link = other.locator("p.meta").get_by_role("link")
    expect(source_link).to_be_visible()
    expect(source_link.locator("xpath=..")).to_contain_text("In ")
    source_title = source_link.inner_text()
    href = source_link.get_attribute("href")
    match = re.fullmatch(r"/sources/[\w-]+/#(q\d+)", href or "")
    assert match, href
    anchor = match.group(1)
    quoted = other.locator("blockquote").inner_text().strip()
    source_link.click()
    expect(page).to_have_url(re.compile(rf"/sources/[\w-]+/#{anchor}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(source_title)
    mark = page.locator(f"mark#{anchor}")
    expect(mark).to_be_visible()
    expect(mark).to_be_in_viewport()
    box = mark.bounding_box()
    assert box is not None
    assert box["width"] > 0
    assert box["height"] > 0
    highlight = effective_background(mark)
    surrounding = effective_background(mark, of_parent=True)
    assert highlight != surrounding, (highlight, surrounding)
    # The marked passage is the quote the claim page showed.
    assert mark.inner_text().strip() == quoted
    screenshot(page, "05-source.png")


def sticking_out(page: Page, width: int = NARROW) -> list[str]:
    """The outermost elements that reach past the right edge of the viewport."""
    return page.evaluate(
        """(limit) => {
            const wide = (el) => el.getBoundingClientRect().right > limit;
            return [...document.querySelectorAll("main *")]
                .filter((el) => wide(el) && !wide(el.parentElement))
                .slice(0, 5)
                .map((el) => {
                    const id = el.id ? "#" + el.id : "";
                    const cls = el.classList.length ? "." + [...el.classList].join(".") : "";
                    const right = Math.round(el.getBoundingClientRect().right);
                    return `<${el.tagName.toLowerCase()}${id}${cls}> right edge at ${right}px`;
                });
        }""",
        width + OVERFLOW_TOLERANCE,
    )


def test_pages_fit_a_360_pixel_screen_without_horizontal_scrolling(
    live_server, registry, narrow_page
):
    contested = Claim.objects.published().most_contested().first()
    paths = {
        "overview": "/",
        "claims": "/claims/",
        "claim": contested.get_absolute_url(),
    }
    too_wide = {}
    for name, path in paths.items():
        narrow_page.goto(live_server.url + path)
        main = narrow_page.get_by_role("main")
        expect(main).to_be_visible()
        expect(narrow_page.get_by_role("heading", level=1)).to_be_visible()
        screenshot(narrow_page, f"narrow-{name}.png")
        box = main.bounding_box()
        assert box is not None
        assert box["x"] >= 0, path
        assert box["x"] + box["width"] <= NARROW + OVERFLOW_TOLERANCE, path
        width = narrow_page.evaluate("document.documentElement.scrollWidth")
        if width > NARROW + OVERFLOW_TOLERANCE:
            too_wide[path] = (width, sticking_out(narrow_page))
    assert not too_wide, f"wider than {NARROW}px: {too_wide}"


SELECT_TEXT = """([start, end]) => {
    // The screen rectangles of the first and last selected characters.
    const root = document.getElementById("source-text");
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const at = (offset) => {
        let seen = 0;
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (seen + node.length > offset) return [node, offset - seen];
            seen += node.length;
        }
        throw new Error("offset past the text");
    };
    const rect = (offset) => {
        walker.currentNode = root;
        const [node, inside] = at(offset);
        const range = document.createRange();
        range.setStart(node, inside);
        range.setEnd(node, inside + 1);
        const box = range.getBoundingClientRect();
        return {left: box.left, right: box.right, middle: box.top + box.height / 2};
    };
    return [rect(start), rect(end - 1)];
}"""


def test_editor_quotes_a_passage_by_selecting_it_with_the_mouse(
    live_server, transactional_db, page, django_user_model
):
    from claims import services
    from claims.models import Quote

    django_user_model.objects.create_superuser("ed", "ed@example.org", "a-long-test-password")
    text = (
        "Baku and Moscow signed a declaration on allied interaction in February 2022.\n\n"
        "Lukoil holds a 20 percent stake in the Shah Deniz gas field. Analysts expect "
        "the relationship to cool after 2024.\n\n"
        "The stake is Lukoil’s largest abroad.\n"
    )
    source = services.add_source(text=text, values={"title": "Selectable article"})
    sentence = "Lukoil holds a 20 percent stake in the Shah Deniz gas field."
    start = source.text.index(sentence)
    reader = f"{live_server.url}/admin/claims/source/{source.pk}/read/"

    # Log in as an editor would, landing on the source's reading view.
    log_in(
        page,
        live_server.url,
        f"/admin/claims/source/{source.pk}/read/",
        "ed",
        "a-long-test-password",
    )

    # Select the sentence with the mouse, from its first character to its last,
    # once the layout has settled (the admin's sidebar script runs on load).
    page.wait_for_load_state("networkidle")
    first, last = page.evaluate(SELECT_TEXT, [start, start + len(sentence)])
    page.mouse.move(first["left"] + 1, first["middle"])
    page.mouse.down()
    page.mouse.move(last["right"] - 1, last["middle"], steps=8)
    page.mouse.up()
    assert page.evaluate("window.getSelection().toString()") == sentence
    expect(page.get_by_label("Passage", exact=True)).to_have_value(sentence)
    screenshot(page, "editor-01-selected.png")

    # "New claim from this passage" opens the claim form with the quote filled in.
    page.get_by_role("button", name="New claim from this passage").click()
    expect(page.locator("textarea[name='quotes-0-exact']")).to_have_value(sentence)
    page.locator("textarea[name='statement']").fill("Lukoil holds a fifth of Shah Deniz.")
    screenshot(page, "editor-02-claim-form.png")
    page.locator("input[name='_save']").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    quote = Quote.objects.get(claim__statement="Lukoil holds a fifth of Shah Deniz.")
    assert (quote.start, quote.end, quote.exact) == (start, start + len(sentence), sentence)
    assert source.text[quote.start : quote.end] == quote.exact

    # Back in the reading view the new quote is highlighted at exactly that place.
    page.goto(reader)
    mark = page.locator(f"mark#q{quote.pk}")
    expect(mark).to_be_visible()
    expect(mark).to_have_text(sentence)
    offset = mark.evaluate(
        """(mark) => {
            const range = document.createRange();
            range.setStart(document.getElementById("source-text"), 0);
            range.setEndBefore(mark);
            return Array.from(range.toString()).length;
        }"""
    )
    assert offset == quote.start
    screenshot(page, "editor-03-highlighted.png")


def test_editor_adds_an_html_file_and_corrects_its_metadata_before_saving(
    live_server, transactional_db, page, django_user_model
):
    from claims.models import Source

    django_user_model.objects.create_superuser("ed", "ed@example.org", "a-long-test-password")
    log_in(page, live_server.url, "/admin/claims/source/add/", "ed", "a-long-test-password")

    page.get_by_label("or upload a file").set_input_files(DATA / "article.html")
    page.get_by_role("button", name="Extract and preview").click()
    preview = page.locator("#extracted-text")
    expect(preview).to_contain_text("Shah Deniz")
    expect(page.get_by_label("Published")).to_have_value("2024-03-05")
    expect(page.locator(".basis").first).to_be_visible()
    page.get_by_label("Outlet").fill("The Caspian Review (print)")
    screenshot(page, "editor-04-add-source-preview.png")
    page.get_by_role("button", name="Save source").click()

    expect(page.locator(".messagelist")).to_contain_text("It is not public")
    source = Source.objects.get()
    expect(page.locator("#source-text")).to_have_text(source.text)
    assert source.outlet == "The Caspian Review (print)"
    assert source.metadata_basis["outlet"] == "entered by the editor"
    assert bytes(source.original.content) == (DATA / "article.html").read_bytes()


def test_two_editors_edit_one_claim_and_the_second_sees_the_conflict(
    live_server, transactional_db, browser, django_user_model
):
    from tests.factories import make_claim

    claim = make_claim("Azerbaijan buys Russian gas for its own market.")
    path = f"/admin/claims/claim/{claim.pk}/change/"
    pages = []
    for name in ("ann", "bob"):
        django_user_model.objects.create_superuser(name, f"{name}@example.org", "a-long-pass-word")
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        log_in(page, live_server.url, path, name, "a-long-pass-word")
        pages.append(page)
    ann, bob = pages

    ann.locator("textarea[name='statement']").fill("Azerbaijan bought Russian gas in 2022.")
    ann.locator("input[name='_save']").click()
    expect(ann.locator(".messagelist")).to_contain_text("was changed successfully")

    bob.locator("textarea[name='note']").fill("Bob checked the figure.")
    bob.locator("input[name='_continue']").click()
    error = bob.locator(".errornote, .errorlist.nonfield").first
    expect(error).to_be_visible()
    expect(bob.locator(".errorlist.nonfield")).to_contain_text("was changed by ann")
    expect(bob.locator(".errorlist.nonfield")).to_contain_text(
        "Azerbaijan bought Russian gas in 2022."
    )
    expect(bob.locator("textarea[name='note']")).to_have_value("Bob checked the figure.")
    screenshot(bob, "editor-05-conflict.png")
    claim.refresh_from_db()
    assert (claim.statement, claim.note) == ("Azerbaijan bought Russian gas in 2022.", "")
    for page in pages:
        page.context.close()


def test_editor_pastes_an_according_to_statement_and_confirms_the_suggested_claimant(
    live_server, transactional_db, page, django_user_model
):
    from claims.models import Attribution, Entity

    django_user_model.objects.create_superuser("ed", "ed@example.org", "a-long-test-password")
    Entity.objects.create(slug="rasmus-canback", name="Rasmus Canbäck", kind="person")
    add = f"{live_server.url}/admin/claims/claim/add/"
    log_in(page, live_server.url, "/admin/claims/claim/add/", "ed", "a-long-test-password")
    page.wait_for_load_state("networkidle")

    statement = page.locator("textarea[name='statement']")
    statement.fill("According to Rasmus Canbäck, ties between Baku and Moscow are thriving.")
    suggestion = page.locator("#claimant-suggestion")
    expect(suggestion).to_contain_text("The statement names \u201cRasmus Canbäck\u201d (stated).")
    # A suggestion only: no claimant row until the editor clicks.
    expect(page.locator("#attributions-group .dynamic-attributions")).to_have_count(0)
    screenshot(page, "claimant-01-suggested.png")

    page.get_by_role("button", name="Add Rasmus Canbäck as claimant").click()
    row = page.locator("#attributions-group .dynamic-attributions")
    expect(row).to_have_count(1)
    expect(row.locator(".select2-selection__rendered")).to_have_text(re.compile("Rasmus Canbäck"))
    expect(suggestion).to_contain_text("Rasmus Canbäck added below; save to keep it.")
    screenshot(page, "claimant-02-added.png")

    page.locator("input[name='_save']").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    stored = Attribution.objects.get()
    assert (stored.entity.slug, stored.role) == ("rasmus-canback", "stated")
    assert stored.basis == "According to Rasmus Canbäck"  # the words that name the claimant
    assert stored.claim.statement.startswith("According to Rasmus Canbäck")

    # Typing another statement updates the suggestion; a name with no entity offers one.
    page.goto(add)
    page.locator("textarea[name='statement']").fill("According to Bob Nobody, it rained.")
    expect(page.locator("#claimant-suggestion a")).to_have_text(
        "No entity is named \u201cBob Nobody\u201d yet: add it"
    )


def test_editor_dismisses_a_candidate_and_starts_a_claim_from_another(
    live_server, transactional_db, page, django_user_model
):
    from claims import services

    django_user_model.objects.create_superuser("ed", "ed@example.org", "a-long-test-password")
    text = (
        "Lukoil holds 20% of the Shah Deniz field.\n\n"
        "Officials said the talks would resume.\n\n"
        "The weather was pleasant.\n"
    )
    source = services.add_source(text=text, values={"title": "Candidate article"})
    path = f"/admin/claims/source/{source.pk}/candidates/"
    log_in(page, live_server.url, path, "ed", "a-long-test-password")
    expect(page.locator("#coverage")).to_contain_text("0 of 2 candidate sentences done (0%)")
    screenshot(page, "candidates-01-open.png")

    row = page.locator("#candidates tr", has_text="Officials said the talks would resume.")
    row.get_by_label("Reason").fill("not checkable")
    row.get_by_role("button", name="Dismiss").click()
    expect(page.locator("#coverage")).to_contain_text("1 of 2 candidate sentences done (50%)")
    expect(page.locator("#candidates tr", has_text="Officials said")).to_contain_text(
        "dismissed: not checkable"
    )

    page.locator("#candidates tr", has_text="Lukoil holds 20%").get_by_role(
        "link", name="Start a claim"
    ).click()
    expect(page.locator("textarea[name='quotes-0-exact']")).to_have_value(
        "Lukoil holds 20% of the Shah Deniz field."
    )
    page.locator("textarea[name='statement']").fill("Lukoil holds a fifth of Shah Deniz.")
    page.locator("input[name='_save']").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    page.goto(f"{live_server.url}{path}")
    expect(page.locator("#coverage")).to_contain_text("2 of 2 candidate sentences done (100%)")
    screenshot(page, "candidates-02-covered.png")


def test_editor_accepts_one_suggested_disagreement_and_dismisses_another(
    live_server, transactional_db, page, django_user_model
):
    import datetime as dt

    from claims.models import PairDismissal
    from tests.factories import make_claim, make_entity, make_quote, make_source, make_topic

    django_user_model.objects.create_superuser("ed", "ed@example.org", "a-long-test-password")
    russia, diplomacy = make_entity("russia", name="Russia"), make_topic("diplomacy")
    tags = {"entities": [russia], "topics": [diplomacy], "status": "published"}
    when = {"event_date": dt.date(2023, 1, 1), "event_date_precision": "year"}
    claims = []
    for n, statement in enumerate(
        ["Relations improved.", "Relations deteriorated.", "Relations worsened."]
    ):
        source = make_source(text=f"{statement} Source {n}.\n")
        claim = make_claim(statement, **tags, **when)
        make_quote(claim, source, statement)
        claims.append(claim)
    improved, deteriorated, worsened = claims
    path = "/admin/claims/claimlink/suggestions/"
    log_in(page, live_server.url, path, "ed", "a-long-test-password")
    pairs = page.locator(".suggested-pair")
    expect(pairs).to_have_count(2)  # improved against each of the others
    screenshot(page, "suggestions-01.png")

    second = page.locator(f"#pair-{improved.pk}-{worsened.pk}")
    second.get_by_label("Reason").fill("different matters")
    second.get_by_role("button", name="Dismiss").click()
    expect(page.locator(".messagelist")).to_contain_text("not suggested again")
    expect(pairs).to_have_count(1)
    assert PairDismissal.objects.get().reason == "different matters"

    page.locator(f"#pair-{improved.pk}-{deteriorated.pk}").get_by_role(
        "link", name="Accept: link them"
    ).click()
    expect(page.locator("select[name='relation']")).to_have_value("contradicts")
    page.locator("textarea[name='rationale']").fill("Opposite trends in the same year.")
    page.locator("input[name='_save']").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    page.goto(f"{live_server.url}{path}")
    expect(page.locator("#content-main")).to_contain_text("No suggested pairs")


def test_a_right_to_left_override_in_an_old_title_does_not_reorder_what_follows(
    live_server, transactional_db, page
):
    from claims.models import Claim
    from tests.factories import make_claim, make_quote, make_source, make_topic

    # Rows from before control characters were refused: written past validation.
    source = make_source(
        slug="old-row",
        title="Report \u202eabc",
        published=dt.date(2023, 1, 1),
        published_precision="year",
    )
    claim = make_claim(
        "Lukoil holds 20% of Shah Deniz.",
        topics=[make_topic("energy")],
        status=Claim.Status.PUBLISHED,
    )
    make_quote(claim, source, source.text[:20])
    page.goto(live_server.url + claim.get_absolute_url())
    link = page.get_by_role("link", name="Report \u202eabc")
    expect(link).to_be_visible()
    assert link.evaluate("(el) => getComputedStyle(el).unicodeBidi") == "isolate"
    # The date after the title stays to the right of the title, in reading order.
    meta = link.locator("xpath=..")
    title_box, meta_box = link.bounding_box(), meta.bounding_box()
    assert title_box is not None and meta_box is not None
    assert "(2023)" in meta.inner_text()
    date_left_edge = meta.evaluate(
        """(el) => {
            const range = document.createRange();
            const text = [...el.childNodes].find(
                (n) => n.nodeType === 3 && n.textContent.includes("2023"));
            range.selectNodeContents(text);
            return range.getBoundingClientRect().left;
        }"""
    )
    assert date_left_edge >= title_box["x"] + title_box["width"] - 1


def test_no_page_breaks_the_content_security_policy(live_server, registry, page, django_user_model):
    from claims.models import Source

    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    contested = Claim.objects.published().most_contested().first()
    source = Source.objects.public().first()
    for path in ("/", "/claims/", contested.get_absolute_url(), "/timeline/", "/contradictions/"):
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    django_user_model.objects.create_superuser("ed", "ed@example.org", "a-long-test-password")
    reader = f"/admin/claims/source/{source.pk}/read/"
    log_in(page, live_server.url, reader, "ed", "a-long-test-password")
    page.goto(f"{live_server.url}/admin/claims/claim/add/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert refused == []


def test_the_data_page_fits_a_narrow_screen_and_its_feed_is_discoverable(
    live_server, registry, narrow_page
):
    # Long URLs in <code> and the example JSON wrap instead of widening the page.
    narrow_page.goto(live_server.url + "/data/")
    expect(narrow_page.get_by_role("heading", level=1, name="Data & API")).to_be_visible()
    expect(narrow_page.get_by_role("heading", level=2, name="Web Annotations")).to_be_visible()
    screenshot(narrow_page, "narrow-data.png")
    width = narrow_page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW + OVERFLOW_TOLERANCE, sticking_out(narrow_page)
    feed = narrow_page.locator('head link[rel="alternate"][type="application/atom+xml"]')
    assert feed.get_attribute("href") == "/feeds/claims.atom"
    # The footer leads here from every page.
    narrow_page.goto(live_server.url + "/")
    narrow_page.get_by_role("contentinfo").get_by_role("link", name="Data & API").click()
    expect(narrow_page).to_have_url(live_server.url + "/data/")


PHONE = 390  # px, a common phone


def quoted_in_one_paragraph(min_paragraph: int = 8) -> tuple[Claim, Quote]:
    """A published claim and a quote of it that lies in one paragraph deep in its source."""
    quote = (
        Quote.objects.published()
        .filter(locator__gte=min_paragraph)
        .exclude(exact__contains="\n")
        .select_related("source", "claim")
        .order_by("-locator", "pk")
        .first()
    )
    assert quote is not None
    return quote.claim, quote


def test_reader_follows_a_para_citation_from_a_claim_to_its_paragraph(live_server, registry, page):
    claim, quote = quoted_in_one_paragraph()
    page.goto(live_server.url + claim.get_absolute_url())
    caption = page.locator(f"#quote-{quote.pk} figcaption")
    citation = caption.get_by_role("link", name=f"para. {quote.locator}", exact=True)
    expect(citation).to_be_visible()
    citation.click()
    source_url = quote.source.get_absolute_url()
    expect(page).to_have_url(f"{live_server.url}{source_url}#p{quote.locator}")
    paragraph = page.locator(f"#p{quote.locator}")
    expect(paragraph).to_be_in_viewport()
    expect(paragraph).to_contain_text(quote.exact)
    # Its number is in the margin, and the quote is marked inside it.
    expect(paragraph.locator(".para-number")).to_have_text(str(quote.locator))
    expect(paragraph.locator(f"mark#q{quote.pk}")).to_be_visible()
    # The target paragraph stands out from the others.
    assert effective_background(paragraph) != effective_background(page.locator("#p1"))


def test_read_the_text_jumps_past_the_metadata_to_the_numbered_text(live_server, registry, page):
    source = max(Source.objects.public(), key=lambda s: len(s.text))
    page.goto(live_server.url + source.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(source.title)
    read = page.get_by_role("link", name="Read the text")
    expect(read).to_be_in_viewport()  # on arrival, without scrolling
    page.screenshot(path=SCREENSHOTS / "source-desktop.png")
    read.click()
    expect(page).to_have_url(re.compile(r"#text$"))
    expect(page.get_by_role("heading", name="The text", level=2)).to_be_in_viewport()
    expect(page.locator("#p1")).to_be_in_viewport()
    # Copying paragraphs takes their words, not the numbers in the margin.
    copied = page.evaluate(
        """() => {
            const range = document.createRange();
            range.setStartBefore(document.getElementById("p1"));
            range.setEndAfter(document.getElementById("p2"));
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            return selection.toString();
        }"""
    )
    first, second = (source.text[p.start : p.end] for p in paragraphs.split(source.text)[:2])
    assert copied.split() == (first + " " + second).split()


def test_the_source_page_fits_a_phone_without_horizontal_scrolling(live_server, registry, browser):
    context = browser.new_context(
        viewport={"width": PHONE, "height": 844}, is_mobile=True, device_scale_factor=2
    )
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    try:
        too_wide = {}
        for source in Source.objects.public().order_by("slug"):
            phone.goto(live_server.url + source.get_absolute_url())
            expect(phone.get_by_role("heading", level=1)).to_be_visible()
            width = phone.evaluate("document.documentElement.scrollWidth")
            if width > PHONE + OVERFLOW_TOLERANCE:
                too_wide[source.slug] = (width, sticking_out(phone, PHONE))
        assert not too_wide, f"wider than {PHONE}px: {too_wide}"
        _claim, quote = quoted_in_one_paragraph()
        phone.goto(f"{live_server.url}{quote.source.paragraph_url(quote.locator)}")
        expect(phone.locator(f"#p{quote.locator}")).to_be_in_viewport()
        phone.goto(live_server.url + quote.source.get_absolute_url())
        expect(phone.get_by_role("link", name="Read the text")).to_be_in_viewport()
        phone.screenshot(path=SCREENSHOTS / "source-phone.png")
    finally:
        context.close()


# --- Citable versions ---------------------------------------------------------------

VERSION_PASSWORD = "a-long-pass-word"
NEW_STATEMENT = "Russia's Lukoil keeps a 19.99 percent stake in the Shah Deniz gas field."


def signed_in(browser: Browser, server_url: str, path: str, username: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    user_page = context.new_page()
    user_page.set_default_timeout(10_000)
    log_in(user_page, server_url, path, username, VERSION_PASSWORD)
    return user_page


def test_version_1_keeps_the_old_statement_after_an_approved_change(
    live_server,
    registry,
    browser,
    page,
    django_user_model,
):
    # An editor (who may not publish, so her change is held) and a reviewer. The roles'
    # groups come from a migration, and a transactional test's flush removes them.
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(
        *Permission.objects.filter(content_type__app_label="claims").filter(
            Q(codename__startswith="view_") | Q(codename__in=["add_claim", "change_claim"])
        )
    )
    editor_user = django_user_model.objects.create_user(
        "edna", password=VERSION_PASSWORD, is_staff=True
    )
    editor_user.groups.add(editors)
    django_user_model.objects.create_superuser("rita", "rita@example.org", VERSION_PASSWORD)
    claim = Claim.objects.published().most_contested().first()
    old = claim.statement

    # The editor proposes a new statement for the published claim; it waits for review.
    editor = signed_in(browser, live_server.url, f"/admin/claims/claim/{claim.pk}/change/", "edna")
    editor.locator("textarea[name='statement']").fill(NEW_STATEMENT)
    editor.get_by_label("Why this change?").fill("The article gives the exact share.")
    editor.locator("input[name='_save']").click()
    expect(editor.locator(".messagelist")).to_contain_text("is waiting for a reviewer")
    editor.context.close()

    # The reviewer approves it in the review queue.
    reviewer = signed_in(browser, live_server.url, "/admin/claims/claim/review-queue/", "rita")
    change = reviewer.get_by_role("region", name=re.compile(f"Claim #{claim.pk}, proposed by edna"))
    expect(change).to_contain_text(NEW_STATEMENT)
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
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_STATEMENT)
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
