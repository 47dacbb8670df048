from __future__ import annotations

import io
import re
import zipfile
from importlib.metadata import version
from pathlib import Path

import pypdf
import pytest
from fpdf import FPDF
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from claims.extraction import (
    MEDIA_TYPES,
    ExtractionError,
    Suggestion,
    clean_text,
    detect_media_type,
    extract,
)
from tests.factories import encrypt_pdf, make_docx, make_pdf

DATA = Path(__file__).resolve().parent / "data"
ARTICLE = (DATA / "article.html").read_bytes()
UNDATED = (DATA / "undated.html").read_bytes()
DOCX = MEDIA_TYPES[".docx"]
BODY = "".join(
    f"<p>Paragraph {n} of the article weighs the gas trade between Baku and Moscow.</p>"
    for n in range(1, 5)
)


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def page(head: str, body: str = BODY, lang: str = "en") -> bytes:
    """A small but complete HTML page."""
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>'
        f"<body><article>{body}</article></body></html>"
    ).encode()


def refused(data: bytes, **kwargs: str) -> str:
    with pytest.raises(ExtractionError) as caught:
        extract(data, **kwargs)
    return str(caught.value)


# --- clean_text ---------------------------------------------------------------------------


def test_clean_text_normalises_line_ends_and_blank_lines():
    assert clean_text("a\r\nb\rc\n\n\n\n d  \n\t\n\ne \t") == "a\nb\nc\n\n d\n\ne"


def test_clean_text_drops_control_characters_and_bom_but_keeps_tabs():
    assert clean_text("\ufeffa\x00b\x07c\x1b\x7f\x85\x9fd\te\x0cf") == "abcd\tef"


def test_clean_text_leaves_quotes_dashes_and_unnormalised_letters_alone():
    text = "Canbäck’s “analysis” – cafe\u0301 \u00a0ﬁ"
    assert clean_text(text) == text


@given(st.text(alphabet=st.sampled_from("ab \t\n\r\x00\x0b\x85\ufeff\u00a0\u2028é’")))
def test_clean_text_is_idempotent_and_leaves_no_cr_or_three_newlines(text):
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert "\r" not in cleaned
    assert "\n\n\n" not in cleaned


@given(st.text())
def test_clean_text_only_removes_white_space_and_control_characters(text):
    def visible(value: str) -> str:
        return re.sub(r"[\s\x00-\x1f\x7f-\x9f\ufeff]", "", value)

    assert visible(clean_text(text)) == visible(text)


# --- HTML ---------------------------------------------------------------------------------


def test_html_article_keeps_the_body_and_drops_navigation_footer_and_related_links():
    text = extract(ARTICLE, filename="article.html").text
    assert "Lukoil holds a 20 percent stake in the Shah Deniz gas field." in text
    assert "depends as much on Moscow as on\nBrussels" not in text  # source line breaks go
    assert text.endswith("depends as much on Moscow as on Brussels.")
    for boilerplate in ("Subscribe", "All rights reserved", "Privacy policy", "Related articles"):
        assert boilerplate not in text


def test_html_paragraphs_are_separated_by_one_blank_line():
    text = extract(ARTICLE, filename="article.html").text
    paragraphs = text.split("\n\n")
    assert "\n" not in text.replace("\n\n", "")
    assert paragraphs[0] == "Azerbaijan and Russia: an energy partnership under strain"
    assert paragraphs[2].startswith("Lukoil holds a 20 percent stake")
    assert len(paragraphs) == 7


def test_html_article_metadata_comes_with_the_tag_that_states_it():
    extracted = extract(ARTICLE, filename="article.html")
    assert extracted.metadata == {
        "title": Suggestion(
            "Azerbaijan and Russia: an energy partnership under strain",
            "from the page's og:title",
        ),
        "author": Suggestion("Leyla Mammadova", 'from the page\'s <meta name="author">'),
        "outlet": Suggestion("Caspian Energy Review", "from the page's og:site_name"),
        "url": Suggestion(
            "https://caspian-energy.example.org/analysis/azerbaijan-russia-energy",
            'from the page\'s <link rel="canonical">',
        ),
        "published": Suggestion("2024-03-05", "from the page's article:published_time"),
        "language": Suggestion("en", "from the page's <html lang>"),
    }


