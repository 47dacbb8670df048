"""Turn the bytes of a document an editor supplied into article text and metadata suggestions.

Pure Python (no Django). The formats are read by well-kept extractors: trafilatura (with
htmldate) for HTML, pypdf for PDF, python-docx for DOCX and charset-normalizer for text in an
unknown encoding. Paragraphs are separated by one blank line, the convention of the seed
articles. Metadata is only ever what the document itself states, and each suggestion says
which part of the document gave it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import docx
import pypdf
import trafilatura
from lxml.html import HtmlElement
from trafilatura.metadata import Document
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

TEXT = "text/plain"
HTML = "text/html"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

MEDIA_TYPES: dict[str, str] = {
    ".txt": TEXT,
    ".html": HTML,
    ".htm": HTML,
    ".pdf": PDF,
    ".docx": DOCX,
}
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(MEDIA_TYPES)

_UPLOAD_HINT = "upload .txt, .html, .htm, .pdf or .docx."
# How the messages name what a file should have been.
_KIND_NAMES = {TEXT: "text", HTML: "HTML", PDF: "a PDF", DOCX: "a Word document"}
# Declared types that name a supported kind under another name, or say nothing at all.
_DECLARED_ALIASES = {"application/xhtml+xml": HTML}
_UNINFORMATIVE_TYPES = {"", "application/octet-stream", "binary/octet-stream"}


class ExtractionError(ValueError):
    """A message for the editor: what is wrong with the input and what to do."""


@dataclass(frozen=True)
class Suggestion:
    """A metadata value the document states, and where in the document it says so."""

    value: str
    basis: str


@dataclass(frozen=True)
class Extracted:
    """A document's text, how it was read and the metadata it offers."""

    text: str
    media_type: str
    extractor: str
    extractor_version: str
    metadata: dict[str, Suggestion]


# --- Text clean-up --------------------------------------------------------------------------

