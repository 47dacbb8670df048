"""Writes that span models: taking in a source, changing its text, importing the seeds.

Each function is keyword-only and runs in its own transaction. The admin, the
management commands and the tests call these and hold no rules of their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from claims import candidates, disagreements, extraction, fetching, paragraphs, versions
from claims.evidence import Anchoring, reanchor
from claims.filters import parse_dated
from claims.models import (
    CandidateDismissal,
    Claim,
    ClaimLink,
    ClaimRevision,
    ClaimVersion,
    Entity,
    Original,
    PairDismissal,
    Quote,
    RegistryState,
    Source,
    StatusChange,
    Topic,
)
from claims.seeds import METADATA as SEED_METADATA
from claims.seeds import SeedSource, load_manifest

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import Field

# The fields an editor may give or correct when adding a source, in form order.
SOURCE_FIELDS = ("title", "slug", "author", "outlet", "url", "kind", "language", "published")
# Of those, the ones a document can state; each filled-in one records its basis.
STATED_FIELDS = ("title", "author", "outlet", "url", "language")
SEED_EXTRACTOR = "factreg seed manifest"
PASTE_TYPE = "text/plain; charset=utf-8"
EDITOR_BASIS = "entered by the editor"
URL_MAX_LENGTH = 2000  # Original.url and final_url


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of raw bytes."""
    return hashlib.sha256(data).hexdigest()


def megabytes(size: int) -> str:
    """A byte count as editors read it: `20 MB`, `2.5 MB`."""
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


class DuplicateOriginal(ValidationError):
    """The same bytes were taken in before; `sources` are the sources made from them."""

    def __init__(self, sources: Iterable[Source]) -> None:
        self.sources = list(sources)
        named = ", ".join(f"\u201c{s.title}\u201d ({s.slug})" for s in self.sources)
        super().__init__(f"This document was already added as {named}.", code="duplicate")


@dataclass(frozen=True)
class Intake:
    """An original stored as received, and what the extractor made of it."""

    original: Original
    extracted: extraction.Extracted

    @property
    def suggestions(self) -> dict[str, extraction.Suggestion]:
        """Metadata values the document gives, each with its basis."""
        return suggestions_for(self.original, self.extracted)


def suggestions_for(
    original: Original, extracted: extraction.Extracted
) -> dict[str, extraction.Suggestion]:
    """The extractor's metadata, plus the fetched address when the page names none."""
    found = dict(extracted.metadata)
    if original.kind == Original.Kind.URL and "url" not in found:
        found["url"] = extraction.Suggestion(
            original.final_url or original.url, "the address the page was fetched from"
        )
    return found


def _max_bytes() -> int:
    return settings.SOURCE_MAX_BYTES


def _check_size(size: int, what: str) -> None:
    if size > _max_bytes():
        raise ValidationError(
            f"{what} is {megabytes(size)}, over the limit of {megabytes(_max_bytes())}.",
            code="too_large",
        )


def _extract(original: Original, data: bytes) -> extraction.Extracted:
    try:
        return extraction.extract(
            data,
            filename=original.filename,
            declared_type=original.declared_type,
            url=original.final_url or original.url,
        )
    except extraction.ExtractionError as error:
        raise ValidationError(str(error), code="extraction") from None


def take_in(
    *,
    text: str | None = None,
    file_name: str = "",
    file_data: bytes | None = None,
    url: str | None = None,
    user: User | None = None,
) -> Intake:
    """Store what an editor supplied (pasted text, a file or a URL) and extract its text.

    Exactly one of `text`, `file_data` or `url` is given. The original is kept
    byte for byte, keyed by its SHA-256; the same bytes taken in twice are one
    original, and if a source was already made from them `DuplicateOriginal`
    names it. Bad input raises `ValidationError` with a message for the editor
    and stores nothing.
    """
    given = [x for x in (text, file_data, url) if x is not None and x != ""]
    if len(given) != 1:
        raise ValidationError(
            "Give exactly one of: pasted text, a file or a URL.", code="one_input"
        )
    now = timezone.now()
    received: dict = {"received_at": now, "received_by": user}
    if text is not None and text != "":
        if not text.strip():
            raise ValidationError("The pasted text is empty.", code="empty")
        data = text.encode("utf-8")
        _check_size(len(data), "The pasted text")
        received |= {"kind": Original.Kind.PASTE, "declared_type": PASTE_TYPE}
    elif file_data is not None:
        _check_size(len(file_data), "The file")
        data = file_data
        received |= {"kind": Original.Kind.FILE, "filename": Path(file_name).name[:255]}
    else:
        assert url is not None
        if len(url.strip()) > URL_MAX_LENGTH:
            raise ValidationError(
                f"The address is longer than {URL_MAX_LENGTH} characters.", code="url_too_long"
            )
        try:
            fetched = fetching.fetch(
                url.strip(),
                max_bytes=_max_bytes(),
                allow_private=settings.SOURCE_FETCH_ALLOW_PRIVATE,
                connect_timeout=settings.SOURCE_FETCH_TIMEOUT[0],
                read_timeout=settings.SOURCE_FETCH_TIMEOUT[1],
            )
        except fetching.FetchError as error:
            raise ValidationError(str(error), code="fetch") from None
        data = fetched.data
        if len(fetched.final_url) > URL_MAX_LENGTH:
            raise ValidationError(
                f"The page redirects to an address longer than {URL_MAX_LENGTH} characters.",
                code="url_too_long",
            )
        received |= {
            "kind": Original.Kind.URL,
            "url": fetched.url,
            "final_url": fetched.final_url,
            "declared_type": fetched.declared_type[:200],
            "received_at": fetched.retrieved_at,
        }
    digest = sha256_bytes(data)
    existing = Original.objects.filter(sha256=digest).first()
    if existing is not None and existing.sources.exists():
        raise DuplicateOriginal(existing.sources.all())
    candidate = existing or Original(content=data, sha256=digest, size=len(data), **received)
    extracted = _extract(candidate, data)
    if existing is None:
        candidate.media_type = extracted.media_type
        try:
            with transaction.atomic():
                candidate.save()
        except IntegrityError:
            # Another editor stored the same bytes a moment ago: use theirs.
            candidate = Original.objects.get(sha256=digest)
    return Intake(original=candidate, extracted=extracted)