def test_html_extraction_records_trafilatura_and_its_version():
    extracted = extract(ARTICLE, filename="article.html")
    assert extracted.media_type == "text/html"
    assert extracted.extractor == "trafilatura"
    assert extracted.extractor_version == version("trafilatura")


def test_undated_page_suggests_no_date_and_no_author():
    extracted = extract(UNDATED, filename="undated.html")
    assert "published" not in extracted.metadata
    assert "author" not in extracted.metadata
    assert extracted.metadata["title"] == Suggestion(
        "Notes on the Middle Corridor", "from the page's first heading"
    )
    assert extracted.text.startswith("Notes on the Middle Corridor\n\nThe Middle Corridor links")
    assert "Contact the editors" not in extracted.text


def test_title_from_the_title_element_loses_the_site_name():
    data = page("<title>Ties that bind | Caspian Review</title>")
    metadata = extract(data, filename="a.html").metadata
    assert metadata["title"] == Suggestion("Ties that bind", "from the page's <title>")


def test_month_only_date_keeps_month_precision_though_htmldate_adds_a_day():
    data = page('<title>Gas deal</title><meta property="article:published_time" content="2024-03">')
    published = extract(data, filename="a.html").metadata["published"]
    assert published == Suggestion("2024-03", "from the page's article:published_time")


def test_json_ld_gives_date_author_title_and_outlet_with_json_ld_bases():
    json_ld = (
        '{"@context": "https://schema.org", "@graph": [{"@type": "NewsArticle",'
        ' "headline": "Pipeline politics", "datePublished": "2023-11-20T23:30:00-05:00",'
        ' "author": [{"@type": "Person", "name": "Jane Roe"}],'
        ' "publisher": {"@type": "Organization", "name": "Daily Example"}}]}'
    )
    data = page(f'<title>x</title><script type="application/ld+json">{json_ld}</script>')
    metadata = extract(data, filename="a.html").metadata
    assert metadata["published"] == Suggestion("2023-11-20", "datePublished in the page's JSON-LD")
    assert metadata["author"] == Suggestion("Jane Roe", "author in the page's JSON-LD")
    assert metadata["title"] == Suggestion("Pipeline politics", "headline in the page's JSON-LD")
    assert metadata["outlet"] == Suggestion("Daily Example", "publisher in the page's JSON-LD")


def test_time_element_and_byline_are_named_as_the_basis():
    body = (
        '<p class="byline">By <span class="author">Rasmus Canback</span>'
        ' <time datetime="2022-07-18">18 July</time></p>' + BODY
    )
    metadata = extract(page("<title>Ties</title>", body), filename="a.html").metadata
    assert metadata["published"] == Suggestion("2022-07-18", "<time datetime> in the page")
    assert metadata["author"] == Suggestion("Rasmus Canback", "from the page's byline")


def test_outlet_keeps_the_page_wording_of_a_twitter_handle():
    head = '<title>Ties</title><meta name="twitter:site" content="@caspianreview">'
    metadata = extract(page(head), filename="a.html").metadata
    assert metadata["outlet"] == Suggestion(
        "caspianreview", 'from the page\'s <meta name="twitter:site">'
    )


def test_year_only_meta_date_gives_way_to_a_full_date_elsewhere_in_the_page():
    head = '<title>Ties</title><meta name="date" content="2022">'
    body = '<p>Posted <time datetime="2022-07-18T10:00">18 July</time></p>' + BODY
    metadata = extract(page(head, body), filename="a.html").metadata
    assert metadata["published"] == Suggestion("2022-07-18", "<time datetime> in the page")


def test_site_name_trafilatura_derives_from_the_url_is_not_suggested():
    head = '<title>Ties</title><link rel="canonical" href="https://news.example.com/ties">'
    metadata = extract(page(head), filename="a.html").metadata
    assert "outlet" not in metadata
    assert metadata["url"].value == "https://news.example.com/ties"