# Unicode category Cc except tab and line feed, plus the byte-order mark.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]")
_BLANK_LINE_RUNS = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """Normalise line ends and blank lines and drop control characters; keep all else verbatim.

    Quotes are later matched character for character against this text, so nothing is
    Unicode-normalised and no quote or dash is touched.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_CHARS.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_LINE_RUNS.sub("\n\n", text).strip()


def _one_line(value: object) -> str:
    """A metadata value on one line, or "" when it is blank."""
    return " ".join(clean_text(str(value)).split()) if value is not None else ""


# --- Media type detection -------------------------------------------------------------------

_SNIFF_BYTES = 8192
_MARKUP_START = re.compile(rb"\s*(?:<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)
_MARKUP_INSIDE = re.compile(rb"<html|<body|<p[\s>]", re.IGNORECASE)
# Formats an editor may plausibly pick by mistake; named so the message can say what it is.
_SIGNATURES = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-format Office file (such as .doc)"),
    (b"{\\rtf", "an RTF document"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
    (b"\x1f\x8b", "compressed (gzip) data"),
)


def _sniff(data: bytes) -> tuple[str | None, str]:
    """The supported media type the content is (None if none) and words for what it looks like."""
    head = data[:_SNIFF_BYTES]
    if head.lstrip().startswith(b"%PDF-"):
        return PDF, "a PDF"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return None, "a damaged ZIP archive"
        if "word/document.xml" in names:
            return DOCX, "a Word document (.docx)"
        return None, "a ZIP archive that is not a Word document"
    for signature, looks_like in _SIGNATURES:
        if head.startswith(signature):
            return None, looks_like
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Text, but not in an encoding we accept: extract() says to save it as UTF-8.
        return TEXT, "UTF-16 text"
    if b"\x00" in data:
        return None, "binary data"
    body = head.removeprefix(codecs.BOM_UTF8)
    if _MARKUP_START.match(body) or _MARKUP_INSIDE.search(body):
        return HTML, "HTML"
    return TEXT, "plain text"


def _compatible(expected: str, sniffed: str | None) -> bool:
    """Whether content sniffed as `sniffed` may be read as `expected`."""
    if expected == TEXT:
        # A .txt file holding markup is still text, and the editor chose to give it as text.
        return sniffed in (TEXT, HTML)
    return sniffed == expected


def detect_media_type(data: bytes, *, filename: str = "", declared_type: str = "") -> str:
    """The media type of `data`, from its content, checked against its name and declared type."""
    if not data:
        raise ExtractionError("The file is empty.")
    expectations: list[tuple[str, str]] = []  # (what the file claims to be, media type)
    if filename:
        # Browsers on Windows have sent full paths; only the last component names the file.
        suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
        if suffix and suffix not in MEDIA_TYPES:
            raise ExtractionError(f"Files of type {suffix} are not supported; {_UPLOAD_HINT}")
        # Without any extension the content alone decides.
        if suffix:
            expectations.append((f"is named {suffix}", MEDIA_TYPES[suffix]))
    declared = declared_type.split(";", 1)[0].strip().lower()
    if declared not in _UNINFORMATIVE_TYPES:
        declared = _DECLARED_ALIASES.get(declared, declared)
        if declared not in MEDIA_TYPES.values():
            raise ExtractionError(f"Documents of type {declared} are not supported; {_UPLOAD_HINT}")
        expectations.append((f"was sent as {declared}", declared))

    sniffed, looks_like = _sniff(data)
    for described, expected in expectations:
        if not _compatible(expected, sniffed):
            raise ExtractionError(
                f"This file {described} but its content is not {_KIND_NAMES[expected]} "
                f"(it looks like {looks_like})."
            )
    if expectations:
        # The editor's own choice of name wins over a server's declared type.
        return expectations[0][1]
    if sniffed is None:
        raise ExtractionError(
            f"This file is not a supported document (it looks like {looks_like}); {_UPLOAD_HINT}"
        )
    return sniffed


# --- Extraction -----------------------------------------------------------------------------

_NO_TEXT = "No text could be extracted from this file"


def extract(
    data: bytes, *, filename: str = "", declared_type: str = "", url: str = ""
) -> Extracted:
    """Read `data` as the document it is and return its text, how it was read and its metadata.

    `url` is where the editor found the document; it helps date and resolve an HTML page.
    Raises ExtractionError, and no other exception, for any input that cannot be used.
    """
    media_type = detect_media_type(data, filename=filename, declared_type=declared_type)
    charset = _declared_charset(declared_type)
    if media_type == PDF:
        extracted = _extract_pdf(data)
    elif media_type == DOCX:
        extracted = _extract_docx(data)
    elif media_type == HTML:
        extracted = _extract_html(data, charset=charset, url=url)
    else:
        extracted = _extract_plain_text(data, charset=charset)
    if not extracted.text:
        raise ExtractionError(f"{_NO_TEXT}.")
    return extracted


def _declared_charset(declared_type: str) -> str:
    """The charset parameter of a Content-Type, if it names an encoding Python knows."""
    for parameter in declared_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
            try:
                return codecs.lookup(charset).name
            except LookupError:
                return ""
    return ""


# Plain text

_UNKNOWN_ENCODING = (
    "This text file's encoding could not be recognised; save it as UTF-8 and upload it again."
)


def _decode(data: bytes, *, charset: str, unknown: str) -> tuple[str, str]:
    """The decoded text and the encoding used: UTF-8, else the declared charset, else a guess."""
    if b"\x00" in data:
        # NUL bytes mean UTF-16/32 or binary data; guessing would produce plausible nonsense.
        raise ExtractionError(unknown)
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if charset:
        try:
            return data.decode(charset), f"declared charset ({charset})"
        # LookupError and TypeError: a declared name of a codec that is not a text encoding.
        except (ValueError, LookupError, TypeError):
            pass
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        raise ExtractionError(unknown)
    # On short Western text charset-normalizer often ties cp1252 with cp1250 or cp1257 and
    # names the wrong one ("Tromsø" read as "Tromsř"). When cp1252 scores as well as the best
    # by its own measures, take cp1252: by far the commonest legacy encoding.
    for match in matches:
        if (
            "cp1252" in match.could_be_from_charset
            and match.chaos <= best.chaos
            and match.coherence >= best.coherence
        ):
            return str(match), f"charset-normalizer {version('charset-normalizer')} (cp1252)"
    return str(best), f"charset-normalizer {version('charset-normalizer')} ({best.encoding})"


def _extract_plain_text(data: bytes, *, charset: str) -> Extracted:
    """Decode a text file; plain text states no metadata."""
    text, encoding = _decode(data, charset=charset, unknown=_UNKNOWN_ENCODING)
    text = clean_text(text)
    if not text:
        raise ExtractionError(f"{_NO_TEXT}: it contains only white space.")
    return Extracted(text, TEXT, "plain text", encoding, {})


# PDF

_DAMAGED_PDF = (
    "This PDF is damaged and could not be read; open it in a PDF viewer, save or print it "
    "to a new PDF and upload that copy."
)


def _extract_pdf(data: bytes) -> Extracted:
    """Each page's text layer, pages separated by a blank line; Title and Author as metadata."""
    # pypdf raises many exception types (not only PdfReadError) on malformed files, and the
    # caller must only ever see an ExtractionError, hence the broad catches around it.
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception as err:
        raise ExtractionError(_DAMAGED_PDF) from err
    if encrypted:
        # pypdf can open a PDF encrypted with an empty user password, but the encryption still
        # restricts what the owner allows (e.g. copying text), so every encrypted PDF is refused.
        raise ExtractionError("This PDF is encrypted; upload an unencrypted copy.")
    try:
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as err:
        raise ExtractionError(_DAMAGED_PDF) from err
    if not pages:
        raise ExtractionError(_DAMAGED_PDF)
    text = clean_text("\n\n".join(pages))
    if not text:
        raise ExtractionError(
            "This PDF has no text layer: it looks like a scanned image. "
            "Run OCR on it and upload the result."
        )
    return Extracted(text, PDF, "pypdf", version("pypdf"), _pdf_metadata(reader))


