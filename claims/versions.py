"""Snapshots of what a claim's public page shows, for its numbered versions (ClaimVersion).

`snapshots()` reads a batch of claims in a fixed number of queries (the claims,
their topics, entities, claimants, quotes with their sources, and their links
to other published claims) and gives each one's content as plain JSON values.
Two snapshots are equal exactly when the public page would show the same thing,
so comparing them tells whether a claim needs a new version.

It reads through the model classes it is given: the app's own, or a migration's
historical ones (the backfill migration writes exactly what the service writes,
or the first change after it would make a spurious version 2).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef

from claims.choices import ClaimStatus, LinkRelation
from claims.csvsafe import format_number
from claims.models import (
    Attribution,
    Claim,
    ClaimLink,
    ClaimVersion,
    Quote,
    format_partial_date,
)

# The claim's own fields a version records. They are also what an editor's change
# to a public claim proposes (services.REVISABLE): a held change can touch exactly
# what a version shows, no more and no less. (Its links, quotes and claimants have
# their own editors; its status and retraction, their own workflow.)
CONTENT_FIELDS = (
    "statement",
    "event_date",
    "event_date_precision",
    "value",
    "unit",
    "as_of_start",
    "as_of_start_precision",
    "as_of_end",
    "as_of_end_precision",
    "measure",
    "place",
    "note",
)
# What a snapshot reads for them: the place as its slug and name.
_CONTENT_READS = tuple(
    read
    for name in CONTENT_FIELDS
    for read in (("place__slug", "place__name") if name == "place" else (name,))
)
# How many claims one batch reads (each batch is seven queries).
BATCH = 1000
PUBLISHED, RETRACTED = ClaimStatus.PUBLISHED, ClaimStatus.RETRACTED
PUBLIC = (PUBLISHED, RETRACTED)
SYMMETRIC = tuple(relation for relation in LinkRelation if relation.is_symmetric)


@dataclass(frozen=True)
class Models:
    """The model classes a snapshot is read through."""

    claim: Any
    quote: Any
    link: Any
    attribution: Any
    version: Any

    @classmethod
    def current(cls) -> Models:
        return cls(Claim, Quote, ClaimLink, Attribution, ClaimVersion)

    @classmethod
    def historical(cls, apps) -> Models:
        """A migration's models (`apps` as RunPython passes it)."""
        return cls(
            apps.get_model("claims", "Claim"),
            apps.get_model("claims", "Quote"),
            apps.get_model("claims", "ClaimLink"),
            apps.get_model("claims", "Attribution"),
            apps.get_model("claims", "ClaimVersion"),
        )


def snapshots(claim_ids: Iterable[int], *, models: Models | None = None) -> dict[int, dict]:
    """The public content of each public claim among `claim_ids` (others are left out)."""
    models = models or Models.current()
    ids = sorted(set(claim_ids))
    found: dict[int, dict] = {}
    for start in range(0, len(ids), BATCH):
        found |= _batch(ids[start : start + BATCH], models)[0]
    return found