def preview(*, original: Original) -> Intake:
    """What the extractor makes of a stored original, to show it to the editor again."""
    return Intake(original=original, extracted=_extract(original, bytes(original.content)))


def _basis(
    name: str,
    value: str,
    suggestions: Mapping[str, extraction.Suggestion],
    given_basis: str = "",
) -> str:
    if not value:
        return ""
    if given_basis.strip():
        return given_basis.strip()
    suggested = suggestions.get(name)
    if suggested is not None and suggested.value == value:
        return suggested.basis
    return EDITOR_BASIS


def unique_slug(title: str, *, taken: Iterable[str] = ()) -> str:
    """A slug for `title` that no source has yet (`-2`, `-3` … when needed)."""
    base = slugify(title)[:90].strip("-") or "source"
    taken = set(taken) | set(
        Source.objects.filter(slug__startswith=base).values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def parse_published(value: str) -> tuple[dt.date | None, str]:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` as (date, precision); blank is unknown."""
    try:
        return parse_dated(value)
    except ValidationError as error:
        raise ValidationError({"published": error.messages}) from None


@transaction.atomic
def create_source(
    *,
    original: Original,
    values: Mapping[str, str],
    user: User | None = None,
) -> Source:
    """Make a source from a stored original and the metadata the editor confirmed.

    The text is extracted again from the stored bytes, never taken from the
    browser. A value equal to the document's own suggestion keeps that
    suggestion's basis; any other is recorded as entered by the editor.
    """
    original = Original.objects.select_for_update().get(pk=original.pk)
    if original.sources.exists():
        raise DuplicateOriginal(original.sources.all())
    extracted = _extract(original, bytes(original.content))
    suggestions = suggestions_for(original, extracted)
    clean = {name: (values.get(name) or "").strip() for name in SOURCE_FIELDS}
    if not clean["title"]:
        raise ValidationError({"title": "Give a title: the document does not state one."})
    published, precision = parse_published(clean["published"])
    published_basis = _basis(
        "published", clean["published"], suggestions, values.get("published_basis", "")
    )
    source = Source(
        title=clean["title"],
        slug=clean["slug"] or unique_slug(clean["title"]),
        author=clean["author"],
        outlet=clean["outlet"],
        url=clean["url"],
        kind=clean["kind"] or Source.Kind.ANALYSIS,
        language=clean["language"] or "en",
        published=published,
        published_precision=precision,
        published_basis=published_basis,
        metadata_basis={
            name: basis
            for name in STATED_FIELDS
            if (basis := _basis(name, clean[name], suggestions))
        },
        text=extracted.text,
        text_sha256=extraction_sha(extracted.text),
        original=original,
        extractor=extracted.extractor,
        extractor_version=extracted.extractor_version[:100],
    )
    source.full_clean()
    try:
        with transaction.atomic():
            source.save()
    except IntegrityError:
        # Another editor took the slug since full_clean checked it.
        raise ValidationError({"slug": "A source with this slug exists already."}) from None
    return source


def extraction_sha(text: str) -> str:
    """Hex SHA-256 of a source text as UTF-8 (the text's identity)."""
    return sha256_bytes(text.encode("utf-8"))


@transaction.atomic
def add_source(
    *,
    text: str | None = None,
    file_name: str = "",
    file_data: bytes | None = None,
    url: str | None = None,
    values: Mapping[str, str] | None = None,
    user: User | None = None,
) -> Source:
    """Take in a document and make its source at once, all or nothing.

    The document's own metadata is used where `values` gives nothing; given
    values win (the command line's --title, --author …).
    """
    intake = take_in(text=text, file_name=file_name, file_data=file_data, url=url, user=user)
    merged = {name: s.value for name, s in intake.suggestions.items()}
    merged |= {name: value for name, value in (values or {}).items() if value}
    return create_source(original=intake.original, values=merged, user=user)


@dataclass
class Reanchoring:
    """How a source's quotes fare against a new text."""

    exact: list[Quote] = field(default_factory=list)
    moved: list[Quote] = field(default_factory=list)
    orphaned: list[Quote] = field(default_factory=list)

    def summary(self) -> str:
        """`3 quotes exact, 1 moved, 0 orphaned`."""
        total = len(self.exact) + len(self.moved) + len(self.orphaned)
        return (
            f"{total} quote{'s' if total != 1 else ''}: {len(self.exact)} exact, "
            f"{len(self.moved)} moved, {len(self.orphaned)} orphaned"
        )

    def orphans_listed(self) -> str:
        """`quote #4 (claim #2); …`."""
        return "; ".join(f"quote #{q.pk} (claim #{q.claim_id})" for q in self.orphaned)


class OrphanedQuotes(ValidationError):
    """A new text would lose quotes; nothing was changed."""

    def __init__(self, report: Reanchoring) -> None:
        self.report = report
        super().__init__(
            f"The new text no longer contains {len(report.orphaned)} quote(s): "
            f"{report.orphans_listed()} ({report.summary()}). Nothing was changed; "
            f"fix or remove those quotes first.",
            code="orphans",
        )


def plan_reanchoring(*, source: Source, text: str) -> Reanchoring:
    """Check every quote of `source` against `text`; nothing is written."""
    report = Reanchoring()
    for quote in source.quotes.order_by("pk"):
        outcome = reanchor(quote, text)
        {
            Anchoring.EXACT: report.exact,
            Anchoring.MOVED: report.moved,
            Anchoring.ORPHANED: report.orphaned,
        }[outcome].append(quote)
    return report


@transaction.atomic
def set_source_text(
    *, source: Source, text: str, edited_by: User | None = None, by_hand: bool = True
) -> Reanchoring:
    """Replace a source's text and re-anchor its quotes, or refuse and change nothing.

    Quotes still verbatim stay; moved ones get their new offsets; if any would
    be orphaned `OrphanedQuotes` is raised and the transaction rolls back.
    The same path serves the admin's text edits and the seed import.
    """
    text = extraction.clean_text(text) if by_hand else text
    if not text.strip():
        raise ValidationError({"text": "A source needs text."})
    report = plan_reanchoring(source=source, text=text)
    if report.orphaned:
        raise OrphanedQuotes(report)
    source.text = text
    source.text_sha256 = extraction_sha(text)
    # A hand edit is dated; a re-import makes the text the original's again.
    source.text_edited_at = timezone.now() if by_hand else None
    source.full_clean()
    source.save()
    for quote in report.moved:
        quote.save(update_fields=["start", "end", "exact", "prefix", "suffix", "locator"])
    # A quote still at its offsets is in another paragraph when a line break was added or
    # taken out before it (an edit of the same length): its "para. N" follows the page.
    numbered = paragraphs.split(text)
    renumbered: set[int] = set()
    for quote in report.exact:
        if (locator := paragraphs.number_at(numbered, quote.start)) != quote.locator:
            quote.locator = locator
            quote.save(update_fields=["locator"])
            renumbered.add(quote.claim_id)
    # A moved or renumbered quote's place is shown on the claim's page: a new version of it.
    claims_changed(claim_ids={q.claim_id for q in report.moved} | renumbered)
    return report


def analyze(*, using: str = "default") -> None:
    """Refresh SQLite's query planner statistics after a bulk load.

    SQLite without statistics takes `status = 'published'` for a selective
    condition and runs the full-text MATCH once per claim instead of once.
    PostgreSQL's autovacuum keeps its own statistics, and an ANALYZE inside a
    transaction that rolls back would still leave its row estimates behind.
    """
    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    RegistryState.advance()  # a bulk load may bypass the signals that move it on


# --- Seeds -------------------------------------------------------------------


class ImportRefused(ValueError):
    """The seed import stopped; nothing was imported."""


def seed_original(seed_dir: Path, file_name: str) -> Original:
    """The stored original of one seed file, kept byte for byte (created once)."""
    data = (seed_dir / file_name).read_bytes()
    digest = sha256_bytes(data)
    original, _ = Original.objects.get_or_create(
        sha256=digest,
        defaults={
            "kind": Original.Kind.SEED,
            "content": data,
            "size": len(data),
            "media_type": "text/plain",
            "declared_type": "text/plain; charset=utf-8",
            "filename": file_name,
            "received_at": timezone.now(),
        },
    )
    return original


@transaction.atomic
def import_seeds(*, seed_dir: Path) -> dict[str, int]:
    """Import the seed articles that `sources.toml` describes: all or nothing.

    Idempotent: a source whose text and metadata match is left alone. A changed
    text re-anchors the source's quotes through `set_source_text`; an orphan
    refuses the whole import. Raises `ManifestError` or `ImportRefused`.
    """
    seeds = load_manifest(seed_dir)
    originals = {name: seed_original(seed_dir, name) for name in {s.seed_file for s in seeds}}
    counts = {"created": 0, "updated": 0, "unchanged": 0, "quotes moved": 0}
    for seed in seeds:
        try:
            outcome, moved = _import_one(seed, originals[seed.seed_file])
        except OrphanedQuotes as error:
            raise ImportRefused(
                f"{seed.seed_file} [{seed.slug}]: the new text no longer contains "
                f"{len(error.report.orphaned)} quote(s): {error.report.orphans_listed()}. "
                f"Nothing was imported; fix the quotes or the seed first."
            ) from None
        except ValidationError as error:
            raise ImportRefused(
                f"{seed.seed_file} [{seed.slug}]: {'; '.join(error.messages)} Nothing was imported."
            ) from None
        counts[outcome] += 1
        counts["quotes moved"] += moved
    return counts


def _seed_fields(seed: SeedSource, original: Original) -> dict:
    return {
        **{name: getattr(seed, name) for name in SEED_METADATA},
        "original": original,
        "origin_start": seed.seed_start,
        "origin_end": seed.seed_end,
        "extractor": SEED_EXTRACTOR,
        "extractor_version": f"{seed.seed_file} characters {seed.seed_start}-{seed.seed_end}",
    }


def _import_one(seed: SeedSource, original: Original) -> tuple[str, int]:
    wanted = _seed_fields(seed, original)
    source = Source.objects.filter(slug=seed.slug).first()
    if source is None:
        source = Source(slug=seed.slug, text=seed.text, text_sha256=seed.text_sha256, **wanted)
        source.full_clean()
        source.save()
        return "created", 0
    text_changed = source.text_sha256 != seed.text_sha256
    meta_changed = any(getattr(source, name) != value for name, value in wanted.items())
    if not text_changed and not meta_changed:
        return "unchanged", 0
    for name, value in wanted.items():
        setattr(source, name, value)
    if text_changed:
        report = set_source_text(source=source, text=seed.text, by_hand=False)
        return "updated", len(report.moved)
    source.full_clean()
    source.save()
    return "updated", 0


# --- Review workflow ---------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One step of the review workflow, defined once for buttons, URLs and list actions."""

    name: str
    label: str
    to: str
    sources: tuple[str, ...]
    permission: str
    comment_label: str = ""
    comment_required: bool = False


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "review",
            "Send to review",
            Claim.Status.REVIEW,
            (Claim.Status.DRAFT,),
            "claims.change_claim",
            comment_label="Note for the reviewer",
        ),
        Action(
            "publish",
            "Publish",
            Claim.Status.PUBLISHED,
            (Claim.Status.DRAFT, Claim.Status.REVIEW),
            "claims.publish_claim",
            comment_label="Comment",
        ),
        Action(
            "reject",
            "Reject",
            Claim.Status.DRAFT,
            (Claim.Status.REVIEW,),
            "claims.publish_claim",
            comment_label="What the editor should change",
            comment_required=True,
        ),
        Action(
            "retract",
            "Retract",
            Claim.Status.RETRACTED,
            (Claim.Status.PUBLISHED,),
            "claims.retract_claim",
            comment_label="Reason for the retraction (shown on the public page)",
            comment_required=True,
        ),
    )
}


