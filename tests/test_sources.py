"""Editors add sources (paste, file, URL), keep their originals, and quote them."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.urls import reverse

from claims import services
from claims.models import Claim, Original, Quote, Source
from claims.seeds import load_manifest
from tests.factories import (
    admin_claim_form,
    encrypt_pdf,
    make_claim,
    make_docx,
    make_pdf,
    make_quote,
    make_topic,
)

DATA = Path(__file__).resolve().parent / "data"
ADD = "admin:claims_source_add"
ARTICLE = (
    "Baku and Moscow signed a declaration on allied interaction in February 2022.\n\n"
    "Lukoil holds a 20 percent stake in the Shah Deniz gas field.\n\n"
    "Analysts expect the relationship to cool after 2024.\n"
)


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("admin", "admin@example.org", "x")


def preview(client, **data):
    """Step one of the admin's Add source: returns the response with the preview."""
    return client.post(reverse(ADD), {"text": "", "url": "", **data, "_preview": "1"})


def save(client, response, **changes):
    """Step two: post the metadata form as the preview filled it in, with `changes`."""
    form = response.context["meta_form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(changes)
    data["_save"] = "1"
    return client.post(reverse(ADD), data)


def added_source() -> Source:
    return Source.objects.select_related("original").get()


def nothing_saved() -> bool:
    return not Source.objects.exists() and not Original.objects.exists()


# --- Adding sources in the admin --------------------------------------------------


def test_pasted_text_is_previewed_then_saved_with_its_original_byte_for_byte(client, editor):
    client.force_login(editor)
    pasted = ARTICLE.replace("\n", "\r\n")  # as a browser sends a textarea
    response = preview(client, text=pasted)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lukoil holds a 20 percent stake in the Shah Deniz gas field." in html
    assert not Source.objects.exists()  # nothing but the original is kept before saving

    response = save(client, response, title="Declaration and stakes", kind="news")

    source = added_source()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:claims_source_read", args=[source.pk])
    assert source.text == ARTICLE.strip()
    assert source.text_sha256 == hashlib.sha256(source.text.encode()).hexdigest()
    original = source.original
    assert original.kind == Original.Kind.PASTE
    assert bytes(original.content) == pasted.encode("utf-8")
    assert original.sha256 == hashlib.sha256(pasted.encode("utf-8")).hexdigest()
    assert (original.size, original.media_type) == (len(pasted.encode()), "text/plain")
    assert original.received_by == editor
    assert (source.author, source.published, source.published_precision) == ("", None, "unknown")
    assert source.metadata_basis == {
        "title": services.EDITOR_BASIS,
        "language": services.EDITOR_BASIS,
    }


def test_an_html_file_fills_in_what_the_page_states_and_records_each_basis(client, editor):
    client.force_login(editor)
    html = (DATA / "article.html").read_bytes()
    response = preview(client, file=SimpleUploadedFile("article.html", html, "text/html"))
    suggestions = dict(response.context["suggestions"])
    assert suggestions["published"].value == "2024-03-05"
    assert "article:published_time" in suggestions["published"].basis
    assert suggestions["author"].value
    assert response.context["meta_form"]["author"].value() == suggestions["author"].value

    save(client, response, outlet="Corrected Outlet")

    source = added_source()
    assert source.original.kind == Original.Kind.FILE
    assert source.original.filename == "article.html"
    assert source.original.media_type == "text/html"
    assert bytes(source.original.content) == html
    assert (source.extractor, source.extractor_version) == ("trafilatura", _version("trafilatura"))
    assert "Lukoil holds a 20 percent stake in the Shah Deniz gas field." in source.text
    assert (source.published_display, source.published_precision) == ("2024-03-05", "day")
    assert "article:published_time" in source.published_basis
    assert source.metadata_basis["author"] == suggestions["author"].basis
    assert source.metadata_basis["outlet"] == services.EDITOR_BASIS
    assert source.title == suggestions["title"].value


def test_an_undated_page_leaves_date_and_author_blank(client, editor):
    client.force_login(editor)
    page = (DATA / "undated.html").read_bytes()
    response = preview(client, file=SimpleUploadedFile("undated.html", page, "text/html"))
    save(client, response)
    source = added_source()
    assert (source.published, source.published_precision, source.published_basis) == (
        None,
        "unknown",
        "",
    )
    assert source.author == ""
    assert "author" not in source.metadata_basis


def test_a_pdf_upload_keeps_its_pages_in_order(client, editor):
    client.force_login(editor)
    data = make_pdf(
        [["The first page says Baku hedges."], ["The second page says Moscow waits."]],
        title="A report on hedging",
        author="Ann Analyst",
    )
    response = preview(client, file=SimpleUploadedFile("report.pdf", data, "application/pdf"))
    save(client, response, kind="analysis")
    source = added_source()
    assert source.text.index("Baku hedges") < source.text.index("Moscow waits")
    assert (source.title, source.author) == ("A report on hedging", "Ann Analyst")
    assert source.metadata_basis["title"].startswith("from the PDF's document information")
    assert (source.extractor, source.original.media_type) == ("pypdf", "application/pdf")
    assert source.published is None  # a PDF's creation date is not a publication date


def test_a_docx_upload_keeps_its_paragraphs(client, editor):
    client.force_login(editor)
    data = make_docx(
        ["Azerbaijan buys Russian gas.", "The deal was signed in Baku."],
        title="Gas memo",
        author="Bob Writer",
    )
    response = preview(client, file=SimpleUploadedFile("memo.docx", data))
    save(client, response)
    source = added_source()
    assert source.text == "Azerbaijan buys Russian gas.\n\nThe deal was signed in Baku."
    assert (source.title, source.author, source.extractor) == (
        "Gas memo",
        "Bob Writer",
        "python-docx",
    )


def test_a_url_is_fetched_and_its_final_address_kept(client, editor, page_server, settings):
    settings.SOURCE_FETCH_ALLOW_PRIVATE = True
    client.force_login(editor)
    response = preview(client, url=f"{page_server}/moved")
    assert response.status_code == 200, response.content
    save(client, response)
    source = added_source()
    original = source.original
    assert original.kind == Original.Kind.URL
    assert original.url == f"{page_server}/moved"
    assert original.final_url == f"{page_server}/article.html"
    assert bytes(original.content) == (DATA / "article.html").read_bytes()
    assert original.declared_type.startswith("text/html")
    assert "Shah Deniz" in source.text


def test_a_local_address_is_refused_unless_the_setting_allows_it(client, editor, page_server):
    client.force_login(editor)
    response = preview(client, url=f"{page_server}/article.html")
    assert response.status_code == 200
    assert "not allowed" in response.content.decode()
    assert nothing_saved()


def test_a_new_source_is_not_public_until_a_published_claim_quotes_it(client, editor):
    source = services.add_source(text=ARTICLE, values={"title": "Stakes"})
    detail = reverse("claims:source-detail", args=[source.slug])
    api = reverse("claims:api-source", args=[source.slug])
    assert client.get(detail).status_code == 404
    assert client.get(api).status_code == 404
    assert source.title not in client.get(reverse("claims:source-list")).content.decode()
    claim = make_claim("Lukoil holds a fifth of Shah Deniz.", topics=[make_topic()])
    make_quote(claim, source, "Lukoil holds a 20 percent stake")
    assert client.get(detail).status_code == 404  # a draft claim is not enough
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.PUBLISHED)
    assert client.get(detail).status_code == 200
    assert client.get(api).status_code == 200
    assert source.title in client.get(reverse("claims:source-list")).content.decode()


