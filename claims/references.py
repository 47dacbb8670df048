"""Reference exports of sources: RIS (rispy), BibTeX (bibtexparser) and CSL-JSON.

Types follow the mappings Zotero reads: academic → article-journal / JOUR /
@article; news and op-eds → article-newspaper / NEWS / @article; analysis →
report / RPRT / @techreport. Dates keep their real precision, and unknown
metadata is left out rather than guessed.

A claim is cited by its numbered version (`ClaimReference`): plain text, a
BibTeX @misc and a CSL-JSON webpage item, written by the same encoders.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

import bibtexparser
import rispy
from bibtexparser import middlewares, model

from claims.models import Original, Source

CSL_TYPES = {
    "academic": "article-journal",
    "news": "article-newspaper",
    "op-ed": "article-newspaper",
    "analysis": "report",
}
RIS_TYPES = {"academic": "JOUR", "news": "NEWS", "op-ed": "NEWS", "analysis": "RPRT"}
BIBTEX_TYPES = {
    "academic": "article",
    "news": "article",
    "op-ed": "article",
    "analysis": "techreport",
}
BIBTEX_CONTAINER = {"article": "journal", "techreport": "institution"}


def date_parts(source: Source) -> list[int]:
    """[year], [year, month] or [year, month, day], as precise as the source's date."""
    if source.published is None:
        return []
    length = {"year": 1, "month": 2, "day": 3}.get(source.published_precision, 0)
    return [source.published.year, source.published.month, source.published.day][:length]


def split_name(name: str) -> tuple[str, str]:
    """(family, given) from "Given Family"; a one-word name is all family."""
    given, _, family = name.strip().rpartition(" ")
    return family, given


def _page(source: Source, base_url: str) -> str:
    return base_url + source.get_absolute_url()


def csl_item(source: Source, base_url: str) -> dict:
    """One CSL-JSON item."""
    item: dict = {"id": source.slug, "type": CSL_TYPES[source.kind], "title": source.title}
    if source.author:
        family, given = split_name(source.author)
        item["author"] = [{"family": family, **({"given": given} if given else {})}]
    if source.outlet:
        item["container-title"] = source.outlet
    if parts := date_parts(source):
        item["issued"] = {"date-parts": [parts]}
    if source.url:
        item["URL"] = source.url
    item["language"] = source.language
    item["note"] = f"factreg source page: {_page(source, base_url)}"
    return item


def to_csl_json(sources: Iterable[Source], base_url: str) -> str:
    """CSL-JSON: a JSON array of items."""
    return csl_dumps(csl_item(s, base_url) for s in sources)


def csl_dumps(items: Iterable[dict]) -> str:
    """CSL-JSON text: a JSON array of the items, non-ASCII kept as it is."""
    return json.dumps(list(items), ensure_ascii=False, indent=2)


# Line breaks of every kind: a newline inside a RIS value would start a new tag line.
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


def one_line(value: str) -> str:
    """The value on one line: each run of line breaks becomes one space."""
    return _LINE_BREAKS.sub(" ", value).strip()


def safe_url(url: str) -> str:
    """The URL with braces, backslashes, quotes, spaces and non-ASCII percent-encoded.

    Such a URL cannot close a BibTeX value or start a RIS line, and means the same.
    """
    return quote(one_line(url), safe="!#$%&'()*+,-./:;=?@[]^_`|~")


def ris_entry(source: Source, base_url: str) -> dict:
    """One RIS record as rispy's field names."""
    entry: dict = {"type_of_reference": RIS_TYPES[source.kind], "id": source.slug}
    entry["title"] = one_line(source.title)
    if source.author:
        family, given = split_name(one_line(source.author))
        entry["authors"] = [f"{family}, {given}" if given else family]
    if source.outlet:
        entry["secondary_title"] = one_line(source.outlet)
    if parts := date_parts(source):
        entry["year"] = str(parts[0])
        # RIS DA is YYYY/MM/DD/other, with unknown parts left empty.
        padded = [str(parts[0]), *(f"{p:02d}" for p in parts[1:])] + [""] * (3 - len(parts))
        entry["date"] = "/".join(padded) + "/"
    if source.url:
        entry["urls"] = [safe_url(source.url)]
    entry["language"] = one_line(source.language)
    entry["notes"] = [f"factreg source page: {_page(source, base_url)}"]
    return entry