def held_for_review(*, user: User, claim: Claim | None) -> bool:
    """Whether `claim` is public and `user` may not change public content directly.

    Editors' changes to what the public sees wait for a reviewer; reviewers
    (who may publish) change public content themselves, with a reason.
    """
    if claim is None or claim.pk is None or user.has_perm("claims.publish_claim"):
        return False
    return claim.is_public


def actions_for(*, claim: Claim, user: User) -> list[Action]:
    """The workflow steps `user` may take on `claim` now."""
    return [
        action
        for action in ACTIONS.values()
        if claim.status in action.sources and user.has_perm(action.permission)
    ]


@transaction.atomic
def take_action(
    *,
    claim: Claim,
    action: str,
    user: User,
    comment: str = "",
    expected_version: int | None = None,
) -> Claim:
    """Move `claim` one step through the workflow, recording who, when and why.

    Raises PermissionDenied if `user` may not take the step, and ValidationError
    (with a message for the editor) if the claim is not in a state for it.
    """
    step = ACTIONS[action]
    if not user.has_perm(step.permission):
        raise PermissionDenied(f"You may not {step.label.lower()} claims.")
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if expected_version is not None and claim.version != expected_version:
        raise ValidationError(
            f"Claim #{claim.pk} was changed since you opened it; open it again.", code="stale"
        )
    if claim.status not in step.sources:
        allowed = " or ".join(Claim.Status(s).label.lower() for s in step.sources)
        raise ValidationError(
            f"Claim #{claim.pk} is {claim.get_status_display().lower()}; only {allowed} "
            f"claims can take the step \u201c{step.label}\u201d.",
            code="status",
        )
    comment = comment.strip()
    if step.comment_required and not comment:
        raise ValidationError(f"{step.label}: give a {step.comment_label.lower()}.", code="comment")
    if step.to == Claim.Status.PUBLISHED and not (claim.quotes.exists() and claim.topics.exists()):
        raise ValidationError(
            f"Claim #{claim.pk} needs a quote and a topic before it is published.",
            code="incomplete",
        )
    StatusChange.objects.create(
        claim=claim, from_status=claim.status, to_status=step.to, changed_by=user, comment=comment
    )
    claim.status = step.to
    claim.updated_by = user
    fields = ["status", "updated_by", "updated_at"]
    if step.to == Claim.Status.RETRACTED:
        claim.retraction_reason, claim.retracted_at = comment, timezone.now()
        fields += ["retraction_reason", "retracted_at"]
    claim._change_reason = f"{step.label}: {comment}" if comment else step.label
    claim.save(update_fields=fields)
    if step.to in Claim.PUBLIC:
        # Publishing makes version 1; a retraction is a version of its own, with the reason.
        record_public_version(claim=claim)
    return claim