# --- Bad input: a clear message, nothing saved ------------------------------------


def _scanned_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 140, style="F")  # a picture of a page, no text layer
    return bytes(pdf.output())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "not supported"),
        ("notes.rtf", b"{\\rtf1 hello}", "not supported"),
        ("fake.pdf", b"<html><body><p>Not a PDF.</p></body></html>", "not a PDF"),
        ("fake.docx", b"Plain words, not a Word file.", "named .docx"),
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n\t \n", "No text"),
        ("binary.txt", b"\x00\x01\x02\xff\xfe\x00" * 50, "not text"),
        ("empty.html", b"<html><body><nav>Home</nav></body></html>", "No text"),
        ("scan.pdf", None, "no text layer"),
        ("locked.pdf", None, "encrypted"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
    ],
)
def test_a_bad_file_gets_a_clear_message_and_nothing_is_saved(
    client, editor, name, content, message
):
    if content is None:
        content = (
            _scanned_pdf() if name == "scan.pdf" else encrypt_pdf(make_pdf([["A secret."]]), "x")
        )
    client.force_login(editor)
    response = preview(client, file=SimpleUploadedFile(name, content))
    assert response.status_code == 200
    errors = " ".join(response.context["intake_form"].non_field_errors()) + " ".join(
        " ".join(e) for e in response.context["intake_form"].errors.values()
    )
    assert message in errors
    assert nothing_saved()