def test_relative_canonical_link_is_resolved_against_the_given_url():
    head = '<title>Ties</title><link rel="canonical" href="/analysis/ties">'
    metadata = extract(page(head), filename="a.html", url="https://example.org/x?y=1").metadata
    assert metadata["url"].value == "https://example.org/analysis/ties"


def test_language_keeps_the_primary_subtag_in_lower_case():
    metadata = extract(page("<title>Ties</title>", lang="EN-gb"), filename="a.html").metadata
    assert metadata["language"] == Suggestion("en", "from the page's <html lang>")


def test_line_break_inside_a_paragraph_stays_a_single_newline():
    body = BODY + "<p>Line one<br>line two</p><ul><li>item a</li><li>item b</li></ul>"
    text = extract(page("<title>Ties</title>", body), filename="a.html").text
    assert text.endswith("Line one\nline two\n\n- item a\n- item b")


def _cp1252_page(meta_charset: str) -> bytes:
    """A Swedish page encoded in windows-1252, whose <meta charset> says `meta_charset`."""
    return (
        f'<!DOCTYPE html><html lang="sv"><head><meta charset="{meta_charset}"><title>Om</title>'
        "</head><body><article><p>Rasmus Canbäck’s “analysis” – after the war, Baku and Moscow"
        " kept talking.</p><p>São Paulo is not in this story, but the café is.</p>"
        "</article></body></html>"
    ).encode("cp1252")


def test_windows_1252_page_is_decoded_by_its_meta_charset():
    text = extract(_cp1252_page("windows-1252"), filename="a.htm").text
    assert "Canbäck’s “analysis” – after" in text
    assert "São Paulo" in text


def test_html_with_declared_content_type_and_url_is_read():
    extracted = extract(
        ARTICLE, declared_type="text/html; charset=utf-8", url="https://example.org/a"
    )
    assert extracted.media_type == "text/html"
    assert "Lukoil holds a 20 percent stake" in extracted.text
    assert extracted.metadata["published"].value == "2024-03-05"


def test_declared_charset_decodes_a_page_that_is_not_utf8():
    data = page("<title>Café</title>", "<p>Canbäck’s café, the “Caspian” – Baku.</p>" * 3)
    data = data.decode().replace('<meta charset="utf-8">', "").encode("cp1252")
    text = extract(data, declared_type="text/html; charset=windows-1252").text
    assert "Canbäck’s café, the “Caspian” – Baku." in text


def test_a_meta_charset_python_does_not_know_gives_way_to_a_guess():
    text = extract(_cp1252_page("klingon"), filename="a.html").text
    assert "Canbäck’s “analysis” – after" in text
    assert "but the café is." in text


def test_broken_json_ld_states_nothing_and_the_rest_of_the_page_still_counts():
    head = (
        '<title>Ties</title><script type="application/ld+json">{"author": </script>'
        '<meta name="author" content="Jane Roe">'
    )
    metadata = extract(page(head), filename="a.html").metadata
    assert metadata["author"] == Suggestion("Jane Roe", 'from the page\'s <meta name="author">')
    assert metadata["title"] == Suggestion("Ties", "from the page's <title>")


def test_og_url_gives_the_address_when_there_is_no_canonical_link():
    head = '<title>Ties</title><meta property="og:url" content="https://example.org/ties">'
    metadata = extract(page(head), filename="a.html").metadata
    assert metadata["url"] == Suggestion("https://example.org/ties", "from the page's og:url")


def test_an_impossible_day_in_a_date_tag_is_never_suggested_as_that_tag_states_it():
    head = '<title>Ties</title><meta property="article:published_time" content="2024-02-30">'
    published = extract(page(head), filename="a.html").metadata["published"]
    assert published.value != "2024-02-30"
    assert published.basis == "found by htmldate in the page (original publication date)"


def test_a_date_only_written_in_the_text_is_suggested_as_htmldate_found_it():
    body = BODY + '<p>Posted on <span class="date">March 3, 2021</span></p>'
    metadata = extract(page("<title>Ties</title>", body), filename="a.html").metadata
    assert metadata["published"] == Suggestion(
        "2021-03-03", "found by htmldate in the page (original publication date)"
    )