class _RisWriter(rispy.RisWriter):
    """rispy's writer without the numbered line it puts before each record."""

    def set_header(self, count: int) -> str:
        return ""


def to_ris(sources: Iterable[Source], base_url: str) -> str:
    """RIS text, one record per source."""
    return rispy.dumps([ris_entry(s, base_url) for s in sources], implementation=_RisWriter)


# Fields written as they are: dates, language codes, and URLs made safe by safe_url().
# Every other field is text, LaTeX-encoded when written (_TextEncoding).
VERBATIM_FIELDS = frozenset({"year", "month", "date", "language", "url", "urldate", "note"})


class _TextEncoding(middlewares.LatexEncodingMiddleware):
    """LaTeX-encodes the text fields so that no value can end early or run a command.

    BibTeX matches braces even after a backslash, so the encoder's `\\{` and `\\}` would
    still close a value: they become \\textbraceleft{} and \\textbraceright{}, whose braces
    pair. Backslashes are already \\textbackslash. URLs are not turned into \\url{…}.
    """

    def __init__(self) -> None:
        super().__init__(keep_math=False, enclose_urls=False)

    def _transform_python_value_string(self, python_string: str) -> tuple[str, str]:
        encoded, error = super()._transform_python_value_string(one_line(python_string))
        return encoded.replace("\\{", r"\textbraceleft{}").replace(
            "\\}", r"\textbraceright{}"
        ), error

    def transform_entry(self, entry: model.Entry, library: bibtexparser.Library):
        every = list(entry.fields)
        entry.fields = [field for field in every if field.key not in VERBATIM_FIELDS]
        block = super().transform_entry(entry, library)
        # Braces around the whole title keep its capitals ("Russian", "EU") as they
        # are: BibTeX styles otherwise lowercase titles.
        if (title := entry.fields_dict.get("title")) is not None:
            title.value = "{" + title.value + "}"
        encoded = {field.key: field for field in entry.fields}
        entry.fields = [encoded.get(field.key, field) for field in every]
        return block


def fetched_on(source: Source) -> dt.date | None:
    """The day the source's page was fetched, for `urldate`; None unless it was fetched."""
    original = source.original
    if original is None or original.kind != Original.Kind.URL or original.received_at is None:
        return None
    return original.received_at.date()


def bibtex_entry(source: Source, base_url: str) -> model.Entry:
    """One BibTeX entry; text fields are LaTeX-escaped when written (_TextEncoding)."""
    entry_type = BIBTEX_TYPES[source.kind]
    fields = [model.Field("title", source.title)]
    if source.author:
        family, given = split_name(one_line(source.author))
        fields.append(model.Field("author", f"{family}, {given}" if given else family))
    if source.outlet:
        fields.append(model.Field(BIBTEX_CONTAINER[entry_type], source.outlet))
    if parts := date_parts(source):
        fields.append(model.Field("year", str(parts[0])))
        if len(parts) > 1:
            fields.append(model.Field("month", parts[1]))
        fields.append(model.Field("date", "-".join(f"{p:02d}" for p in parts)))
    if source.url:
        fields.append(model.Field("url", safe_url(source.url)))
        if (accessed := fetched_on(source)) is not None:
            fields.append(model.Field("urldate", accessed.isoformat()))
    fields.append(model.Field("language", safe_url(source.language)))
    page = safe_url(_page(source, base_url))
    fields.append(model.Field("note", f"factreg source page: \\url{{{page}}}"))
    return model.Entry(entry_type, source.slug, fields)


def to_bibtex(sources: Iterable[Source], base_url: str) -> str:
    """BibTeX text with special characters escaped and months as macros (jan … dec)."""
    return write_bibtex(bibtex_entry(s, base_url) for s in sources)


def write_bibtex(entries: Iterable[model.Entry]) -> str:
    """BibTeX text of the entries: text fields LaTeX-escaped, titles brace-protected,
    months as macros (jan … dec)."""
    return bibtexparser.write_string(
        bibtexparser.Library(list(entries)),
        prepend_middleware=[
            _TextEncoding(),
            middlewares.MonthAbbreviationMiddleware(),
        ],
    )


# --- Citing a claim, by its numbered version ----------------------------------------


SITE = "factreg"