def _pdf_metadata(reader: pypdf.PdfReader) -> dict[str, Suggestion]:
    """Title, Author and the catalog's Lang. CreationDate is when the file was made, not when
    the piece was published, so no date is suggested."""
    metadata: dict[str, Suggestion] = {}
    try:
        info = reader.metadata
        title, author = (info.title, info.author) if info is not None else (None, None)
        lang = reader.root_object.get("/Lang")
        lang = lang.get_object() if lang is not None else None  # it may be a reference
    except Exception:
        # A damaged information dictionary loses the suggestions, not the text.
        return metadata
    for key, value, entry in (("title", title, "Title"), ("author", author, "Author")):
        if value := _one_line(value):
            metadata[key] = Suggestion(value, f"from the PDF's document information ({entry})")
    if language := _language_code(lang):
        metadata["language"] = Suggestion(language, "from the PDF's document catalog (Lang)")
    return metadata


# DOCX

_DAMAGED_DOCX = (
    "This Word document is damaged and could not be read; open it in a word processor, save it "
    "again as .docx and upload that copy."
)


def _extract_docx(data: bytes) -> Extracted:
    """The body's non-empty paragraphs separated by blank lines; core properties as metadata.

    Tables are skipped: python-docx repeats a merged cell's text in every cell it spans, which
    would put sentences in the text more often than the document has them.
    """
    # python-docx surfaces zipfile, lxml and KeyError failures from damaged packages as they
    # are; the caller must only ever see an ExtractionError.
    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = [paragraph.text for paragraph in document.paragraphs]
        properties = document.core_properties
        title, author, lang = properties.title, properties.author, properties.language
    except Exception as err:
        raise ExtractionError(_DAMAGED_DOCX) from err
    text = clean_text("\n\n".join(text for text in map(clean_text, paragraphs) if text))
    metadata: dict[str, Suggestion] = {}
    for key, value, entry in (("title", title, "title"), ("author", author, "author")):
        if value := _one_line(value):
            metadata[key] = Suggestion(value, f"from the document's properties ({entry})")
    if language := _language_code(lang):
        metadata["language"] = Suggestion(language, "from the document's properties (language)")
    return Extracted(text, DOCX, "python-docx", version("python-docx"), metadata)


# HTML