def backfill(*, models: Models | None = None) -> int:
    """Give every public claim without a version its version 1; returns how many.

    Version 1 is the claim as it is now, dated by its last change (`updated_at`):
    what it showed before that is in the editors' history, not in versions. Claims
    are read and written a batch at a time (bulk inserts), so 100,000 claims take
    a hundred batches of a fixed number of queries.
    """
    m = models or Models.current()
    versioned = m.version.objects.filter(claim_id=OuterRef("pk"))
    missing = list(
        m.claim.objects.filter(status__in=PUBLIC)
        .filter(~Exists(versioned))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    made = 0
    for start in range(0, len(missing), BATCH):
        content, updated = _batch(missing[start : start + BATCH], m)
        m.version.objects.bulk_create(
            m.version(
                claim_id=pk,
                number=1,
                published_at=updated[pk],
                status=snapshot["status"],
                statement=snapshot["statement"],
                content=snapshot,
            )
            for pk, snapshot in content.items()
        )
        made += len(content)
    return made


def _batch(ids: list[int], m: Models) -> tuple[dict[int, dict], dict[int, dt.datetime]]:
    """The snapshots of the public claims among `ids`, and when each last changed."""
    rows = m.claim.objects.filter(pk__in=ids, status__in=PUBLIC).values(
        "pk", "status", *_CONTENT_READS, "retraction_reason", "retracted_at", "updated_at"
    )
    content: dict[int, dict] = {}
    updated: dict[int, dt.datetime] = {}
    for row in rows:
        pk, status, retracted_at = row["pk"], row["status"], row["retracted_at"]
        updated[pk] = row["updated_at"]
        own = {name: _content_value(row, name) for name in CONTENT_FIELDS}
        content[pk] = {
            # The status after the statement: the key order of the versions stored so far.
            "statement": own.pop("statement"),
            "status": status,
            **own,
            "topics": [],
            "entities": [],
            "claimants": [],
            "quotes": [],
            "links": [],
            "retraction_reason": row["retraction_reason"] if status == RETRACTED else "",
            "retracted_at": (
                retracted_at.isoformat() if status == RETRACTED and retracted_at else None
            ),
        }
    if not content:
        return content, updated
    ids = list(content)
    claim_fields = m.claim._meta
    topics = claim_fields.get_field("topics").remote_field.through
    for claim_id, slug, name in (
        topics.objects.filter(claim_id__in=ids)
        .order_by("topic__name", "topic__pk")
        .values_list("claim_id", "topic__slug", "topic__name")
    ):
        content[claim_id]["topics"].append({"slug": slug, "name": name})
    entities = claim_fields.get_field("entities").remote_field.through
    for claim_id, slug, name, kind in (
        entities.objects.filter(claim_id__in=ids)
        .order_by("entity__name", "entity__pk")
        .values_list("claim_id", "entity__slug", "entity__name", "entity__kind")
    ):
        content[claim_id]["entities"].append({"slug": slug, "name": name, "kind": kind})
    for claim_id, slug, name, kind, role in (
        m.attribution.objects.filter(claim_id__in=ids)
        .order_by("claim_id", "pk")
        .values_list("claim_id", "entity__slug", "entity__name", "entity__kind", "role")
    ):
        content[claim_id]["claimants"].append(
            {"slug": slug, "name": name, "kind": kind, "role": role}
        )
    _add_quotes(content, ids, m)
    _add_links(content, ids, m)
    return content, updated


def _content_value(row: dict, name: str) -> Any:
    """A content field as a snapshot holds it: plain JSON, dates at their precision."""
    if name == "place":
        slug = row["place__slug"]
        return {"slug": slug, "name": row["place__name"]} if slug else None
    if f"{name}_precision" in CONTENT_FIELDS:
        return format_partial_date(row[name], row[f"{name}_precision"])
    if name == "value":
        return None if row[name] is None else format_number(row[name])
    return row[name]


def _add_quotes(content: dict[int, dict], ids: list[int], m: Models) -> None:
    quotes: dict[int, list[tuple]] = defaultdict(list)
    for row in m.quote.objects.filter(claim_id__in=ids).values_list(
        "claim_id",
        "pk",
        "exact",
        "start",
        "end",
        "locator",
        "source__slug",
        "source__title",
        "source__author",
        "source__outlet",
        "source__published",
        "source__published_precision",
        "source__url",
    ):
        quotes[row[0]].append(row[1:])
    for claim_id, found in quotes.items():
        # The claim page's order (Claim.appearances): dated sources oldest first, then
        # undated ones; within a source, in reading order.
        found.sort(key=lambda q: (q[9] is None, q[9] or dt.date.max, q[6], q[2], q[0]))
        content[claim_id]["quotes"] = [_quote(*row[1:]) for row in found]


def _quote(
    exact: str,
    start: int,
    end: int,
    locator: int,
    slug: str,
    title: str,
    author: str,
    outlet: str,
    published: dt.date | None,
    precision: str,
    url: str,
) -> dict:
    return {
        "exact": exact,
        "start": start,
        "end": end,
        "locator": locator,
        "source": {
            "slug": slug,
            "title": title,
            "author": author,
            "outlet": outlet,
            "published": format_partial_date(published, precision),
            "published_precision": precision,
            "url": url,
        },
    }


def _add_links(content: dict[int, dict], ids: list[int], m: Models) -> None:
    # Only a published claim's page lists links, and only to published claims.
    published = [pk for pk in ids if content[pk]["status"] == PUBLISHED]
    if not published:
        return
    links = m.link.objects.order_by().values_list(
        "pk", "from_claim_id", "to_claim_id", "relation", "rationale"
    )
    # A UNION of the two ends, each from its index, and the partners' statuses read by
    # key afterwards (as the CSV export does): an OR of the two ends made PostgreSQL
    # scan every link, and joining the claims' statuses led SQLite without planner
    # statistics (a fresh bulk load) to read every link for each batch (4 s a batch).
    touching = list(
        links.filter(from_claim_id__in=published).union(links.filter(to_claim_id__in=published))
    )
    ends = {end for _, source, target, _, _ in touching for end in (source, target)}
    statements = dict(
        m.claim.objects.filter(pk__in=sorted(ends), status=PUBLISHED).values_list("pk", "statement")
    )
    wanted = set(published)
    for _, source, target, relation, rationale in sorted(
        touching, key=lambda row: (row[3], row[0])
    ):
        if source not in statements or target not in statements:
            continue  # a link to a claim that is not published is not shown
        for here, other, direction in ((source, target, "outgoing"), (target, source, "incoming")):
            if here in wanted:
                content[here]["links"].append(
                    {
                        "relation": relation,
                        "direction": "symmetric" if relation in SYMMETRIC else direction,
                        "claim": other,
                        "statement": statements[other],
                        "rationale": rationale,
                    }
                )