@pytest.mark.parametrize(
    ("lang", "meta", "suggested"),
    [
        (
            "",
            '<meta http-equiv="content-language" content="de-AT, en">',
            Suggestion("de", 'from the page\'s <meta http-equiv="content-language">'),
        ),
        (
            "und",
            '<meta property="og:locale" content="ru_RU">',
            Suggestion("ru", "from the page's og:locale"),
        ),
    ],
)
def test_without_a_language_on_html_the_page_meta_tags_give_it(lang, meta, suggested):
    metadata = extract(page(f"<title>Ties</title>{meta}", lang=lang), filename="a.html").metadata
    assert metadata["language"] == suggested


def test_declared_pdf_with_html_content_is_refused_as_a_mismatch():
    message = refused(ARTICLE, declared_type="application/pdf")
    assert message == (
        "This file was sent as application/pdf but its content is not a PDF (it looks like HTML)."
    )


def test_text_without_markup_named_html_is_refused():
    assert refused(b"Just notes, no markup.", filename="notes.html") == (
        "This file is named .html but its content is not HTML (it looks like plain text)."
    )


def test_page_without_article_text_is_refused():
    message = refused(page("<title>Empty</title>", ""), filename="a.html")
    assert message.startswith("No text could be extracted")


# --- DOCX ---------------------------------------------------------------------------------


def test_docx_paragraphs_and_core_properties():
    data = make_docx(
        ["Lukoil holds a 20 percent stake.", "", "Baku buys Russian gas in winter."],
        title="Energy ties",
        author="Leyla Mammadova",
    )
    extracted = extract(data, filename="memo.docx")
    assert extracted.text == "Lukoil holds a 20 percent stake.\n\nBaku buys Russian gas in winter."
    assert extracted.media_type == DOCX
    assert extracted.extractor == "python-docx"
    assert extracted.extractor_version == version("python-docx")
    assert extracted.metadata == {
        "title": Suggestion("Energy ties", "from the document's properties (title)"),
        "author": Suggestion("Leyla Mammadova", "from the document's properties (author)"),
    }


def test_docx_without_title_or_author_suggests_nothing_and_never_a_date():
    extracted = extract(make_docx(["Only text."]), filename="memo.docx")
    assert extracted.metadata == {}


def test_zip_without_word_document_is_not_a_docx():
    data = make_zip({"content.xml": b"<office:document/>", "mimetype": b"odt"})
    message = refused(data, filename="memo.docx")
    assert message == (
        "This file is named .docx but its content is not a Word document "
        "(it looks like a ZIP archive that is not a Word document)."
    )


def test_damaged_docx_is_refused():
    data = make_zip({"word/document.xml": b"<w:document>broken"})
    assert refused(data, filename="memo.docx").startswith("This Word document is damaged")


def test_docx_with_no_text_is_refused():
    assert refused(make_docx(["", "  "]), filename="memo.docx").startswith("No text could be")


# --- PDF ----------------------------------------------------------------------------------

PAGES = [
    ["Lukoil holds a 20 percent stake in Shah Deniz.", "The field feeds the corridor."],
    ["Baku signed a memorandum with Brussels in 2022."],
    ["Moscow and Baku signed a declaration in February 2022."],
]


def test_pdf_text_has_each_page_in_order_separated_by_a_blank_line():
    extracted = extract(make_pdf(PAGES), filename="report.pdf")
    assert extracted.text == (
        "Lukoil holds a 20 percent stake in Shah Deniz.\nThe field feeds the corridor.\n\n"
        "Baku signed a memorandum with Brussels in 2022.\n\n"
        "Moscow and Baku signed a declaration in February 2022."
    )
    assert extracted.media_type == "application/pdf"
    assert extracted.extractor == "pypdf"
    assert extracted.extractor_version == version("pypdf")


def test_pdf_title_and_author_come_from_the_document_information_and_no_date():
    data = make_pdf(PAGES, title="Caspian gas", author="Leyla Mammadova")
    metadata = extract(data, filename="report.pdf").metadata
    assert metadata == {
        "title": Suggestion("Caspian gas", "from the PDF's document information (Title)"),
        "author": Suggestion("Leyla Mammadova", "from the PDF's document information (Author)"),
    }