_UNKNOWN_HTML_ENCODING = (
    "This page's character encoding could not be recognised; save it as UTF-8 and upload it again."
)
_UNREADABLE_PAGE = "This web page could not be read; save it again from the browser and upload it."
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _decode_html(data: bytes, *, charset: str) -> str:
    """The page as text: UTF-8, else the declared charset, else the page's <meta charset>, else
    a guess. Valid UTF-8 goes first because pages often declare latin-1 but are UTF-8."""
    meta = _META_CHARSET.search(data[:_SNIFF_BYTES])
    if not charset and meta:
        try:
            charset = codecs.lookup(meta[1].decode("ascii")).name
        except (LookupError, UnicodeDecodeError):
            charset = ""
    text, _ = _decode(data, charset=charset, unknown=_UNKNOWN_HTML_ENCODING)
    # lxml refuses a str that still carries an XML encoding declaration; it no longer applies.
    return _XML_DECLARATION.sub("", text, count=1)


def _extract_html(data: bytes, *, charset: str, url: str) -> Extracted:
    """The article text trafilatura finds in a page, and the metadata the page states.

    Tables are kept: older sites lay out the article body in tables, and trafilatura renders
    data tables row by row with each cell once. Reader comments are left out: they are not
    the article.
    """
    markup = _decode_html(data, charset=charset)
    # trafilatura and lxml can raise a range of exception types on malformed markup; the
    # caller must only ever see an ExtractionError.
    try:
        tree = load_html(markup)
        if tree is None:
            raise ExtractionError(_UNREADABLE_PAGE)
        document = trafilatura.bare_extraction(
            tree,
            url=url or None,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            # No extensive search: a date guessed from the free text is not one the page states.
            date_extraction_params={
                "original_date": True,
                "extensive_search": False,
                "max_date": dt.datetime.now().astimezone().strftime("%Y-%m-%d"),
            },
        )
        # Each top-level block (paragraph, heading, list, table, quote) becomes one paragraph;
        # line breaks inside a block stay single.
        # A Document, as without as_dict; None when nothing was extracted.
        blocks = (
            [xmltotxt(block, False) for block in document.body]
            if isinstance(document, Document)
            else []
        )
    except ExtractionError:
        raise
    except Exception as err:
        raise ExtractionError(_UNREADABLE_PAGE) from err
    text = clean_text("\n\n".join(text for text in map(clean_text, blocks) if text))
    if document is None or not text:
        raise ExtractionError(f"{_NO_TEXT}: no article text was found in this page.")
    page = _Page(tree)
    metadata = _html_metadata(page, document, url)
    return Extracted(text, HTML, "trafilatura", version("trafilatura"), metadata)


class _Page:
    """The parsed page, with the parts that state metadata gathered once."""

    def __init__(self, tree: HtmlElement) -> None:
        self.root = tree.getroottree().getroot()
        # (attribute, its value as written, content) for each <meta> with content.
        self.metas: list[tuple[str, str, str]] = []
        for meta in self.root.iter("meta"):
            content = (meta.get("content") or "").strip()
            for attribute in ("property", "name", "itemprop", "http-equiv"):
                if content and meta.get(attribute):
                    self.metas.append((attribute, meta.get(attribute, "").strip(), content))
                    break
        self.json_ld = list(_json_ld_objects(self.root))

    def meta(self, *keys: str) -> Iterator[tuple[str, str]]:
        """(basis, content) of each <meta> whose property or name is one of `keys`."""
        for attribute, key, content in self.metas:
            if key.lower() in keys:
                yield _meta_basis(attribute, key), content

    def json_ld_values(self, key: str) -> Iterator[str]:
        """The strings (or names of things) given for `key` in the page's JSON-LD."""
        for item in self.json_ld:
            values = item.get(key)
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, dict):
                    value = value.get("name")
                if isinstance(value, str) and value.strip():
                    yield value.strip()

    def texts(self, tag: str) -> Iterator[str]:
        """The text of each `tag` element outside inline SVG (whose <title> names a picture)."""
        for element in self.root.xpath(f"//{tag}[not(ancestor::svg)]"):
            yield element.text_content()


def _meta_basis(attribute: str, key: str) -> str:
    """How a suggestion names the <meta> it came from."""
    if attribute == "property" and key.lower().startswith(("og:", "article:")):
        return f"from the page's {key}"
    return f'from the page\'s <meta {attribute}="{key}">'