def take_action_on_many(
    *, claims: Iterable[Claim], action: str, user: User, comment: str = ""
) -> tuple[list[Claim], list[str]]:
    """`take_action` on each claim in turn; returns those moved and why the others were not."""
    done: list[Claim] = []
    refused: list[str] = []
    for claim in claims:
        try:
            done.append(take_action(claim=claim, action=action, user=user, comment=comment))
        except ValidationError as error:
            refused.append(" ".join(error.messages))
    return done, refused


# --- Changes to published claims, held for a reviewer ---------------------------------

# A change holds exactly the claim's own fields that its versions record.
REVISABLE = versions.CONTENT_FIELDS
REVISABLE_SETS = ("topics", "entities")


def revision_data(values: Mapping) -> dict:
    """Form values as JSON: dates and numbers as text, rows (a place, topics and entities)
    as ids, sets of them sorted."""
    data: dict = {}
    for name in REVISABLE:
        value = values.get(name)
        value = getattr(value, "pk", value)
        if isinstance(value, dt.date):
            value = value.isoformat()
        data[name] = "" if value is None else (value if isinstance(value, str) else str(value))
    for name in REVISABLE_SETS:
        data[name] = sorted(getattr(item, "pk", item) for item in values.get(name) or ())
    return data


def current_data(claim: Claim) -> dict:
    """The claim's own values in the shape of `revision_data`."""
    # REVISABLE names the claim's own columns, never a reverse relation.
    values = {
        name: getattr(claim, cast("Field", Claim._meta.get_field(name)).attname)
        for name in REVISABLE
    }
    return revision_data(
        values
        | {
            "topics": claim.topics.values_list("pk", flat=True),
            "entities": claim.entities.values_list("pk", flat=True),
        }
    )


