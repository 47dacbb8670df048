"""The public source page for readers: the text in numbered paragraphs that match the
citations' "para. N", provenance without internals, and the original where it may be shared."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from claims import services
from claims.models import Claim, Quote, Source
from claims.paragraphs import paragraph_number
from claims.seeds import load_manifest
from tests.factories import admin_form_data, make_claim, make_quote


@pytest.fixture
def curated(curated_registry) -> list[Source]:
    """The seeds imported and the curated registry loaded, as `make db` does."""
    return list(Source.objects.public().with_origin().order_by("slug"))


class Page(HTMLParser):
    """Which paragraph (`<p id="pN">`) each quote's anchor (`<mark id="qM">`) opens in,
    the text of each paragraph, and the links of the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraph: str | None = None
        self.depth = 0
        self.opened_in: dict[str, str | None] = {}
        self.texts: dict[str, str] = defaultdict(str)
        self.links: list[tuple[str, str]] = []
        self.link: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "p":
            if (found.get("id") or "").startswith("p"):
                self.paragraph = found["id"]
            self.depth += 1
        elif tag == "mark" and found.get("id"):
            self.opened_in[found["id"]] = self.paragraph
        elif tag == "a":
            self.link = found.get("href") or ""
            self.links.append((self.link, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self.depth -= 1
            self.paragraph = None
        elif tag == "a":
            self.link = None

    def handle_data(self, data: str) -> None:
        if self.paragraph:
            self.texts[self.paragraph] += data
        if self.link is not None:
            href, text = self.links[-1]
            self.links[-1] = (href, text + data)


def read(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def test_every_para_number_cited_is_the_paragraph_the_source_page_shows(
    client, curated, django_assert_max_num_queries
):
    quotes = Quote.objects.published().select_related("source", "claim")
    by_source: dict[int, list[Quote]] = defaultdict(list)
    for quote in quotes:
        by_source[quote.source_id].append(quote)
    checked = 0
    for source in curated:
        with django_assert_max_num_queries(12):  # however many claims quote it
            html = client.get(source.get_absolute_url()).content.decode()
        page = read(html)
        numbers = [int(key[1:]) for key in page.texts]
        assert numbers == list(range(1, len(numbers) + 1)), source.slug
        for quote in by_source[source.pk]:
            # The citation's number, the one definition's number, and the page's paragraph.
            assert quote.locator == paragraph_number(source.text, quote.start), quote.pk
            assert page.opened_in[f"q{quote.pk}"] == f"p{quote.locator}", quote.pk
            first_line = quote.exact.split("\n")[0]
            assert first_line in page.texts[f"p{quote.locator}"], quote.pk
            # The claim's row on the source page links that paragraph too.
            assert (source.paragraph_url(quote.locator), f"para. {quote.locator}") in page.links
            checked += 1
    assert checked == quotes.count() > 300
    # Quotes over a paragraph break are among them, each cut into a mark per paragraph.
    assert sum("\n" in q.exact for q in quotes) > 50
    # Every claim page's citations link their paragraph on the source page.
    for claim in Claim.objects.published().prefetch_related("quotes__source"):
        page = read(client.get(claim.get_absolute_url()).content.decode())
        for quote in claim.quotes.all():
            link = (f"{quote.source.get_absolute_url()}#p{quote.locator}", f"para. {quote.locator}")
            assert link in page.links, (claim.pk, quote.pk)


# How the pages used to name a seed source's origin: "Seed file 000_….txt, characters
# 22–10912". (One source's date basis, the editors' words, speaks of "the same seed file".)
INTERNALS = re.compile(r"seed file\b(?! dates)|\.txt|characters?\s+\d", re.I)


def test_source_pages_put_the_text_first_and_give_provenance_without_internals(client, curated):
    seed_files = {s.seed_file for s in load_manifest(settings.SEEDS_DIR)}
    for source in curated:
        html = client.get(source.get_absolute_url()).content.decode()
        # Metadata, then "Read the text" and what the page holds, then the text.
        read_link = html.index('<a class="read-text" href="#text">Read the text')
        assert html.index("<dt>Author</dt>") < read_link < html.index('<section id="text"')
        summary = html[read_link : html.index('<section id="text"')]
        for target in ("#text", "#claims", "#provenance", "#cite"):
            assert f'href="{target}"' in summary
        # No seed file names or character offsets: those are the editors'.
        outside_text = re.sub(r'<div class="source-text".*?</div>', "", html, flags=re.S)
        assert not INTERNALS.search(outside_text), (source.slug, INTERNALS.search(outside_text))
        assert not any(name in html for name in seed_files), source.slug
        assert f"{source.origin_start}–{source.origin_end}" not in html
        # The original's real digest and size, computed here from the seed file's bytes.
        raw = (settings.SEEDS_DIR / source.seed_file).read_bytes()
        provenance = html[html.index('<section id="provenance"') :]
        digest = hashlib.sha256(raw).hexdigest()
        assert f'SHA-256</span> <code class="digest">{digest}</code>' in provenance
        assert f"Plain text, {len(raw) / 1024:.1f}\xa0KB ({len(raw):,} bytes)" in provenance
        assert '<dt>Licence</dt><dd><span class="muted">Not stated</span></dd>' in provenance


@pytest.fixture
def public_seed(seeded) -> Source:
    """A seed source that a published claim quotes, so it has a public page."""
    source = Source.objects.with_origin().get(slug="canback-2023-relationship-thriving")
    claim = make_claim("Relations are thriving.", status=Claim.Status.PUBLISHED)
    make_quote(claim, source, "the Russian-Azerbaijani relationship is thriving")
    return source


def test_the_admin_still_shows_the_seed_file_and_its_offsets(client, public_seed):
    admin = User.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(admin)
    source = public_seed
    html = client.get(reverse("admin:claims_source_change", args=[source.pk])).content.decode()
    assert source.seed_file in html
    assert f">{source.origin_start}<" in html and f">{source.origin_end}<" in html


def test_the_original_downloads_only_where_its_source_allows_sharing(client, public_seed):
    source = public_seed
    raw = (settings.SEEDS_DIR / source.seed_file).read_bytes()
    url = reverse("claims:source-original", args=[source.slug])
    page = client.get(source.get_absolute_url()).content.decode()
    assert url not in page
    assert "Not offered for download" in page
    assert client.get(url).status_code == 404

    fresh = Source.objects.get(pk=source.pk)
    fresh.share_original = True
    fresh.licence = "CC BY 4.0"
    fresh.save()
    page = client.get(source.get_absolute_url()).content.decode()  # not the cached page
    assert f'<a class="download" href="{url}" download>Download the original</a>' in page
    assert "<dt>Licence</dt><dd>CC BY 4.0</dd>" in page
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == raw
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"] == (f'attachment; filename="{source.slug}-original.txt"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


HOSTILE_PAGE = (
    b"<!doctype html><html><head><title>Gas talks</title></head><body>"
    b"<script>document.cookie</script><p>Lukoil holds a fifth of Shah Deniz.</p></body></html>"
)


def test_an_html_original_is_an_attachment_in_the_strictest_sandbox(client, db):
    source = services.add_source(
        file_name="talks.html", file_data=HOSTILE_PAGE, values={"title": "Gas talks"}
    )
    claim = make_claim("Lukoil holds a fifth of Shah Deniz.", status=Claim.Status.PUBLISHED)
    make_quote(claim, source, "Lukoil holds a fifth of Shah Deniz.")
    Source.objects.filter(pk=source.pk).update(share_original=True)
    response = client.get(reverse("claims:source-original", args=[source.slug]))
    assert response.content == HOSTILE_PAGE
    assert response["Content-Type"].split(";")[0] == "text/html"
    assert response["Content-Disposition"] == f'attachment; filename="{source.slug}-original.html"'
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = dict(
        ([*part.split(), ""])[:2] for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'none'" and "sandbox" in policy
    page = client.get(source.get_absolute_url()).content.decode()
    assert "HTML page, " in page


def test_a_source_that_is_not_public_never_gives_its_original(client, db):
    source = services.add_source(text="Only a draft quotes this.", values={"title": "Quiet"})
    Source.objects.filter(pk=source.pk).update(share_original=True)
    draft = make_claim("A draft.")
    make_quote(draft, source, "Only a draft quotes this.")
    assert client.get(reverse("claims:source-original", args=[source.slug])).status_code == 404
    assert client.get(source.get_absolute_url()).status_code == 404


def test_a_reviewer_sets_the_licence_and_sharing_in_the_admin(client, public_seed):
    admin = User.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(admin)
    source = public_seed
    change = reverse("admin:claims_source_change", args=[source.pk])
    form = client.get(change)
    assert "Tick only where the licence allows" in form.content.decode()
    data = admin_form_data(form) | {"licence": "© Outlet, shared with permission"}
    data["share_original"] = "on"
    response = client.post(change, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    source.refresh_from_db()
    assert (source.licence, source.share_original) == ("© Outlet, shared with permission", True)
    assert client.get(reverse("claims:source-original", args=[source.slug])).status_code == 200


def test_a_line_break_added_before_a_quote_moves_its_citation_to_the_new_paragraph(client, db):
    source = services.add_source(
        text="Gas talks opened. Lukoil holds a fifth of Shah Deniz.", values={"title": "Talks"}
    )
    claim = make_claim("Lukoil holds a fifth of Shah Deniz.", status=Claim.Status.PUBLISHED)
    quote = make_quote(claim, source, "Lukoil holds a fifth")
    assert quote.locator == 1
    # The same length: the quote stays at its offsets, but now opens paragraph 2.
    services.set_source_text(source=source, text=source.text.replace(". L", ".\nL"))
    quote.refresh_from_db()
    assert quote.locator == 2
    page = read(client.get(source.get_absolute_url()).content.decode())
    assert page.opened_in[f"q{quote.pk}"] == "p2"


def test_blank_metadata_reads_not_stated_and_citations_leave_it_out(client, public_registry):
    not_stated = '<span class="muted">Not stated</span>'
    beta = public_registry.beta  # no author, no date, no licence
    html = client.get(beta.get_absolute_url()).content.decode()
    assert f"<dt>Author</dt><dd>{not_stated}</dd>" in html
    assert f"<dt>Licence</dt><dd>{not_stated}</dd>" in html
    cite = html[html.index('<section id="cite"') :]
    assert "<p>“Beta article”, Outlet B</p>" in cite
    claim = client.get(public_registry.decline.get_absolute_url()).content.decode()
    quote = public_registry.decline.quotes.get()
    assert (
        f'<figcaption>“Beta article”, Outlet B, <a href="/sources/beta/#p{quote.locator}">'
        f"para. {quote.locator}</a> · "
    ) in claim
    assert "Not stated" not in claim[claim.index("<figcaption>") :]