def _json_ld_objects(root: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON object in the page's JSON-LD scripts, nested ones and @graph members too."""
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue  # broken JSON-LD states nothing
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                stack.extend(
                    reversed([value for value in item.values() if isinstance(value, list | dict)])
                )


def _norm(value: str) -> str:
    """A form for comparing what trafilatura returns with what the page has."""
    return " ".join(value.split()).casefold()


_TITLE_METAS = (
    "og:title",
    "twitter:title",
    "citation_title",
    "dc.title",
    "dcterms.title",
    "title",
    "headline",
    "parsely-title",
    "sailthru.title",
)
_AUTHOR_METAS = (
    "author",
    "article:author",
    "authors",
    "byl",
    "citation_author",
    "creator",
    "dc.creator",
    "dcterms.creator",
    "parsely-author",
    "sailthru.author",
)
_OUTLET_METAS = (
    "og:site_name",
    "application-name",
    "article:publisher",
    "publisher",
    "dc.publisher",
    "dcterms.publisher",
    "citation_journal_title",
    "twitter:site",
)
_PUBLISHED_TIME_METAS = ("article:published_time", "og:published_time")
_PUBLISHED_METAS = (
    "datepublished",
    "date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "dc.date",
    "dc.date.issued",
    "dcterms.date",
    "dcterms.issued",
    "citation_publication_date",
    "citation_date",
    "parsely-pub-date",
    "sailthru.date",
)


def _html_metadata(page: _Page, document: Any, url: str) -> dict[str, Suggestion]:
    """trafilatura's metadata, each value traced to the part of the page that states it."""
    metadata: dict[str, Suggestion] = {}
    if title := _one_line(document.title):
        metadata["title"] = Suggestion(title, _title_basis(page, title))
    if author := _one_line(document.author):
        metadata["author"] = Suggestion(author, _author_basis(page, author))
    if (outlet := _one_line(document.sitename)) and (suggestion := _outlet(page, outlet)):
        metadata["outlet"] = suggestion
    if canonical := _page_url(page, url):
        metadata["url"] = canonical
    if document.date and (published := _published(page, document.date, document.url, url)):
        metadata["published"] = published
    if language := _page_language(page):
        metadata["language"] = language
    return metadata


def _title_basis(page: _Page, title: str) -> str:
    # Checked in the order trafilatura looks: meta tags, JSON-LD, a lone <h1>, then <title>.
    wanted = _norm(title)
    for basis, content in page.meta(*_TITLE_METAS):
        if _norm(content) == wanted:
            return basis
    if any(_norm(value) == wanted for value in page.json_ld_values("headline")):
        return "headline in the page's JSON-LD"
    headings = [_norm(text) for text in page.texts("h1")]
    if headings == [wanted]:
        return "from the page's first heading"
    # trafilatura drops the site's name from a "Title | Site" <title>.
    if any(wanted in _norm(text) for text in page.texts("title")):
        return "from the page's <title>"
    if wanted in headings or wanted in map(_norm, page.texts("h2")):
        return "from the page's first heading"
    return "found by trafilatura in the page"


def _author_basis(page: _Page, author: str) -> str:
    # trafilatura joins several authors with "; " and drops a "By"; the first name is enough
    # to tell where they came from.
    first = _norm(author.split(";")[0])
    for basis, content in page.meta(*_AUTHOR_METAS):
        if first in _norm(content):
            return basis
    if any(first in _norm(value) for value in page.json_ld_values("author")):
        return "author in the page's JSON-LD"
    # Otherwise trafilatura read it from a byline element in the page.
    return "from the page's byline"


def _outlet(page: _Page, outlet: str) -> Suggestion | None:
    """The outlet as the page names it; None when trafilatura only derived it from the URL."""
    if outlet.lower().startswith(("http://", "https://")):
        return None
    wanted = _norm(outlet)
    # trafilatura drops a Twitter handle's "@" and capitalises a lower-case name; the
    # suggestion keeps the page's own wording.
    for basis, content in page.meta(*_OUTLET_METAS):
        if _norm(content.lstrip("@")) == wanted:
            return Suggestion(content.lstrip("@"), basis)
    for value in page.json_ld_values("publisher"):
        if _norm(value) == wanted:
            return Suggestion(value, "publisher in the page's JSON-LD")
    if any(wanted in _norm(text) for text in page.texts("title")):
        return Suggestion(outlet, "from the page's <title>")
    return None


def _absolute(href: str, base: str) -> str:
    """`href` made absolute against `base`; "" unless the result is an http(s) URL."""
    resolved = urljoin(base, href.strip()) if base else href.strip()
    parts = urlsplit(resolved)
    return resolved if parts.scheme in ("http", "https") and parts.netloc else ""


def _page_url(page: _Page, url: str) -> Suggestion | None:
    """The address the page gives for itself: its canonical link, else og:url."""
    for link in page.root.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels and (href := _absolute(link.get("href") or "", url)):
            return Suggestion(href, 'from the page\'s <link rel="canonical">')
    for basis, content in page.meta("og:url"):
        if href := _absolute(content, url):
            return Suggestion(href, basis)
    return None


_PARTIAL_DATE = re.compile(r"\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?!\d)")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?=[/_.-]|$)")