def test_pdf_and_docx_language_comes_from_the_document_itself():
    pdf = extract(make_pdf(PAGES, lang="en-GB"), filename="report.pdf")
    assert pdf.metadata["language"] == Suggestion("en", "from the PDF's document catalog (Lang)")
    memo = extract(make_docx(["Hej."], lang="sv-SE"), filename="memo.docx")
    assert memo.metadata["language"] == Suggestion(
        "sv", "from the document's properties (language)"
    )


def test_scanned_pdf_without_text_layer_is_refused_with_advice_to_ocr():
    pdf = FPDF()
    pdf.add_page()
    pdf.image(Image.new("L", (400, 300), 200), x=10, y=10, w=150)
    pdf.add_page()
    pdf.rect(20, 20, 100, 50)
    message = refused(bytes(pdf.output()), filename="scan.pdf")
    assert message == (
        "This PDF has no text layer: it looks like a scanned image. "
        "Run OCR on it and upload the result."
    )


@pytest.mark.parametrize("user_password", ["secret", ""])
def test_encrypted_pdf_is_refused_even_when_it_opens_without_a_password(user_password):
    data = encrypt_pdf(make_pdf(PAGES), user_password)
    assert refused(data, filename="report.pdf") == (
        "This PDF is encrypted; upload an unencrypted copy."
    )


@pytest.mark.parametrize("data", [b"%PDF-1.4 garbage", make_pdf(PAGES)[:400]])
def test_corrupt_pdf_is_refused(data):
    assert refused(data, filename="report.pdf").startswith("This PDF is damaged")


def test_a_pdf_without_pages_is_refused_as_damaged():
    buffer = io.BytesIO()
    pypdf.PdfWriter().write(buffer)
    assert refused(buffer.getvalue(), filename="empty.pdf").startswith("This PDF is damaged")


# --- Plain text and encodings ---------------------------------------------------------------


def test_cp1252_text_is_decoded_and_the_encoding_recorded():
    data = "Canbäck’s “analysis” – café".encode("cp1252")
    extracted = extract(data, filename="notes.txt")
    assert extracted.text == "Canbäck’s “analysis” – café"
    assert extracted.extractor == "plain text"
    assert extracted.extractor_version == (
        f"charset-normalizer {version('charset-normalizer')} (cp1252)"
    )
    assert extracted.metadata == {}


def test_latin1_text_is_decoded():
    data = "Grüße aus Köln: Tromsø, Ålesund, déjà vu.\n".encode("latin-1")
    assert extract(data, filename="notes.txt").text == "Grüße aus Köln: Tromsø, Ålesund, déjà vu."


def test_cp1251_russian_text_keeps_its_own_encoding():
    data = "Отношения между Баку и Москвой хорошие, говорит министр.".encode("cp1251")
    extracted = extract(data, filename="notes.txt")
    assert extracted.text == "Отношения между Баку и Москвой хорошие, говорит министр."
    assert extracted.extractor_version.endswith("(cp1251)")


def test_declared_charset_is_used_for_text_that_is_not_utf8():
    data = "Ålesund – “Tromsø”".encode("cp1252")
    extracted = extract(data, filename="n.txt", declared_type="text/plain; charset=windows-1252")
    assert extracted.text == "Ålesund – “Tromsø”"
    assert extracted.extractor_version == "declared charset (cp1252)"


@pytest.mark.parametrize("charset", ["klingon", "base64"])
def test_a_declared_charset_that_names_no_text_encoding_gives_way_to_a_guess(charset):
    # "klingon" is no codec at all; base64 is a codec, but bytes-to-bytes, not text.
    data = "Ålesund – “Tromsø” and Canbäck’s café.".encode("cp1252")
    extracted = extract(data, filename="n.txt", declared_type=f"text/plain; charset={charset}")
    assert extracted.text == "Ålesund – “Tromsø” and Canbäck’s café."
    assert extracted.extractor_version.startswith("charset-normalizer")


def test_utf8_with_bom_drops_the_bom_and_keeps_paragraphs():
    data = "\ufeffFirst paragraph.\r\n\r\n\r\nSecond – “quoted”.\r\n".encode()
    extracted = extract(data, filename="notes.txt")
    assert extracted.text == "First paragraph.\n\nSecond – “quoted”."
    assert extracted.extractor_version == "utf-8"
    assert extracted.media_type == "text/plain"