@dataclass(frozen=True)
class ClaimReference:
    """What a citation of one public version of a claim says."""

    claim_id: int
    statement: str
    url: str  # the version's own permanent address
    version: int | None  # None for a claim without versions yet (then `url` is its page)
    published: dt.date | None  # the day the version became public
    accessed: dt.date
    retracted: bool = False

    @property
    def key(self) -> str:
        """A citation key: `factreg-claim-12-v3`."""
        return f"{SITE}-claim-{self.claim_id}" + (f"-v{self.version}" if self.version else "")

    @property
    def label(self) -> str:
        """`claim #12, version 3` (`, retracted` for a retraction's version)."""
        version = f", version {self.version}" if self.version else ""
        return f"claim #{self.claim_id}{version}" + (", retracted" if self.retracted else "")


def long_date(day: dt.date) -> str:
    """`5 March 2026`."""
    return f"{day.day} {day.strftime('%B')} {day.year}"


def claim_text(ref: ClaimReference) -> str:
    """A plain-text citation:
    `“Statement.” factreg, claim #12, version 3, 5 March 2026. URL (accessed 7 March 2026).`"""
    dated = f", {long_date(ref.published)}" if ref.published else ""
    return (
        f"\u201c{one_line(ref.statement)}\u201d {SITE}, {ref.label}{dated}. "
        f"{ref.url} (accessed {long_date(ref.accessed)})."
    )


def claim_bibtex_entry(ref: ClaimReference) -> model.Entry:
    """A BibTeX @misc entry (biblatex reads `date`, `version` and `urldate` too)."""
    fields = [
        model.Field("title", ref.statement),
        model.Field("organization", SITE),
        model.Field("howpublished", f"{SITE}, {ref.label}"),
    ]
    if ref.published is not None:
        fields += [
            model.Field("year", str(ref.published.year)),
            model.Field("month", ref.published.month),
            model.Field("date", ref.published.isoformat()),
        ]
    if ref.version:
        fields.append(model.Field("version", str(ref.version)))
    fields += [
        model.Field("url", safe_url(ref.url)),
        model.Field("urldate", ref.accessed.isoformat()),
        model.Field("note", f"Accessed {ref.accessed.isoformat()}"),
    ]
    return model.Entry("misc", ref.key, fields)


def claim_bibtex(ref: ClaimReference) -> str:
    """The claim's BibTeX entry as text."""
    return write_bibtex([claim_bibtex_entry(ref)])


def claim_csl_item(ref: ClaimReference) -> dict:
    """A CSL-JSON item: a `webpage` in the container `factreg`."""
    item: dict = {
        "id": ref.key,
        "type": "webpage",
        "title": ref.statement,
        "container-title": SITE,
        "URL": ref.url,
        "accessed": {"date-parts": [[ref.accessed.year, ref.accessed.month, ref.accessed.day]]},
        "note": ref.label[0].upper() + ref.label[1:],
    }
    if ref.version:
        item["version"] = str(ref.version)
    if ref.published is not None:
        day = ref.published
        item["issued"] = {"date-parts": [[day.year, day.month, day.day]]}
    if ref.retracted:
        item["status"] = "retracted"
    return item


# A date's parts on one line (`[[2026, 3, 5]]`), not one number a line, for people reading it.
# Only after the key itself: inside a JSON string its quotes would be escaped.
_DATE_PARTS = re.compile(r'"date-parts": \[\s*\[\s*(\d+(?:,\s*\d+)*)\s*\]\s*\]')


def claim_csl_json(ref: ClaimReference) -> str:
    """The claim's CSL-JSON (an array of one item), as reference managers import it."""
    return _DATE_PARTS.sub(
        lambda m: '"date-parts": [[' + ", ".join(m.group(1).replace(",", " ").split()) + "]]",
        csl_dumps([claim_csl_item(ref)]),
    )


@dataclass(frozen=True)
class ReferenceFormat:
    """A reference format the source export writes: its URL suffix, name and writer."""

    key: str  # the URL's suffix: /sources/export.<key>
    label: str
    content_type: str
    render: Callable[[Iterable[Source], str], str]


# The one list of reference formats: the URL converter, the export view, the download
# links and the Data & API page all read it.
REFERENCE_FORMATS: dict[str, ReferenceFormat] = {
    f.key: f
    for f in (
        ReferenceFormat("ris", "RIS", "application/x-research-info-systems", to_ris),
        ReferenceFormat("bib", "BibTeX", "application/x-bibtex", to_bibtex),
        ReferenceFormat("json", "CSL-JSON", "application/vnd.citationstyles.csl+json", to_csl_json),
    )
}