def _partial_date(raw: str) -> str | None:
    """An ISO-style date as "YYYY", "YYYY-MM" or "YYYY-MM-DD": the precision it has."""
    match = _PARTIAL_DATE.match(raw)
    if not match:
        return None
    year, month, day = match.groups()
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    parts = [year] + [f"{int(part):02d}" for part in (month, day) if part]
    return "-".join(parts)


def _published(page: _Page, found: str, document_url: str | None, url: str) -> Suggestion | None:
    """htmldate's date, traced to the tag that states it and kept at that tag's precision.

    htmldate always answers with a full date (it turns "2024-03" into a day of March), so the
    page's own value decides how precise the suggestion is.
    """
    # In the order of how plainly each states a publication date.
    candidates: list[tuple[str, str]] = [
        *page.meta(*_PUBLISHED_TIME_METAS),
        *(("datePublished in the page's JSON-LD", v) for v in page.json_ld_values("datePublished")),
    ]
    for element in page.root.xpath("//*[@itemprop='datePublished']"):
        raw = element.get("content") or element.get("datetime") or element.text_content()
        candidates.append(('itemprop="datePublished" in the page', raw))
    candidates.extend(page.meta(*_PUBLISHED_METAS))
    for element in page.root.xpath("//time[@datetime]"):
        candidates.append(("<time datetime> in the page", element.get("datetime", "")))
    for address in (document_url, url):
        if address and (match := _URL_DATE.search(urlsplit(address).path)):
            candidates.append(("from the date in the page's URL", "-".join(match.groups())))
    agreeing = [
        Suggestion(value, basis)
        for basis, raw in candidates
        if (value := _partial_date(raw)) and found.startswith(value)
    ]
    if agreeing:
        # The most precise statement of the date; among equals, the plainest.
        return max(agreeing, key=lambda suggestion: len(suggestion.value))
    # htmldate read it from some other marker in the page's markup; its full date is all
    # there is to go on.
    if value := _partial_date(found):
        return Suggestion(value, "found by htmldate in the page (original publication date)")
    return None


_LANGUAGE_TAG = re.compile(r"([a-zA-Z]{2,3})(?:[-_][0-9a-zA-Z]{1,8})*")
# ISO 639 codes that say no language in particular.
_NOT_A_LANGUAGE = {"und", "mul", "zxx", "mis"}


def _language_code(tag: object) -> str:
    """The primary language subtag of a BCP 47 tag, lowercase ("en-GB" -> "en"), or ""."""
    match = _LANGUAGE_TAG.fullmatch(str(tag).strip()) if tag else None
    code = match[1].lower() if match else ""
    return "" if code in _NOT_A_LANGUAGE else code


def _page_language(page: _Page) -> Suggestion | None:
    """The language the page declares: <html lang>, else Content-Language, else og:locale."""
    for attribute in ("lang", "xml:lang"):
        if code := _language_code(page.root.get(attribute)):
            return Suggestion(code, "from the page's <html lang>")
    for attribute, key, content in page.metas:
        declares = key.lower() in ("content-language", "og:locale")
        if declares and (code := _language_code(content.split(",")[0])):
            return Suggestion(code, _meta_basis(attribute, key))
    return None