@transaction.atomic
def propose_revision(
    *, claim: Claim, data: Mapping, reason: str, user: User, base_version: int
) -> ClaimRevision:
    """Hold an editor's change to a published claim until a reviewer decides.

    One change per claim waits at a time: the same editor's new proposal
    replaces their earlier one; another editor's is refused.
    """
    if not reason.strip():
        raise ValidationError({"change_reason": "Say why this published claim should change."})
    if not claim.is_public:
        raise ValidationError(f"Claim #{claim.pk} is not public; edit it directly.")
    pending = claim.revisions.select_for_update().filter(status=ClaimRevision.Status.PENDING)
    mine = pending.filter(proposed_by=user).first()
    if mine is None and pending.exists():
        other = pending.select_related("proposed_by").first()
        who = other.proposed_by.get_username() if other and other.proposed_by else "someone"
        raise ValidationError(
            f"A change to claim #{claim.pk} by {who} is already waiting for review; "
            f"a reviewer must decide on it first."
        )
    revision = mine or ClaimRevision(claim=claim, proposed_by=user)
    revision.data, revision.reason, revision.base_version = dict(data), reason.strip(), base_version
    revision.proposed_at = timezone.now()
    revision.save()
    return revision


def revision_changes(revision: ClaimRevision) -> list[tuple[str, str, str]]:
    """(field, now, proposed) for each field the revision changes, as text."""
    now = current_data(revision.claim)
    labels: dict[str, dict[Any, str]] = {
        "topics": {
            t.pk: t.name for t in Topic.objects.filter(pk__in=_ids(revision, now, "topics"))
        },
        "entities": {
            e.pk: e.name for e in Entity.objects.filter(pk__in=_ids(revision, now, "entities"))
        },
    }
    places = {now.get("place"), revision.data.get("place")} - {"", None}
    labels["place"] = {str(e.pk): e.name for e in Entity.objects.filter(pk__in=places)}
    rows = []
    for name in (*REVISABLE, *REVISABLE_SETS):
        if name not in revision.data:
            continue  # proposed before the field existed: left as it is
        old, new = now.get(name), revision.data.get(name)
        if name in REVISABLE_SETS:
            old_text = ", ".join(labels[name].get(i, f"#{i}") for i in old or [])
            new_text = ", ".join(labels[name].get(i, f"#{i}") for i in new or [])
        elif name in labels:
            old_text = labels[name].get(old, f"#{old}") if old else ""
            new_text = labels[name].get(new, f"#{new}") if new else ""
        else:
            old_text, new_text = old or "", new or ""
        if old_text != new_text:
            rows.append((name, old_text, new_text))
    return rows