def test_the_file_picker_offers_exactly_the_types_a_refused_file_is_told_to_use(client, editor):
    client.force_login(editor)
    page = client.get(reverse(ADD)).content.decode()
    (field,) = re.findall(r'<input type="file"[^>]*>', page)
    accept = re.search(r'accept="([^"]*)"', field)[1]
    assert accept.split(",") == [".txt", ".html", ".htm", ".pdf", ".docx"]
    response = preview(client, file=SimpleUploadedFile("notes.rtf", b"{\\rtf1 hello}"))
    (error,) = response.context["intake_form"].non_field_errors()
    named = re.search(r"upload (.*)\.$", error)[1].replace(" or ", ", ").split(", ")
    assert named == accept.split(",")
    assert nothing_saved()


def test_a_text_file_in_another_encoding_is_decoded(client, editor):
    client.force_login(editor)
    text = "Canbäck’s “analysis” – the café in Baku was full.\n" * 20
    response = preview(client, file=SimpleUploadedFile("cp.txt", text.encode("cp1252")))
    save(client, response, title="Encoded")
    source = added_source()
    assert source.text.startswith("Canbäck’s “analysis” – the café")
    assert bytes(source.original.content) == text.encode("cp1252")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(client, editor, settings):
    settings.SOURCE_MAX_BYTES = 1000
    client.force_login(editor)
    response = preview(client, file=SimpleUploadedFile("big.txt", b"word " * 300))
    assert "over the limit of" in response.content.decode()
    assert nothing_saved()
    response = preview(client, text="word " * 300)
    assert "over the limit of" in response.content.decode()
    assert nothing_saved()


def test_whitespace_only_text_and_no_input_at_all_are_refused(client, editor):
    client.force_login(editor)
    assert "Give exactly one of" in preview(client).content.decode()
    assert "The pasted text is empty." in preview(client, text=" \r\n\t ").content.decode()
    assert nothing_saved()


def test_two_inputs_at_once_are_refused(client, editor):
    client.force_login(editor)
    response = preview(client, text=ARTICLE, url="https://example.org/a")
    assert "Give exactly one of" in response.content.decode()
    assert nothing_saved()


def test_the_same_original_twice_offers_the_existing_source(client, editor):
    client.force_login(editor)
    source = services.add_source(text=ARTICLE, values={"title": "First copy"})
    response = preview(client, text=ARTICLE)
    html = response.content.decode()
    assert "already added as" in html
    assert reverse("admin:claims_source_change", args=[source.pk]) in html
    assert Source.objects.count() == 1


def test_saving_one_preview_twice_makes_one_source(client, editor):
    client.force_login(editor)
    response = preview(client, text=ARTICLE)
    save(client, response, title="Once")
    again = save(client, response, title="Twice")
    assert again.status_code == 200
    assert "already added as" in again.content.decode()
    assert list(Source.objects.values_list("title", flat=True)) == ["Once"]


def test_a_bad_date_or_a_taken_slug_is_a_form_error(client, editor):
    client.force_login(editor)
    services.add_source(text="Another article entirely.", values={"title": "X", "slug": "taken"})
    response = preview(client, text=ARTICLE)
    bad = save(client, response, title="Y", published="2024-13", slug="taken")
    assert bad.status_code == 200
    assert "not a real date" in bad.content.decode()
    assert "A source with this slug exists already." in bad.content.decode()
    assert Source.objects.count() == 1


