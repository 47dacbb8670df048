"""Linked data: a claim as schema.org JSON-LD, a quote as a W3C Web Annotation. Pure Python.

The view gathers the values (absolute URLs, display dates) and these functions
only shape them, so what a crawler or an annotation client reads is tested
without a database. Blank metadata is left out, never filled in: a source
without an author has no `author`, an undated one no `datePublished`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

SCHEMA_CONTEXT = "https://schema.org"
ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# The profile W3C's Web Annotation Protocol names for its JSON-LD.
ANNOTATION_MEDIA_TYPE = f'application/ld+json; profile="{ANNOTATION_CONTEXT}"'
CONTEXT_CHARS = 32  # of text before and after a quote in a TextQuoteSelector, as stored

# schema.org types for the registry's entity kinds; the rest are plain Things.
ENTITY_TYPES = {
    "country": "Country",
    "person": "Person",
    "organisation": "Organization",
    "company": "Corporation",
    "place": "Place",
}

# Characters that could end a <script> element or open a comment inside one, as
# Django's json_script writes them: JSON reads the escapes as the same characters.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@dataclass(frozen=True)
class Named:
    """A topic or an entity: its name, page and (for entities) kind."""

    name: str
    url: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Work:
    """A source a claim appeared in, with its citation metadata (blank when unknown)."""

    id: str  # the source's page on this site
    name: str
    author: str = ""
    publisher: str = ""
    date_published: str = ""  # ISO 8601 at its precision: 2023, 2023-08 or 2023-08-24
    url: str = ""  # where the original was published
    language: str = ""


def _present(data: dict) -> dict:
    """`data` without blank values (empty strings, lists and None)."""
    return {key: value for key, value in data.items() if value not in ("", None, [], {})}


def _thing(named: Named) -> dict:
    return _present(
        {"@type": ENTITY_TYPES.get(named.kind, "Thing"), "name": named.name, "url": named.url}
    )


def creative_work(work: Work) -> dict:
    """A source as a schema.org CreativeWork."""
    return _present(
        {
            "@type": "CreativeWork",
            "@id": work.id,
            "name": work.name,
            "author": work.author,
            "publisher": {"@type": "Organization", "name": work.publisher}
            if work.publisher
            else None,
            "datePublished": work.date_published,
            "url": work.url,
            "inLanguage": work.language,
        }
    )


def claim_jsonld(
    *,
    url: str,
    text: str,
    date_published: str = "",
    date_modified: str = "",
    temporal_coverage: str = "",
    topics: Sequence[Named] = (),
    mentions: Sequence[Named] = (),
    claimants: Sequence[Named] = (),
    appearances: Sequence[Work] = (),
    first_appearance: Work | None = None,
    retracted: bool = False,
) -> dict:
    """A claim as a schema.org `Claim`, one `appearance` per source it was quoted from.

    `first_appearance` is given only when it is known to be the first: when every
    source is dated (an undated source might be older).
    """
    return _present(
        {
            "@context": SCHEMA_CONTEXT,
            "@type": "Claim",
            "@id": url,
            "url": url,
            "text": text,
            "datePublished": date_published,
            "dateModified": date_modified,
            "temporalCoverage": temporal_coverage,
            "creativeWorkStatus": "Retracted" if retracted else "",
            "about": [_thing(topic) for topic in topics],
            "keywords": [topic.name for topic in topics],
            "mentions": [_thing(entity) for entity in mentions],
            "author": [_thing(claimant) for claimant in claimants],
            "appearance": [creative_work(work) for work in appearances],
            "firstAppearance": creative_work(first_appearance) if first_appearance else None,
        }
    )


def period(start: str, end: str) -> str:
    """An ISO 8601 interval of two partial dates (`2023/2025-06`); `..` for an open end."""
    if not (start or end):
        return ""
    if start == end:
        return start
    return f"{start or '..'}/{end or '..'}"


def script_json(data: object) -> str:
    """JSON safe to place inside a <script> element (`<`, `>` and `&` escaped)."""
    return json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)


# --- W3C Web Annotations ----------------------------------------------------------------


def text_quote_selector(text: str, start: int, end: int, *, context: int = CONTEXT_CHARS) -> dict:
    """The passage `text[start:end]` with up to `context` characters either side."""
    return {
        "type": "TextQuoteSelector",
        "exact": text[start:end],
        "prefix": text[max(0, start - context) : start],
        "suffix": text[end : end + context],
    }


def text_position_selector(start: int, end: int) -> dict:
    """Offsets in code points, end exclusive, as the Web Annotation model counts them."""
    return {"type": "TextPositionSelector", "start": start, "end": end}


def annotation(
    *,
    id: str,
    source_url: str,
    text: str,
    start: int,
    end: int,
    statement: str,
    claim_url: str,
    language: str = "",
) -> dict:
    """A quote as an Annotation: the claim's statement describes the passage it cites.

    The bodies are the statement (purpose "describing") and the claim's page
    ("linking"); the target is the passage in the source's text, by quote and
    by position, so a client finds it even if one selector no longer fits.
    """
    return {
        "id": id,
        "type": "Annotation",
        "motivation": "describing",
        "body": [
            _present(
                {
                    "type": "TextualBody",
                    "purpose": "describing",
                    "value": statement,
                    "format": "text/plain",
                    "language": language,
                }
            ),
            {"id": claim_url, "type": "Text", "format": "text/html", "purpose": "linking"},
        ],
        "target": {
            "source": source_url,
            "selector": [
                text_quote_selector(text, start, end),
                text_position_selector(start, end),
            ],
        },
    }


def annotation_page(
    *,
    id: str,
    collection: str,
    total: int,
    start_index: int,
    items: list[dict],
    next: str = "",
    prev: str = "",
) -> dict:
    """One page of an AnnotationCollection (with `@context` added by the caller if alone)."""
    page = {
        "id": id,
        "type": "AnnotationPage",
        "partOf": {"id": collection, "total": total},
        "startIndex": start_index,
    }
    page |= _present({"next": next, "prev": prev})
    return page | {"items": items}


def annotation_collection(*, id: str, label: str, total: int, first: dict, last: str) -> dict:
    """The annotations of one source, with its first page embedded."""
    return {
        "@context": ANNOTATION_CONTEXT,
        "id": id,
        "type": "AnnotationCollection",
        "label": label,
        "total": total,
        "first": first,
        "last": last,
    }
