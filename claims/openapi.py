"""The OpenAPI 3.1 description of the public, read-only JSON API. Pure data, no Django.

Served at /api/openapi.json with the site's own address as its server. Written
by hand, and checked by tests/test_openapi.py against real responses of every
endpoint (jsonschema, Draft 2020-12) and against the parameters each endpoint
reads (the claim list's are ClaimFilter's), so it cannot drift from the code.
"""

from __future__ import annotations

import copy

from claims.choices import LinkRelation

VERSION = "1.0.0"
PRECISIONS = ["day", "month", "year", "unknown"]
RELATIONS = LinkRelation.values
ENTITY_KINDS = ["country", "person", "organisation", "company", "place", "agreement", "other"]
PARTIAL_DATE = {"type": ["string", "null"], "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}
URL = {"type": "string", "format": "uri"}
NULLABLE_URL = {"type": ["string", "null"], "format": "uri"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, *, optional: tuple[str, ...] = ()) -> dict:
    """A closed object: every property required unless named in `optional`."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


def _tuple(*items: dict) -> dict:
    """An array of exactly these items, in this order."""
    return {"type": "array", "prefixItems": list(items), "items": False, "minItems": len(items)}


def _query(name: str, description: str, schema: dict, *, required: bool = False) -> dict:
    parameter: dict[str, object] = {
        "name": name,
        "in": "query",
        "description": description,
        "schema": schema,
    }
    if required:
        parameter["required"] = True
    if schema.get("type") == "array":
        parameter |= {"style": "form", "explode": True}
    return parameter


def _path(name: str, description: str, schema: dict) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


def _json(description: str, schema: dict, media_type: str = "application/json") -> dict:
    return {"description": description, "content": {media_type: {"schema": schema}}}


ANNOTATION_JSONLD = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
SLUGS = _array({"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$"})

CLAIM_LIST_PARAMETERS = [
    _query(
        "q",
        'Full-text search over statements and quote text: plain words must all match, "quoted '
        'words" match as a phrase, -word excludes, `or` gives alternatives.',
        {"type": "string", "maxLength": 200},
    ),
    _query("topic", "A topic's slug; repeat to require several.", SLUGS),
    _query("entity", "An entity's slug (claims naming it); repeat to require several.", SLUGS),
    _query("claimant", "An entity's slug (claims it asserts); repeat to require several.", SLUGS),
    _query("place", "An entity's slug (claims set there); repeat for any of several.", SLUGS),
    _query("source", "A source's slug: claims quoting it.", {"type": "string"}),
    _query("outlet", "An outlet's name, any case: claims quoting its sources.", {"type": "string"}),
    _query(
        "date_from",
        "Event date on or after: YYYY, YYYY-MM or YYYY-MM-DD.",
        {"type": "string", "pattern": r"^\d{4}(-\d{1,2}(-\d{1,2})?)?$"},
    ),
    _query(
        "date_to",
        "Event date on or before (a partial date includes its whole year or month).",
        {"type": "string", "pattern": r"^\d{4}(-\d{1,2}(-\d{1,2})?)?$"},
    ),
    _query(
        "relation",
        "Claims with at least one link of this relation to a published claim.",
        {"type": "string", "enum": RELATIONS},
    ),
    _query(
        "has_value",
        "Claims that do (true) or do not (false) state a quantity.",
        {"type": "string", "enum": ["true", "false"]},
    ),
    _query(
        "sort",
        "newest (default), oldest, or relevance (default when q is given).",
        {"type": "string", "enum": ["newest", "oldest", "relevance"]},
    ),
    _query("page", "The page number, from 1.", {"type": "integer", "minimum": 1}),
    _query(
        "per_page",
        "Claims a page: 25 by default, at most 100 (larger values give 100).",
        {"type": "integer", "minimum": 1, "default": 25},
    ),
]

SOURCE = {
    "slug": {"type": "string"},
    "title": {"type": "string"},
    "author": {"type": "string", "description": "Blank when the source does not say."},
    "outlet": {"type": "string"},
    "kind": {"type": "string", "enum": ["analysis", "news", "academic", "op-ed"]},
    "language": {"type": "string"},
    "published": PARTIAL_DATE,
    "published_precision": {"type": "string", "enum": PRECISIONS},
    "url": {"type": "string", "description": "The original's address, or blank."},
    "page": URL,
    "api_url": URL,
}

# A quote as the API gives it, in a claim and on its source's page.
QUOTE: dict[str, dict[str, object]] = {
    "id": {"type": "integer"},
    "exact": {"type": "string"},
    "start": {"type": "integer", "minimum": 0},
    "end": {"type": "integer", "minimum": 1},
    "prefix": {"type": "string"},
    "suffix": {"type": "string"},
    "paragraph": {"type": "integer", "minimum": 1},
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {
            "error": {"type": "string", "description": "What went wrong, for people."},
            "detail": {"type": "string"},
            "fields": {
                "type": "object",
                "description": "Each invalid parameter with its messages.",
                "additionalProperties": _array(
                    _object({"message": {"type": "string"}, "code": {"type": "string"}})
                ),
            },
        },
        "required": ["error"],
        "additionalProperties": False,
    },
    "Source": _object(SOURCE),
    "Quote": _object(
        {
            **QUOTE,
            "exact": {**QUOTE["exact"], "description": "The passage, verbatim."},
            "start": {**QUOTE["start"], "description": "Offset in the text."},
            "end": {**QUOTE["end"], "description": "Exclusive."},
            "source": _ref("Source"),
        }
    ),
    "Link": _object(
        {
            "relation": {"type": "string", "enum": RELATIONS},
            "direction": {"type": "string", "enum": ["outgoing", "incoming", "symmetric"]},
            "claim": {"type": "integer"},
            "claim_url": URL,
            "rationale": {"type": "string"},
        }
    ),
    "Claim": _object(
        {
            "id": {"type": "integer"},
            "url": URL,
            "version": {
                "type": ["integer", "null"],
                "minimum": 1,
                "description": "The newest public version's number; null before the first.",
            },
            "version_url": {
                "oneOf": [URL, {"type": "null"}],
                "description": "That version's permanent page, /claims/<id>/v/<n>/.",
            },
            "api_url": URL,
            "statement": {"type": "string"},
            "status": {"const": "published"},
            "event_date": PARTIAL_DATE,
            "event_date_precision": {"type": "string", "enum": PRECISIONS},
            "value": {
                "type": ["string", "null"],
                "pattern": r"^-?\d+(\.\d+)?$",
                "description": "A decimal number as text, digit for digit as stored.",
            },
            "unit": {"type": "string"},
            "topics": _array(_object({"slug": {"type": "string"}, "name": {"type": "string"}})),
            "entities": _array(
                _object(
                    {
                        "slug": {"type": "string"},
                        "name": {"type": "string"},
                        "kind": {"type": "string", "enum": ENTITY_KINDS},
                    }
                )
            ),
            "claimants": _array(
                _object(
                    {
                        "slug": {"type": "string"},
                        "name": {"type": "string"},
                        "kind": {"type": "string", "enum": ENTITY_KINDS},
                        "role": {
                            "type": "string",
                            "enum": ["stated", "reported", "estimated", "forecast"],
                        },
                    }
                )
            ),
            "as_of": _object(
                {
                    "start": PARTIAL_DATE,
                    "start_precision": {"type": "string", "enum": PRECISIONS},
                    "end": PARTIAL_DATE,
                    "end_precision": {"type": "string", "enum": PRECISIONS},
                }
            ),
            "measure": {"type": "string"},
            "place": {
                "oneOf": [
                    _object({"slug": {"type": "string"}, "name": {"type": "string"}}),
                    {"type": "null"},
                ]
            },
            "quotes": _array(_ref("Quote")),
            "links": _array(_ref("Link")),
            "updated_at": {"type": "string", "format": "date-time"},
        }
    ),
    "ClaimPage": _object(
        {
            "count": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "next": NULLABLE_URL,
            "previous": NULLABLE_URL,
            "results": _array(_ref("Claim")),
        }
    ),
    "SourceWithText": _object(
        {
            **SOURCE,
            "text": {"type": "string", "description": "The text quote offsets count in."},
            "claims": _array({"type": "integer"}),
            "quotes": _array(
                _object(
                    {
                        **QUOTE,
                        "claim": {"type": "integer"},
                        "source": {"type": "string", "description": "The source's slug."},
                    }
                )
            ),
        }
    ),
    "Annotation": _object(
        {
            "@context": {"const": "http://www.w3.org/ns/anno.jsonld"},
            "id": URL,
            "type": {"const": "Annotation"},
            "motivation": {"const": "describing"},
            "body": _tuple(
                _object(
                    {
                        "type": {"const": "TextualBody"},
                        "purpose": {"const": "describing"},
                        "value": {"type": "string", "description": "The claim's statement."},
                        "format": {"const": "text/plain"},
                    }
                ),
                _object(
                    {
                        "id": {**URL, "description": "The claim's page."},
                        "type": {"const": "Text"},
                        "format": {"const": "text/html"},
                        "purpose": {"const": "linking"},
                    }
                ),
            ),
            "target": _object(
                {
                    "source": {**URL, "description": "The source's page."},
                    "selector": _tuple(
                        _object(
                            {
                                "type": {"const": "TextQuoteSelector"},
                                "exact": {"type": "string"},
                                "prefix": {"type": "string", "maxLength": 32},
                                "suffix": {"type": "string", "maxLength": 32},
                            }
                        ),
                        _object(
                            {
                                "type": {"const": "TextPositionSelector"},
                                "start": {"type": "integer", "minimum": 0},
                                "end": {"type": "integer", "minimum": 1},
                            }
                        ),
                    ),
                }
            ),
        },
        optional=("@context",),
    ),
    "AnnotationPage": _object(
        {
            "@context": {"const": "http://www.w3.org/ns/anno.jsonld"},
            "id": URL,
            "type": {"const": "AnnotationPage"},
            "partOf": _object({"id": URL, "total": {"type": "integer", "minimum": 0}}),
            "startIndex": {"type": "integer", "minimum": 0},
            "next": URL,
            "prev": URL,
            "items": _array(_ref("Annotation")),
        },
        optional=("@context", "next", "prev"),
    ),
    "AnnotationCollection": _object(
        {
            "@context": {"const": "http://www.w3.org/ns/anno.jsonld"},
            "id": URL,
            "type": {"const": "AnnotationCollection"},
            "label": {"type": "string"},
            "total": {"type": "integer", "minimum": 0},
            "first": _ref("AnnotationPage"),
            "last": URL,
        }
    ),
}

ERRORS = {
    "BadRequest": _json(
        "Invalid parameters; `fields` names each with its messages.", _ref("Error")
    ),
    "NotFound": _json("No such public claim, source, quote or page.", _ref("Error")),
    "Unavailable": _json("The database cannot be reached; retry after Retry-After.", _ref("Error")),
}


def _responses(ok: dict, *errors: str) -> dict:
    return {
        "200": ok,
        **{
            {"BadRequest": "400", "NotFound": "404", "Unavailable": "503"}[name]: {
                "$ref": f"#/components/responses/{name}"
            }
            for name in (*errors, "Unavailable")
        },
    }


PATHS = {
    "/api/claims/": {
        "get": {
            "operationId": "listClaims",
            "summary": "Published claims, filtered and paginated",
            "description": "The filters of the claim list (/claims/), combinable. A bad "
            "value is a 400 naming it; a page past the end is a 404.",
            "parameters": CLAIM_LIST_PARAMETERS,
            "responses": _responses(
                _json("A page of claims with their evidence.", _ref("ClaimPage")),
                "BadRequest",
                "NotFound",
            ),
        }
    },
    "/api/claims/{id}/": {
        "get": {
            "operationId": "getClaim",
            "summary": "One published claim with its quotes, sources and links",
            "parameters": [_path("id", "The claim's number.", {"type": "integer"})],
            "responses": _responses(_json("The claim.", _ref("Claim")), "NotFound"),
        }
    },
    "/api/sources/{slug}/": {
        "get": {
            "operationId": "getSource",
            "summary": "A public source, its text and its published quotes",
            "parameters": [_path("slug", "The source's slug.", {"type": "string"})],
            "responses": _responses(
                _json("The source with its text.", _ref("SourceWithText")), "NotFound"
            ),
        }
    },
    "/api/annotations/": {
        "get": {
            "operationId": "listAnnotations",
            "summary": "A source's published quotes as W3C Web Annotations",
            "description": "Without `page`, the AnnotationCollection with its first page "
            "embedded; with `page`, that AnnotationPage (200 annotations a page, in reading "
            "order). Offsets count code points of the source's text.",
            "parameters": [
                _query("source", "The source's slug.", {"type": "string"}, required=True),
                _query("page", "The page number, from 1.", {"type": "integer", "minimum": 1}),
            ],
            "responses": _responses(
                _json(
                    "The collection, or one page of it.",
                    {"oneOf": [_ref("AnnotationCollection"), _ref("AnnotationPage")]},
                    ANNOTATION_JSONLD,
                ),
                "BadRequest",
                "NotFound",
            ),
        }
    },
    "/api/annotations/{id}/": {
        "get": {
            "operationId": "getAnnotation",
            "summary": "One published quote as a W3C Web Annotation",
            "parameters": [_path("id", "The quote's number.", {"type": "integer"})],
            "responses": _responses(
                _json("The annotation.", _ref("Annotation"), ANNOTATION_JSONLD), "NotFound"
            ),
        }
    },
}


def spec(server: str) -> dict:
    """The OpenAPI document, with `server` (the site's address) as its only server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "factreg API",
            "version": VERSION,
            "summary": "Read-only JSON of the public registry of claims.",
            "description": "Published claims with their verbatim quotes, sources and links, "
            "and each source's quotes as W3C Web Annotations. No key is needed; only public "
            "data is served. See /data/ for every export.",
        },
        "servers": [{"url": server}],
        "paths": copy.deepcopy(PATHS),
        "components": {"schemas": copy.deepcopy(SCHEMAS), "responses": copy.deepcopy(ERRORS)},
    }