def test_an_empty_text_can_never_be_saved(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(title="Empty", slug="empty", text="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(title="Blank", slug="blank", text="   ")


# --- The original, downloadable -----------------------------------------------------


def test_editors_download_the_original_exactly_as_received(client, editor):
    data = make_docx(["Word for word."])
    source = services.add_source(file_name="memo.docx", file_data=data, values={"title": "M"})
    client.force_login(editor)
    response = client.get(reverse("admin:claims_original_download", args=[source.original_id]))
    assert response.status_code == 200
    assert response.content == data
    assert response["Content-Disposition"] == 'attachment; filename="memo.docx"'
    page = client.get(reverse("admin:claims_source_change", args=[source.pk])).content.decode()
    assert source.original.sha256 in page


def test_an_original_in_use_cannot_be_deleted(db):
    source = services.add_source(text=ARTICLE, values={"title": "Kept"})
    with pytest.raises(Exception, match="protected"):
        source.original.delete()


# --- Editing a source's text ----------------------------------------------------------


@pytest.fixture
def quoted(db) -> tuple[Source, Quote]:
    source = services.add_source(text=ARTICLE, values={"title": "Quoted"})
    quote = make_quote(make_claim(), source, "Lukoil holds a 20 percent stake")
    return source, quote


def change_form(source: Source, **changes) -> dict:
    data = {
        "title": source.title,
        "slug": source.slug,
        "author": source.author,
        "outlet": source.outlet,
        "url": source.url,
        "kind": source.kind,
        "language": source.language,
        "published": "",
        "published_precision": source.published_precision,
        "published_basis": source.published_basis,
        "text": source.text.replace("\n", "\r\n"),
        "version": str(source.version),
    }
    return data | changes


def test_a_text_edit_moves_quotes_and_says_how_many(client, superuser, quoted):
    source, quote = quoted
    client.force_login(superuser)
    url = reverse("admin:claims_source_change", args=[source.pk])
    new = "A new first line.\n\n" + source.text
    response = client.post(url, change_form(source, text=new), follow=True)
    assert "1 quote: 0 exact, 1 moved, 0 orphaned" in response.content.decode()
    quote.refresh_from_db()
    source.refresh_from_db()
    assert source.text == new
    assert source.text[quote.start : quote.end] == quote.exact == "Lukoil holds a 20 percent stake"
    assert source.text_edited_at is not None


def test_a_text_edit_that_would_orphan_a_quote_is_refused_and_nothing_changes(
    client, superuser, quoted
):
    source, quote = quoted
    client.force_login(superuser)
    url = reverse("admin:claims_source_change", args=[source.pk])
    new = source.text.replace("Lukoil holds", "Rosneft holds")
    response = client.post(url, change_form(source, text=new, title="Renamed"))
    assert response.status_code == 200
    assert f"quote #{quote.pk} (claim #{quote.claim_id})" in response.content.decode()
    assert "1 orphaned" in response.content.decode()
    refreshed = Source.objects.get(pk=source.pk)
    assert (refreshed.text, refreshed.title) == (source.text, "Quoted")
    assert Quote.objects.get().start == quote.start


def test_a_metadata_edit_leaves_the_text_alone(client, superuser, quoted):
    source, _ = quoted
    client.force_login(superuser)
    url = reverse("admin:claims_source_change", args=[source.pk])
    response = client.post(url, change_form(source, title="Better title"))
    assert response.status_code == 302
    refreshed = Source.objects.get(pk=source.pk)
    assert (refreshed.title, refreshed.text, refreshed.text_edited_at) == (
        "Better title",
        source.text,
        None,
    )


# --- Quoting by selecting a passage --------------------------------------------------


def test_a_selected_passage_opens_the_claim_form_with_the_quote_prefilled(client, editor, quoted):
    source, _ = quoted
    client.force_login(editor)
    passage = "Analysts expect the relationship to cool"
    response = client.get(
        reverse("admin:claims_source_quote", args=[source.pk]),
        # The browser's offset is only a hint: a wrong one changes nothing.
        {"passage_source": source.pk, "passage_text": passage, "passage_start": 3, "action": "new"},
    )
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == reverse("admin:claims_claim_add")
    form = client.get(response["Location"])
    inline = quote_formset(form).forms[0]
    start = source.text.index(passage)
    assert inline.initial == {
        "source": source.pk,
        "exact": passage,
        "context_before": source.text[start - 32 : start],
        "context_after": source.text[start + len(passage) : start + len(passage) + 32],
    }
    post = admin_claim_form(
        source,
        inline.initial["exact"],
        statement="Analysts expect cooler relations.",
        event_date="",
        event_date_precision="unknown",
        **{
            "quotes-0-context_before": inline.initial["context_before"],
            "quotes-0-context_after": inline.initial["context_after"],
        },
    )
    assert client.post(response["Location"], post).status_code == 302
    quote = Quote.objects.get(claim__statement="Analysts expect cooler relations.")
    assert (quote.start, quote.end) == (start, start + len(passage))
    assert source.text[quote.start : quote.end] == quote.exact


def test_add_as_evidence_opens_that_claims_form_with_a_new_quote(client, editor, quoted):
    source, quote = quoted
    client.force_login(editor)
    response = client.get(
        reverse("admin:claims_source_quote", args=[source.pk]),
        {
            "passage_source": source.pk,
            "passage_text": "the Shah Deniz gas field",
            "claim": quote.claim_id,
            "action": "evidence",
        },
    )
    assert urlsplit(response["Location"]).path == reverse(
        "admin:claims_claim_change", args=[quote.claim_id]
    )
    form = client.get(response["Location"])
    forms = quote_formset(form).forms
    assert [f.instance.pk for f in forms] == [quote.pk, None]
    assert forms[1].initial["exact"] == "the Shah Deniz gas field"


def test_a_passage_not_in_the_text_goes_back_with_the_closest_passage(client, editor, quoted):
    source, _ = quoted
    client.force_login(editor)
    response = client.get(
        reverse("admin:claims_source_quote", args=[source.pk]),
        {"passage_source": source.pk, "passage_text": "Rosneft holds a 20 percent stake"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("admin:claims_source_read", args=[source.pk])
    assert "This quote is not in the source text" in response.content.decode()


def test_evidence_for_a_missing_claim_number_is_refused(client, editor, quoted):
    source, _ = quoted
    client.force_login(editor)
    response = client.get(
        reverse("admin:claims_source_quote", args=[source.pk]),
        {"passage_source": source.pk, "passage_text": "Shah Deniz", "action": "evidence"},
        follow=True,
    )
    assert "Give the number of the claim" in response.content.decode()


# --- The command line ------------------------------------------------------------------


def test_add_source_command_prints_slug_length_and_digest(db, capsys):
    call_command("add_source", str(DATA / "article.html"), "--kind", "news")
    slug, text_line, original_line = capsys.readouterr().out.splitlines()
    source = Source.objects.get(slug=slug)
    digest = hashlib.sha256((DATA / "article.html").read_bytes()).hexdigest()
    assert f"{len(source.text)} characters" in text_line
    assert digest in original_line
    assert source.kind == "news"

    call_command("registry_report", "--json")
    report = json.loads(capsys.readouterr().out)
    row = next(s for s in report["sources"] if s["slug"] == slug)
    assert row["origin"]["kind"] == "file"
    assert row["origin"]["media_type"] == "text/html"
    assert row["origin"]["sha256"] == digest
    assert row["origin"]["extractor"] == "trafilatura"
    assert row["seed_file"] == ""


def test_add_source_command_options_override_the_document(db, capsys):
    call_command(
        "add_source",
        str(DATA / "article.html"),
        "--title",
        "My title",
        "--published",
        "2024-03",
        "--published-basis",
        "the print edition's cover",
    )
    source = Source.objects.get()
    assert source.title == "My title"
    assert (source.published_display, source.published_basis) == (
        "2024-03",
        "the print edition's cover",
    )
    assert source.metadata_basis["title"] == services.EDITOR_BASIS


def test_add_source_command_fetches_a_url(db, capsys, page_server, settings):
    settings.SOURCE_FETCH_ALLOW_PRIVATE = True
    call_command("add_source", f"{page_server}/article.html")
    source = Source.objects.get()
    assert source.original.final_url == f"{page_server}/article.html"


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("missing.html", "no such file"),
        ("http://127.0.0.1:9/", "not allowed"),
        ("ftp://example.org/a.txt", "no such file"),
    ],
)
def test_add_source_command_refuses_bad_input_and_saves_nothing(db, argument, message):
    with pytest.raises(CommandError, match=message):
        call_command("add_source", argument)
    assert nothing_saved()


def test_add_source_command_refuses_the_same_file_twice(db, capsys):
    call_command("add_source", str(DATA / "article.html"))
    with pytest.raises(CommandError, match="already added as"):
        call_command("add_source", str(DATA / "article.html"))
    assert Source.objects.count() == Original.objects.count() == 1


# --- The seeds are one kind of origin ------------------------------------------------------


def test_every_seed_source_traces_to_its_seed_files_bytes(seeded, settings):
    for seed in load_manifest(settings.SEEDS_DIR):
        source = Source.objects.select_related("original").get(slug=seed.slug)
        raw = (settings.SEEDS_DIR / seed.seed_file).read_bytes()
        assert bytes(source.original.content) == raw
        assert source.original.sha256 == hashlib.sha256(raw).hexdigest()
        assert (source.original.kind, source.seed_file) == ("seed", seed.seed_file)
        decoded = raw.decode("utf-8")
        assert decoded[source.origin_start : source.origin_end] == source.text
    assert Original.objects.count() == len(list(settings.SEEDS_DIR.glob("*.txt")))


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def quote_formset(response):
    """The claim form's inline formset of quotes."""
    return next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "quotes"
    )