def _ids(revision: ClaimRevision, now: dict, name: str) -> set[int]:
    return {*(now.get(name) or []), *(revision.data.get(name) or [])}


@transaction.atomic
def decide_revision(
    *, revision: ClaimRevision, approve: bool, user: User, comment: str = ""
) -> ClaimRevision:
    """A reviewer approves (applies) or rejects (with a comment) a held change."""
    if not user.has_perm("claims.publish_claim"):
        raise PermissionDenied("Only reviewers decide on changes to published claims.")
    revision = ClaimRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.status != ClaimRevision.Status.PENDING:
        raise ValidationError("This change was already decided.")
    comment = comment.strip()
    if approve:
        claim = Claim.objects.select_for_update().get(pk=revision.claim_id)
        if claim.version != revision.base_version:
            raise ValidationError(
                f"Claim #{claim.pk} has changed since this change was proposed; reject it "
                f"and ask for a new proposal made from the current claim."
            )
        data, current = revision.data, current_data(claim)
        for name in REVISABLE:
            column = cast("Field", Claim._meta.get_field(name))  # REVISABLE: own columns
            # A change proposed before a field existed leaves it as it is.
            value = data.get(name, current.get(name))
            # Blank dates, values and places are NULL in the database, blank text is "".
            setattr(claim, column.attname, (value or None) if column.null else value)
        claim.updated_by = user
        proposer = revision.proposed_by.get_username() if revision.proposed_by else "an editor"
        claim._change_reason = f"Change by {proposer}, approved: {revision.reason}"
        claim.full_clean(exclude=["topics", "entities", "claimants"])
        claim.save()
        claim.topics.set(data.get("topics") or [])
        claim.entities.set(data.get("entities") or [])
        Claim.objects.filter(pk=claim.pk).refresh_search_text()
        record_public_version(claim=claim)
        revision.status = ClaimRevision.Status.APPROVED
    else:
        if not comment:
            raise ValidationError("Say why the change is rejected.")
        revision.status = ClaimRevision.Status.REJECTED
    revision.decided_by, revision.decided_at = user, timezone.now()
    revision.decision_comment = comment
    revision.save()
    return revision


# --- Numbered public versions -------------------------------------------------------------


@transaction.atomic
def claims_changed(*, claim_ids: Iterable[int]) -> None:
    """Bring the derived data of these claims up to date: search text, then public versions.

    The one place that keeps derived data in step after an edit made outside the
    other services (the admin's own saves of claims, quotes and links): the search
    text is rebuilt from the statement and quotes, and each claim whose public page
    now differs gets a new version, as do the published claims linked to it.
    """
    ids = sorted(set(claim_ids))
    if not ids:
        return
    Claim.objects.filter(pk__in=ids).refresh_search_text()
    _record_with_partners(ids)


@dataclass(frozen=True)
class QuoteCheck:
    """What `check_quotes` found: a tally per outcome and the quotes that are not exact."""

    tally: dict[Anchoring, int]
    not_exact: list[tuple[Anchoring, Quote]]

    @property
    def orphaned(self) -> int:
        return self.tally[Anchoring.ORPHANED]


@transaction.atomic
def check_quotes(*, dry_run: bool = False) -> QuoteCheck:
    """Re-anchor every quote against its source's text; save the moved ones unless `dry_run`.

    Never deletes: an orphaned quote is reported and left as it is. A moved quote's
    claim gets its derived data refreshed, since its page shows the quote's place.
    """
    tally = dict.fromkeys(Anchoring, 0)
    not_exact: list[tuple[Anchoring, Quote]] = []
    moved: set[int] = set()
    for quote in Quote.objects.for_report().iterator(chunk_size=500):
        outcome = reanchor(quote, quote.source.text)
        tally[outcome] += 1
        if outcome is Anchoring.EXACT:
            continue
        not_exact.append((outcome, quote))
        if outcome is Anchoring.MOVED and not dry_run:
            quote.save(update_fields=["start", "end", "exact", "prefix", "suffix", "locator"])
            moved.add(quote.claim_id)
    claims_changed(claim_ids=moved)
    return QuoteCheck(tally=tally, not_exact=not_exact)


def load_fixtures(*, files: list[str], force: bool = False, verbosity: int = 0) -> int:
    """Load the curated registry's fixture files into an empty registry; return rows found.

    A registry that already has content is left alone (the count of its rows is
    returned and nothing is loaded) unless `force`, so editors' work is never
    overwritten. Fixtures load rows, not workflow steps, so the derived data is
    built here: every claim's search text, and version 1 of each published claim.
    """
    from django.core.management import call_command

    existing = sum(m.objects.count() for m in (Topic, Entity, Claim, Quote, ClaimLink))
    if existing and not force:
        return existing
    with transaction.atomic():
        call_command("loaddata", *files, verbosity=verbosity)
        Claim.objects.refresh_search_text()
        backfill_versions()
    # After the load's transaction: PostgreSQL's statistics must not come from rows
    # that might still roll back (see analyze).
    analyze()
    return 0