def test_utf16_text_is_refused_with_advice_to_save_as_utf8():
    data = "Lukoil holds a stake.".encode("utf-16")
    assert refused(data, filename="notes.txt") == (
        "This text file's encoding could not be recognised; save it as UTF-8 and upload it again."
    )


def test_txt_file_with_markup_is_taken_as_text():
    extracted = extract(b"<p>Not a page, just <b>notes</b>.</p>", filename="notes.txt")
    assert extracted.media_type == "text/plain"
    assert extracted.text == "<p>Not a page, just <b>notes</b>.</p>"


def test_whitespace_only_text_is_refused():
    assert refused(b" \r\n\t\n  ", filename="notes.txt") == (
        "No text could be extracted from this file: it contains only white space."
    )


def test_nul_laden_binary_named_txt_is_refused():
    message = refused(bytes(range(256)) * 4, filename="notes.txt")
    assert message == (
        "This file is named .txt but its content is not text (it looks like binary data)."
    )


# --- Media type detection -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"  \n%PDF-1.7\n...", "application/pdf"),
        (b"\xef\xbb\xbf<!DOCTYPE HTML><html><body>x</body></html>", "text/html"),
        (b"<!-- saved page -->\n<html><p>x</p></html>", "text/html"),
        (b"Just some notes.\n", "text/plain"),
    ],
)
def test_content_decides_the_type_when_nothing_else_is_given(data, expected):
    assert detect_media_type(data) == expected


def test_docx_is_recognised_by_its_word_document_part():
    assert detect_media_type(make_docx(["x"]), filename="C:\\Users\\e\\Memo.DOCX") == DOCX


def test_pdf_named_pdf_is_accepted_with_parameters_on_the_declared_type():
    data = make_pdf(PAGES)
    assert detect_media_type(data, filename="a.pdf", declared_type="application/pdf; x=1") == (
        "application/pdf"
    )


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (
            ARTICLE,
            "report.pdf",
            "This file is named .pdf but its content is not a PDF (it looks like HTML).",
        ),
        (
            b"plain words",
            "memo.docx",
            "This file is named .docx but its content is not a Word document "
            "(it looks like plain text).",
        ),
        (
            make_pdf(PAGES),
            "page.html",
            "This file is named .html but its content is not HTML (it looks like a PDF).",
        ),
    ],
)
def test_content_that_does_not_match_the_extension_is_refused(data, filename, message):
    assert refused(data, filename=filename) == message


@pytest.mark.parametrize("filename", ["setup.exe", "letter.rtf"])
def test_unsupported_extension_is_refused(filename):
    suffix = filename[filename.index(".") :]
    assert refused(b"MZ whatever", filename=filename) == (
        f"Files of type {suffix} are not supported; upload .txt, .html, .htm, .pdf or .docx."
    )


def test_unsupported_declared_type_is_refused():
    assert refused(b"\x89PNG\r\n", declared_type="image/png") == (
        "Documents of type image/png are not supported; upload .txt, .html, .htm, .pdf or .docx."
    )


def test_unrecognised_content_without_a_name_is_refused():
    assert refused(b"\x89PNG\r\n\x1a\n\x00\x00") == (
        "This file is not a supported document (it looks like an image); "
        "upload .txt, .html, .htm, .pdf or .docx."
    )


@given(
    prefix=st.sampled_from(
        [b"", b"%PDF-1.4\n", b"PK\x03\x04", b"<html><body><p>", b"\xef\xbb\xbf"]
    ),
    body=st.binary(max_size=300),
    filename=st.sampled_from(["", "a.txt", "a.html", "a.pdf", "a.docx"]),
)
def test_any_bytes_give_text_or_an_extraction_error_and_nothing_else(prefix, body, filename):
    try:
        extracted = extract(prefix + body, filename=filename)
    except ExtractionError as error:
        assert str(error)
    else:
        assert extracted.text == clean_text(extracted.text) != ""


def test_empty_file_is_refused():
    assert refused(b"", filename="notes.txt") == "The file is empty."