@transaction.atomic
def record_public_version(
    *, claim: Claim | int, also: Iterable[Claim | int] = ()
) -> ClaimVersion | None:
    """Give `claim` a new public version if what its page shows differs from its newest one.

    The one writer of versions after a change (derived data: every service that
    changes public content calls it, and the admin only through services). A
    claim that is not public gets none; one whose page would show the same as
    its newest version gets none. Its page also lists the statements of the
    published claims it is linked to, so those are checked too (a partner's new
    statement or a link that became public or hidden changes their pages as
    well); `also` names more claims to check, e.g. the far ends of a deleted
    link. Returns the claim's new version, or None.
    """
    pk = claim if isinstance(claim, int) else claim.pk
    others = {item if isinstance(item, int) else item.pk for item in also}
    return _record_with_partners([pk, *sorted(others - {pk})]).get(pk)


def _record_with_partners(claim_ids: list[int]) -> dict[int, ClaimVersion]:
    """New versions for these claims and the claims linked to them, where their pages changed."""
    linked = ClaimLink.objects.touching(claim_ids).values_list("from_claim_id", "to_claim_id")
    partners = {end for pair in linked for end in pair} - set(claim_ids)
    return _record_versions([*claim_ids, *sorted(partners)])


def _record_versions(claim_ids: list[int]) -> dict[int, ClaimVersion]:
    """A new version for each of these claims whose public content changed."""
    # Lock the claims (in key order, so two recorders cannot deadlock) before
    # numbering: two changes saved at once must not both take version n + 1.
    list(
        Claim.objects.select_for_update()
        .filter(pk__in=claim_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    current = versions.snapshots(claim_ids)
    newest = {
        v.claim_id: v for v in ClaimVersion.objects.filter(claim_id__in=list(current)).newest()
    }
    now = timezone.now()
    made = {}
    for pk, content in current.items():
        latest = newest.get(pk)
        if latest is not None and latest.content == content:
            continue
        made[pk] = ClaimVersion.objects.create(
            claim_id=pk,
            number=latest.number + 1 if latest else 1,
            published_at=now,
            status=content["status"],
            statement=content["statement"],
            content=content,
        )
    return made


@transaction.atomic
def backfill_versions() -> int:
    """Version 1 for every public claim that has none (after a bulk load); returns how many."""
    made = versions.backfill()
    if made:
        RegistryState.advance()  # bulk inserts send no signals; cached pages lack the versions
    return made


# --- Contradictions between different periods -------------------------------------------


@transaction.atomic
def confirm_link_periods(*, link: ClaimLink, note: str, user: User) -> ClaimLink:
    """A reviewer keeps a contradiction between claims about different periods, saying why.

    A blank note withdraws the confirmation, so the link is flagged again.
    """
    if not user.has_perm("claims.publish_claim"):
        raise PermissionDenied("Only reviewers confirm a contradiction across periods.")
    link.period_note = note.strip()
    link.period_confirmed_by = user if link.period_note else None
    link.period_confirmed_at = timezone.now() if link.period_note else None
    link._change_reason = "Periods confirmed" if link.period_note else "Period check reopened"
    link.save(update_fields=["period_note", "period_confirmed_by", "period_confirmed_at"])
    return link


# --- Claim candidates ---------------------------------------------------------------


@dataclass(frozen=True)
class CandidateRow:
    """A candidate sentence of a source and what became of it."""

    class Status(StrEnum):
        CLAIMED = "claimed"  # a quote overlaps it
        DISMISSED = "dismissed"  # an editor said why it is not a claim
        OPEN = "open"

    candidate: candidates.Candidate
    status: Status
    reason: str = ""  # why it was dismissed

    @property
    def done(self) -> bool:
        return self.status is not self.Status.OPEN

    @property
    def is_claimed(self) -> bool:
        return self.status is self.Status.CLAIMED

    @property
    def is_dismissed(self) -> bool:
        return self.status is self.Status.DISMISSED


@dataclass(frozen=True)
class Coverage:
    """How many of a source's candidates are claimed or dismissed."""

    candidates: int
    claimed: int
    dismissed: int

    @property
    def open(self) -> int:
        return self.candidates - self.claimed - self.dismissed

    @property
    def share(self) -> float:
        """Done over all, 1.0 for a source without candidates."""
        return (self.claimed + self.dismissed) / self.candidates if self.candidates else 1.0


def entity_names() -> list[str]:
    """Every entity's name and aliases: a sentence naming one is a candidate."""
    names: list[str] = []
    for entity in Entity.objects.only("name", "aliases"):
        names += [entity.name, *entity.alias_list]
    return names


def sentence_sha256(sentence: str) -> str:
    return hashlib.sha256(sentence.encode("utf-8")).hexdigest()


def source_candidates(*, source: Source, names: list[str] | None = None) -> list[CandidateRow]:
    """The source's candidate sentences in reading order, each claimed, dismissed or open.

    *Claimed* is computed from the quotes (any quote overlapping the sentence),
    never stored, so adding or removing a quote changes it at once.
    """
    found = candidates.candidates(source.text, entity_names() if names is None else names)
    spans = sorted(source.quotes.values_list("start", "end"))
    dismissed = dict(source.dismissals.values_list("sentence_sha256", "reason"))
    rows = []
    for candidate in found:
        if any(start < candidate.end and end > candidate.start for start, end in spans):
            rows.append(CandidateRow(candidate, CandidateRow.Status.CLAIMED))
        elif (reason := dismissed.get(sentence_sha256(candidate.text))) is not None:
            rows.append(CandidateRow(candidate, CandidateRow.Status.DISMISSED, reason))
        else:
            rows.append(CandidateRow(candidate, CandidateRow.Status.OPEN))
    return rows


def coverage(rows: list[CandidateRow]) -> Coverage:
    """The coverage of a source's candidate rows."""
    return Coverage(
        candidates=len(rows),
        claimed=sum(row.is_claimed for row in rows),
        dismissed=sum(row.is_dismissed for row in rows),
    )


@transaction.atomic
def dismiss_candidate(
    *, source: Source, start: int, end: int, reason: str, user: User
) -> CandidateDismissal:
    """Remember that the candidate at [start, end) of `source` is not a claim, and why."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why this sentence is not a claim."})
    rows = {(r.candidate.start, r.candidate.end): r for r in source_candidates(source=source)}
    row = rows.get((start, end))
    if row is None:
        raise ValidationError("There is no candidate sentence at those characters.")
    if row.is_claimed:
        raise ValidationError("A quote already covers this sentence.")
    dismissal, _ = CandidateDismissal.objects.update_or_create(
        source=source,
        sentence_sha256=sentence_sha256(row.candidate.text),
        defaults={"sentence": row.candidate.text, "reason": reason, "dismissed_by": user},
    )
    return dismissal


# --- Suggested disagreements -------------------------------------------------------


def suggested_pairs(*, limit: int | None = 50) -> list[disagreements.Suggestion]:
    """Pairs of published claims from different sources that may need a link, best first.

    Pairs already linked (any relation, either way) or dismissed are never suggested.
    """
    published = Claim.objects.published()
    entities: dict[int, set[int]] = defaultdict(set)
    for claim_id, entity_id in Claim.entities.through.objects.filter(
        claim__status=Claim.Status.PUBLISHED
    ).values_list("claim_id", "entity_id"):
        entities[claim_id].add(entity_id)
    topics: dict[int, set[int]] = defaultdict(set)
    for claim_id, topic_id in Claim.topics.through.objects.filter(
        claim__status=Claim.Status.PUBLISHED
    ).values_list("claim_id", "topic_id"):
        topics[claim_id].add(topic_id)
    sources: dict[int, set[int]] = defaultdict(set)
    for claim_id, source_id in (
        Quote.objects.published().order_by().values_list("claim_id", "source_id").distinct()
    ):
        sources[claim_id].add(source_id)
    facts = [
        disagreements.ClaimFacts(
            id=pk,
            statement=statement,
            sources=frozenset(sources[pk]),
            entities=frozenset(entities[pk]),
            topics=frozenset(topics[pk]),
            value=value,
            unit=unit,
            year_from=year_from,
            year_to=year_to,
        )
        # F()s for the annotations: the type checker checks plain names against the
        # model's fields and cannot see an annotation made in another method.
        for pk, statement, value, unit, year_from, year_to in published.with_period_years()
        .order_by("pk")
        .values_list("pk", "statement", "value", "unit", F("period_from_year"), F("period_to_year"))
    ]
    linked = ClaimLink.objects.values_list("from_claim_id", "to_claim_id")
    dismissed = PairDismissal.objects.values_list("first_claim_id", "second_claim_id")
    return disagreements.suggest(facts, skip=[*linked, *dismissed], limit=limit)


# Computing the suggestions reads every published claim (7 s at 100,000), so the best
# are kept until the registry changes, and more than a page, so that dismissing some
# still leaves a page; a dismissal takes effect at once.
KEPT_SUGGESTIONS = 200


def pair_suggestions(*, limit: int = 50) -> list[disagreements.Suggestion]:
    """The best suggested pairs that no one has dismissed, as `suggested_pairs` gives them,
    computed once a registry generation."""
    key = f"pair-suggestions:{RegistryState.current()}"
    suggestions = cache.get(key)
    if suggestions is None:
        suggestions = suggested_pairs(limit=KEPT_SUGGESTIONS)
        cache.set(key, suggestions, 3600)
    dismissed = set(PairDismissal.objects.values_list("first_claim_id", "second_claim_id"))
    return [s for s in suggestions if (s.first, s.second) not in dismissed][:limit]


@transaction.atomic
def dismiss_pair(*, first: Claim, second: Claim, reason: str, user: User) -> PairDismissal:
    """Remember that two claims need no link, and why, so they are never suggested again."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why these claims need no link."})
    if first.pk == second.pk:
        raise ValidationError("A claim is not paired with itself.")
    low, high = sorted((first, second), key=lambda claim: claim.pk)
    dismissal, _ = PairDismissal.objects.update_or_create(
        first_claim=low, second_claim=high, defaults={"reason": reason, "dismissed_by": user}
    )
    return dismissal
