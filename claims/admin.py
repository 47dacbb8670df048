from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.options import Options
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from claims import claimants, services
from claims.counts import EstimatedCountPaginator
from claims.exports import citations_response
from claims.extraction import MEDIA_TYPES
from claims.forms import (
    HELD_ID_FIELDS,
    CandidateDismissForm,
    ClaimForm,
    ClaimIdsForm,
    ClaimLinkAdminForm,
    ClaimLinkForm,
    ClaimLinkFormSet,
    PairDismissForm,
    PassageForm,
    QuoteForm,
    SourceChangeForm,
    SourceIntakeForm,
    SourceMetadataForm,
    StatementForm,
    VersionedForm,
    VersionedInlineFormSet,
    WorkflowForm,
)
from claims.models import (
    Attribution,
    Claim,
    ClaimLink,
    ClaimRevision,
    Entity,
    Original,
    Quote,
    Source,
    StaleEdit,
    Topic,
)
from claims.querysets import claim_number
from claims.rendering import Mark, MarkStyle, highlight

if TYPE_CHECKING:
    from django.contrib.admin.options import InlineModelAdmin
    from django_stubs_ext import WithAnnotations

    from claims.models import OriginalQuerySet
    from claims.querysets import SlugQuerySet

    # What the mixins below are mixed into, so their super() calls are checked.
    _ModelAdminBase = admin.ModelAdmin
    _InlineBase = InlineModelAdmin

    class _ClaimCount(TypedDict):
        claim_count: int

    class _EvidenceCounts(TypedDict):
        quote_count: int
        link_count: int
else:
    _ModelAdminBase = _InlineBase = object

# Quoted spans in the reading view: plain marks, so a drag that starts on one still
# selects text; each quote is listed, with its claim, under the text.
READER_MARK = MarkStyle(
    open='<mark id="{anchor}" title="{title}" data-url="{url}">',
    continued='<mark class="continued" title="{title}" data-url="{url}">',
    text="{text}",
)

# Candidate sentences in the candidates view, coloured by what became of them.
CANDIDATE_MARK = MarkStyle(
    open='<mark class="candidate candidate-{title}">',
    continued='<mark class="candidate candidate-{title}">',
    text='<a href="{url}">{text}</a>',
)

# Written by the services only: the admin shows them, never edits them.
ORIGIN_FIELDS = [
    "extractor",
    "extractor_version",
    "text_edited_at",
    "origin_start",
    "origin_end",
    "text_sha256",
    "created_at",
    "updated_at",
]


class RankedSearchMixin(_ModelAdminBase):
    """Search and autocomplete list exact names, then exact aliases, before other matches."""

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Only mixed into the admins of models whose querysets are SlugQuerySets.
        return cast("SlugQuerySet", results).ranked_for(search_term), may_have_duplicates


class ToolPageMixin:
    """An admin with pages of its own (templates that extend admin/claims/tool_page.html)."""

    admin_site: admin.AdminSite
    opts: Options

    def tool_page(self, request: HttpRequest, template: str, context: dict) -> TemplateResponse:
        """The page, with what every admin page has: the site's context and the model's `opts`."""
        return TemplateResponse(
            request,
            template,
            {**self.admin_site.each_context(request), "opts": self.opts, **context},
        )


class HistoryAdmin(SimpleHistoryAdmin):
    """History pages with every change in full, one row per save; races are no 500s."""

    object_history_list_template = "admin/claims/object_history_list.html"

    def changeform_view(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except (StaleEdit, IntegrityError):
            # Another save won a race the form checks could not see (they passed a
            # moment earlier); the transaction rolled back, so nothing was saved.
            self.message_user(
                request,
                "Someone else saved this at the same moment, so nothing of yours was saved. "
                "Here is the current version: make your change again.",
                messages.ERROR,
            )
            return redirect(request.get_full_path())

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        describe_history(list(historical_records))

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        extra = {**(extra_context or {}), "related_history": self.related_history(object_id)}
        return super().history_view(request, object_id, extra_context=extra)

    def related_history(self, object_id: str) -> list:
        """History of other rows shown on this object's history page (none by default)."""
        return []

    class Media:
        css = {"all": ["claims/admin/reader.css"]}


def describe_history(records: list) -> None:
    """Give each record (newest first) `all_changes` and `save_kind`, merging follow-ups.

    Saving a claim with topics and entities writes one record for the fields and
    one for each many-to-many set a moment later; those are shown as one save.
    """
    kinds = {"+": "created", "~": "changed", "-": "deleted"}
    for newer, older in zip(records, [*records[1:], None], strict=True):
        newer.all_changes = getattr(newer, "all_changes", []) + (
            _changes(newer, older) if older is not None else []
        )
        newer.save_kind = kinds.get(newer.history_type, newer.history_type)
        newer.merged_into_newer = False
    for newer, older in itertools.pairwise(records):
        same_save = (
            older.history_user_id == newer.history_user_id
            and (newer.history_date - older.history_date).total_seconds() < 2
            and newer.history_type == "~"
            and not newer.history_change_reason
        )
        if same_save and not newer.merged_into_newer:
            older.all_changes = newer.all_changes + older.all_changes
            older.history_change_reason = older.history_change_reason or ""
            newer.merged_into_newer = True


_UNSHOWN = {"version", "updated_at", "search_text"}


def _changes(newer, older) -> list[tuple[str, str, str]]:
    """(field label, old, new) for each field that differs, in full."""
    delta = newer.diff_against(older, foreign_keys_are_objs=True)
    rows = []
    for change in delta.changes:
        if change.field in _UNSHOWN:
            continue
        field = newer.instance_type._meta.get_field(change.field)
        owner = newer.instance_type._meta.model_name
        rows.append((field.verbose_name, _text(change.old, owner), _text(change.new, owner)))
    return rows


def _text(value, owner: str) -> str:
    if isinstance(value, list):  # many-to-many: one dict per row of the through table
        names = (str(v) for row in value for k, v in row.items() if k != owner)
        return ", ".join(sorted(names)) or "—"
    return "—" if value in (None, "") else str(value)


class ReviewedTagAdmin(RankedSearchMixin, HistoryAdmin):
    """Topics and entities: renaming one that public claims use needs a reviewer."""

    form = VersionedForm

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and tags_public_claims(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and tags_public_claims(request, obj):
            return False
        return super().has_delete_permission(request, obj)


def tags_public_claims(request: HttpRequest, tag: Topic | Entity) -> bool:
    """Whether a non-reviewer would change public pages by changing `tag`."""
    if request.user.has_perm("claims.publish_claim"):
        return False
    if isinstance(tag, Entity):  # an entity is also shown as a claimant and a place
        shown = Q(entities=tag) | Q(claimants=tag) | Q(place=tag)
        return Claim.objects.visible().filter(shown).exists()
    return tag.claims.visible().exists()


@admin.register(Topic)
class TopicAdmin(ReviewedTagAdmin):
    list_display = ["name", "slug", "description", "claim_count"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(claim_count=Count("claims"))

    @admin.display(ordering="claim_count", description="claims")
    def claim_count(self, obj: WithAnnotations[Topic, _ClaimCount]) -> int:
        return obj.claim_count


@admin.register(Entity)
class EntityAdmin(ReviewedTagAdmin):
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Original)
class OriginalAdmin(admin.ModelAdmin):
    """Originals are kept as received: viewed and downloaded, never edited."""

    list_display = ["__str__", "kind", "media_type", "size", "received_at", "download"]
    list_filter = ["kind", "media_type"]
    search_fields = ["filename", "url", "final_url", "sha256"]
    # Every field shown, and none editable.
    fields = readonly_fields = (
        "kind",
        "media_type",
        "declared_type",
        "size",
        "sha256",
        "filename",
        "url",
        "final_url",
        "received_at",
        "received_by",
        "download",
        "used_by",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The model's default manager is OriginalQuerySet's.
        return cast("OriginalQuerySet", super().get_queryset(request)).without_content()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # originals arrive through "Add source" and import_seeds only

    def has_change_permission(self, request: HttpRequest, obj: Original | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Original | None = None) -> bool:
        # An original no source uses (an abandoned preview) may go; the others are evidence.
        if obj is None or obj.sources.exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.download_view)
        return [
            path("<path:object_id>/download/", view, name="claims_original_download"),
            *super().get_urls(),
        ]

    def download_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        original = get_object_or_404(Original, pk=object_id)
        response = HttpResponse(bytes(original.content), content_type=original.media_type)
        # Always a download: an original HTML page must never render on this site.
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=download_name(original)
        )
        return response

    @admin.display(description="original")
    def download(self, obj: Original) -> SafeString:
        url = reverse("admin:claims_original_download", args=[obj.pk])
        return format_html('<a href="{}">download</a>', url)

    @admin.display(description="Sources made from it")
    def used_by(self, obj: Original) -> SafeString | str:
        rows = (
            (reverse("admin:claims_source_change", args=[s.pk]), s.title)
            for s in obj.sources.order_by("origin_start", "pk")
        )
        html = format_html_join("", '<li><a href="{}">{}</a></li>', rows)
        return format_html("<ul>{}</ul>", html) if html else "None yet."


def at_precision(fieldsets: list, displays: dict[str, str]) -> list:
    """The fieldsets with each date field swapped for its display at its precision."""

    def swap(name: str | tuple) -> str | tuple:
        return tuple(map(swap, name)) if isinstance(name, tuple) else displays.get(name, name)

    return [
        (title, {**opts, "fields": list(map(swap, opts["fields"]))}) for title, opts in fieldsets
    ]


def cited_by_message(sources) -> str:
    """Why these sources cannot be deleted: the quotes (and their claims) that cite them."""
    quotes = Quote.objects.filter(source__in=sources)
    claims = sorted(set(quotes.values_list("claim_id", flat=True)))
    count = quotes.count()
    named = ", ".join(f"#{pk}" for pk in claims[:10]) + (", …" if len(claims) > 10 else "")
    subject = "This source is" if len(sources) == 1 else "These sources are"
    return (
        f"{subject} cited by {count} quote{pluralize(count)} (claim{pluralize(len(claims))} "
        f"{named}): remove those quotes first, or delete those claims if they are still drafts."
    )


def download_name(original: Original) -> str:
    """The file name an original downloads as."""
    if original.filename:
        return original.filename
    extension = {v: k for k, v in MEDIA_TYPES.items()}.get(original.media_type, ".bin")
    if extension == ".htm":
        extension = ".html"
    return f"original-{original.sha256[:12]}{extension}"


@admin.register(Source)
class SourceAdmin(ToolPageMixin, HistoryAdmin):
    paginator = EstimatedCountPaginator
    form = SourceChangeForm
    list_display = [
        "title",
        "author",
        "outlet",
        "published_display",
        "kind",
        "origin_kind",
        "reading_view_link",
        "public_page",
    ]
    list_filter = ["kind", "outlet", "original__kind", "share_original"]
    list_select_related = ["original"]
    search_fields = ["title", "author", "outlet", "slug"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = [*ORIGIN_FIELDS, "origin", "bases", "citing_claims", "candidates_link"]
    fieldsets = [
        (
            None,
            {"fields": ["title", "slug", "author", "outlet", "url", "kind", "language", "version"]},
        ),
        ("Coverage", {"fields": ["candidates_link"]}),
        ("Date", {"fields": ["published", "published_basis"]}),
        ("Where the metadata came from", {"fields": ["bases"]}),
        ("Claims citing this source", {"fields": ["citing_claims"]}),
        (
            "Licence",
            {
                "fields": ["licence", "share_original"],
                "description": "The public page always shows the text and its quotes; the "
                "original is offered for download only when sharing is ticked.",
            },
        ),
        ("Original", {"fields": ["origin", *ORIGIN_FIELDS]}),
        (
            "Text",
            {
                "fields": ["text"],
                "description": "Changing the text re-anchors every quote of this source. "
                "The change is refused, and nothing is saved, if any quote would be lost.",
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_origin().with_public_flag()

    def get_fieldsets(self, request: HttpRequest, obj: Source | None = None) -> list:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return at_precision(fieldsets, {"published": "published_display"})
        return fieldsets

    def get_deleted_objects(self, objs, request: HttpRequest) -> tuple:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            # Quotes keep their sources (PROTECT); say what stands in the way and what to do.
            self.message_user(request, cited_by_message(objs), messages.ERROR)
        return deleted, counts, perms_needed, protected

    def has_change_permission(self, request: HttpRequest, obj: Source | None = None) -> bool:
        # A public source changes only with a reviewer's rights.
        if (
            obj is not None
            and not request.user.has_perm("claims.publish_claim")
            and Source.objects.public().filter(pk=obj.pk).exists()
        ):
            return False
        return super().has_change_permission(request, obj)

    def get_urls(self) -> list:
        return [
            path(
                "<path:object_id>/read/",
                self.admin_site.admin_view(self.reading_view),
                name="claims_source_read",
            ),
            path(
                "<path:object_id>/quote/",
                self.admin_site.admin_view(self.quote_view),
                name="claims_source_quote",
            ),
            path(
                "<path:object_id>/candidates/",
                self.admin_site.admin_view(self.candidates_view),
                name="claims_source_candidates",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="claim candidates")
    def candidates_link(self, obj: Source) -> SafeString | str:
        if obj.pk is None:
            return "\u2014"
        return format_html(
            '<a href="{}">Sentences not yet claimed or dismissed</a>',
            reverse("admin:claims_source_candidates", args=[obj.pk]),
        )

    @admin.display(description="quote it")
    def reading_view_link(self, obj: Source) -> SafeString:
        url = reverse("admin:claims_source_read", args=[obj.pk])
        return format_html('<a href="{}">read and quote</a>', url)

    @admin.display(description="public page", boolean=False)
    def public_page(self, obj: Source) -> SafeString | str:
        if getattr(obj, "is_public", False):
            return format_html('<a href="{}">view</a>', obj.get_absolute_url())
        return "not public"

    @admin.display(description="published", ordering="published")
    def published_display(self, obj: Source) -> str:
        return obj.published_display or "—"

    @admin.display(description="origin", ordering="original__kind")
    def origin_kind(self, obj: Source) -> str:
        return obj.original.get_kind_display() if obj.original else "—"

    @admin.display(description="Original")
    def origin(self, obj: Source) -> SafeString | str:
        original = obj.original
        if original is None:
            return "No original is recorded (run import_seeds for seed sources)."
        return format_html(
            "{} · {} · {} bytes · SHA-256 <code>{}</code> · received {}{} · "
            '<a href="{}">download the original</a> · <a href="{}">details</a>',
            original.get_kind_display(),
            original.media_type,
            original.size,
            original.sha256,
            original.received_at.strftime("%Y-%m-%d %H:%M UTC"),
            format_html(" from {}", original.final_url or original.url)
            if original.url
            else (format_html(" as {}", original.filename) if original.filename else ""),
            reverse("admin:claims_original_download", args=[original.pk]),
            reverse("admin:claims_original_change", args=[original.pk]),
        )

    @admin.display(description="Bases")
    def bases(self, obj: Source) -> SafeString | str:
        rows = [(name, basis) for name, basis in sorted(obj.metadata_basis.items())]
        if obj.published_basis:
            rows.append(("published", obj.published_basis))
        html = format_html_join("", "<li><b>{}</b>: {}</li>", rows)
        return format_html("<ul>{}</ul>", html) if html else "—"

    @admin.display(description="Claims")
    def citing_claims(self, obj: Source) -> SafeString | str:
        claims = Claim.objects.filter(quotes__source=obj).distinct().order_by("pk")
        rows = (
            (reverse("admin:claims_claim_change", args=[c.pk]), c.pk, c.get_status_display(), c)
            for c in claims
        )
        html = format_html_join("", '<li><a href="{}">#{}</a> ({}) {}</li>', rows)
        return format_html("<ul>{}</ul>", html) if html else "No claims cite this source yet."

    def save_model(self, request: HttpRequest, obj: Source, form, change: bool) -> None:
        if change and form.text_changed():
            report = services.set_source_text(
                source=obj, text=form.cleaned_data["text"], edited_by=editor(request)
            )
            self.message_user(request, f"Text changed; {report.summary()}.", messages.SUCCESS)
        else:
            super().save_model(request, obj, form, change)

    # --- Adding a source: paste, upload or URL, then check the metadata -----------

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        intake_form, meta_form, intake = SourceIntakeForm(), None, None
        duplicates: list[Source] = []  # sources already made from a document taken in again
        if request.method == "POST" and "_preview" in request.POST:
            intake_form = SourceIntakeForm(request.POST, request.FILES)
            if intake_form.is_valid():
                try:
                    intake = services.take_in(**intake_form.intake_kwargs(), user=editor(request))
                except ValidationError as error:
                    add_errors(intake_form, error)
                    if isinstance(error, services.DuplicateOriginal):
                        duplicates = error.sources
                else:
                    meta_form = SourceMetadataForm(initial=metadata_initial(intake))
        elif request.method == "POST" and "_save" in request.POST:
            meta_form = SourceMetadataForm(request.POST)
            if meta_form.is_valid():
                values = {k: v for k, v in meta_form.cleaned_data.items() if k != "original"}
                try:
                    source = services.create_source(
                        original=meta_form.cleaned_data["original"],
                        values=values,
                        user=editor(request),
                    )
                except ValidationError as error:
                    add_errors(meta_form, error)
                else:
                    self.log_addition(request, source, [{"added": {}}])
                    self.message_user(
                        request,
                        format_html(
                            "Added “{}”: {} characters of text. It is not public "
                            "until a published claim quotes it.",
                            source.title,
                            len(source.text),
                        ),
                        messages.SUCCESS,
                    )
                    return redirect("admin:claims_source_read", source.pk)
            original = meta_form.cleaned_data.get("original") if meta_form.is_bound else None
            if original is None and "original" not in meta_form.errors:
                original = Original.objects.filter(
                    pk=request.POST.get("original")  # type: ignore[misc]  # None matches nothing
                ).first()
            if original is not None:
                intake = services.preview(original=original)
        context = {
            "title": "Add source",
            "intake_form": intake_form,
            "meta_form": meta_form,
            "intake": intake,
            "suggestions": sorted(intake.suggestions.items()) if intake else [],
            "duplicates": duplicates,
            "max_size": services.megabytes(settings.SOURCE_MAX_BYTES),
            **(extra_context or {}),
        }
        return self.tool_page(request, "admin/claims/source/add_source.html", context)

    # --- Reading view: select a passage to quote it ---------------------------------

    def viewable_source(self, request: HttpRequest, object_id: str) -> Source:
        """The source of a custom page: 404 if there is none, 403 if the user may not see it."""
        source = self.get_object(request, object_id)
        if source is None:
            raise Http404("No source with that id.")
        if not self.has_view_permission(request, source):
            raise PermissionDenied
        return source

    def reading_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        source = self.viewable_source(request, object_id)
        quotes = list(source.quotes.select_related("claim").order_by("start", "pk"))
        marks = [
            Mark(
                q.start,
                q.end,
                reverse("admin:claims_claim_change", args=[q.claim_id]),
                f"claim #{q.claim_id} ({q.claim.get_status_display()})",
                f"q{q.pk}",
            )
            for q in quotes
        ]
        context = {
            "original": source,
            "title": f"Read and quote: {source.title}",
            "source": source,
            "quotes": quotes,
            "text_html": highlight(source.text, marks, style=READER_MARK),
            "passage_form": PassageForm(initial={"passage_source": source.pk}),
            "can_add_claim": request.user.has_perm("claims.add_claim"),
        }
        return self.tool_page(request, "admin/claims/source/read.html", context)

    def candidates_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The source's claim candidates: open ones marked in the text, each one click
        from a new claim (the sentence prefilled) or a dismissal with a reason."""
        source = self.viewable_source(request, object_id)
        can_edit = request.user.has_perm("claims.add_claim")
        form = CandidateDismissForm(request.POST or None)
        if request.method == "POST":
            if not can_edit:
                raise PermissionDenied
            if form.is_valid():
                try:
                    services.dismiss_candidate(
                        source=source, user=editor(request), **form.cleaned_data
                    )
                except ValidationError as error:
                    self.message_user(request, " ".join(error.messages), messages.ERROR)
                else:
                    self.message_user(request, "Dismissed.", messages.SUCCESS)
                return redirect(request.get_full_path())
            self.message_user(request, "Say why this sentence is not a claim.", messages.ERROR)
        rows = services.source_candidates(source=source)
        add_claim = reverse("admin:claims_claim_add")

        def new_claim_url(row: services.CandidateRow) -> str:
            passage = {"passage_source": source.pk, "passage_text": row.candidate.text}
            return f"{add_claim}?{urlencode(passage | {'passage_start': row.candidate.start})}"

        marks = [
            Mark(r.candidate.start, r.candidate.end, f"#c{r.candidate.start}", r.status, "")
            for r in rows
        ]
        context = {
            "original": source,
            "title": f"Claim candidates: {source.title}",
            "source": source,
            "rows": [
                (row, new_claim_url(row))
                for row in sorted(
                    rows, key=lambda r: (r.done, -r.candidate.score, r.candidate.start)
                )
            ],
            "coverage": services.coverage(rows),
            "text_html": highlight(source.text, marks, style=CANDIDATE_MARK),
            "can_edit": can_edit,
            "reasons": [
                "background",
                "not checkable",
                "opinion without a claimant",
                "duplicate of #",
            ],
        }
        return self.tool_page(request, "admin/claims/source/candidates.html", context)

    def quote_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Check a selected or pasted passage, then open the claim form with it prefilled."""
        form = PassageForm(request.GET)
        if not form.is_valid():
            for error in form.errors.values():
                self.message_user(request, " ".join(str(e) for e in error), messages.ERROR)
            return redirect("admin:claims_source_read", object_id)
        claim_id = form.cleaned_data.get("claim")
        target_claim = Claim.objects.filter(pk=claim_id).first() if claim_id else None
        if claim_id is not None and target_claim is None:
            self.message_user(request, f"There is no claim #{claim_id}.", messages.ERROR)
            return redirect("admin:claims_source_read", object_id)
        if held_for_review(request, target_claim):
            self.message_user(
                request,
                f"Claim #{claim_id} is public: only a reviewer can add evidence to it. "
                f"Start a new claim from this passage instead, or ask a reviewer.",
                messages.ERROR,
            )
            return redirect("admin:claims_source_read", object_id)
        target = (
            reverse("admin:claims_claim_change", args=[claim_id])
            if claim_id
            else reverse("admin:claims_claim_add")
        )
        span = form.cleaned_data["span"]
        query = urlencode(
            {
                "passage_source": form.cleaned_data["passage_source"].pk,
                "passage_text": span.exact,
                "passage_start": span.start,
            }
        )
        return redirect(f"{target}?{query}")


def metadata_initial(intake: services.Intake) -> dict:
    """The metadata form's first values: what the document states, and the original."""
    initial: dict = {"original": intake.original.pk}
    for name, suggestion in intake.suggestions.items():
        initial[name] = suggestion.value
        if name == "published":
            initial["published_basis"] = suggestion.basis
    return initial


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field where the form has one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class HeldInline(_InlineBase):
    """An inline of a claim: read-only to editors while the claim is public."""

    def has_add_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return not held_for_review(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return not held_for_review(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        return not held_for_review(request, obj) and super().has_delete_permission(request, obj)


class AttributionInline(HeldInline, admin.TabularInline):
    """The claim's claimants: who asserts it, picked with autocomplete."""

    model = Attribution
    extra = 0
    autocomplete_fields = ["entity"]
    formfield_overrides = HELD_ID_FIELDS
    fields = ["entity", "role", "basis"]
    verbose_name = "claimant"
    verbose_name_plural = "claimants (who asserts it: \u201caccording to \u2026\u201d)"


class QuoteInline(HeldInline, admin.StackedInline):
    model = Quote
    form = QuoteForm
    formset = VersionedInlineFormSet
    extra = 0
    autocomplete_fields = ["source"]
    formfield_overrides = HELD_ID_FIELDS
    readonly_fields = ["start", "end", "locator"]
    fields = [
        ("source", "locator", "start", "end"),
        "exact",
        ("context_before", "context_after"),
        "version",
    ]

    def get_extra(self, request: HttpRequest, obj: Claim | None = None, **kwargs) -> int:
        # One blank form, prefilled, when the editor came from a selected passage.
        return 1 if passage_initial(request) else 0


def link_is_public_for(request: HttpRequest, *claims: Claim) -> bool:
    """Whether a link between `claims` is public and the user is not a reviewer."""
    return all(held_for_review(request, claim) for claim in claims)


def editor(request: HttpRequest) -> User:
    """The signed-in editor (AdminSite.admin_view lets only active staff in)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def held_for_review(request: HttpRequest, claim: Claim | None) -> bool:
    """Whether the user's change to `claim` must wait for a reviewer (see services)."""
    return services.held_for_review(user=editor(request), claim=claim)


def passage_initial(request: HttpRequest) -> dict | None:
    """The quote a selected passage prefills (on GET only), anchored by the server.

    The browser's offsets are only a hint: the anchoring module finds the passage
    in the stored text, and the quote form anchors it again when it is saved.
    """
    if request.method != "GET":
        return None
    form = PassageForm(request.GET)
    if "passage_source" not in form.data:
        return None
    if not hasattr(request, "_passage_initial"):
        request._passage_initial = (  # type: ignore[attr-defined]  # kept for this request
            {
                "source": form.cleaned_data["passage_source"].pk,
                "exact": form.cleaned_data["span"].exact,
                "context_before": form.cleaned_data["span"].prefix,
                "context_after": form.cleaned_data["span"].suffix,
            }
            if form.is_valid()
            else None
        )
    return request._passage_initial  # type: ignore[attr-defined]  # set just above


class ClaimLinkInline(HeldInline, admin.TabularInline):
    model = ClaimLink
    form = ClaimLinkForm
    formset = ClaimLinkFormSet
    fk_name = "from_claim"
    extra = 0

    autocomplete_fields = ["to_claim"]
    formfield_overrides = HELD_ID_FIELDS
    verbose_name = "link to another claim"
    verbose_name_plural = "links to other claims"


def unlinked_claims(formset) -> set[int]:
    """The claims a links formset may unlink: the far ends that deleted or changed rows had."""
    # The form's instance already holds the new values; `initial` has the stored ones.
    return {
        form.initial["to_claim"]
        for form in formset.initial_forms
        if form.initial.get("to_claim") and (form in formset.deleted_forms or form.has_changed())
    }


class PeriodCheckFilter(admin.SimpleListFilter):
    """Contradictions between claims about different periods, not yet confirmed."""

    title = "period check"
    parameter_name = "period_check"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin):
        return [("needed", "different periods, unconfirmed"), ("confirmed", "confirmed")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "needed":
            return queryset.filter(needs_period_check=True)
        if self.value() == "confirmed":
            return queryset.filter(period_confirmed_at__isnull=False)
        return queryset


class QuotedSourceFilter(admin.SimpleListFilter):
    """Claims (or quotes) by quoted source; reads titles only, never the texts."""

    title = "source"
    parameter_name = "source"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin):
        # EXISTS per source, not DISTINCT over a join with every quote (0.1 s at 300,000).
        quoted = Exists(Quote.objects.filter(source=OuterRef("pk")))
        return Source.objects.filter(quoted).order_by("title").values_list("pk", "title")

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not (value := self.value() or "").isdigit():
            return queryset
        if queryset.model is Quote:
            return queryset.filter(source_id=value)
        return queryset.filter(pk__in=Quote.objects.filter(source_id=value).values("claim"))


class MineFilter(admin.SimpleListFilter):
    title = "created by"
    parameter_name = "mine"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin):
        return [("1", "me")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "1":
            return queryset.filter(created_by=request.user)
        return queryset


class RelationFilter(admin.SimpleListFilter):
    title = "relation"
    parameter_name = "relation"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin):
        return ClaimLink.Relation.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ClaimLink.Relation.values:
            return queryset.filter(
                Q(links_out__relation=self.value()) | Q(links_in__relation=self.value())
            ).distinct()
        return queryset


@admin.register(Claim)
class ClaimAdmin(ToolPageMixin, HistoryAdmin):
    paginator = EstimatedCountPaginator
    form = ClaimForm
    change_list_template = "admin/claims/claim/change_list.html"
    inlines = [AttributionInline, QuoteInline, ClaimLinkInline]
    list_display = [
        "id",
        "short_statement",
        "status",
        "event_date_display",
        "quote_count",
        "link_count",
        "updated_by",
        "public_page",
    ]
    list_display_links = ["id", "short_statement"]
    list_filter = [
        "status",
        MineFilter,
        "topics",
        QuotedSourceFilter,
        RelationFilter,
    ]
    list_select_related = ["updated_by"]
    search_fields = ["statement", "quotes__exact", "note"]
    search_help_text = "Words of the statement, its quotes or note, or a claim number (89 or #89)."
    # No date_hierarchy: its year links grouped every claim on each page view.
    show_full_result_count = False
    autocomplete_fields = ["topics", "entities", "place"]
    formfield_overrides = HELD_ID_FIELDS
    readonly_fields = [
        "status",
        "workflow",
        "claimant_suggestion",
        "incoming_links",
        "created_by",
        "updated_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["statement", "claimant_suggestion", "status", "workflow", "version"]}),
        (
            "When and how much",
            {"fields": ["event_date", ("value", "unit")]},
        ),
        (
            "Scope (optional)",
            {
                "fields": [("as_of_start", "as_of_end"), "measure", "place"],
                "description": "What the claim holds for: a period, a measure or method, a "
                "place. Two claims about different periods or measures may both be right.",
            },
        ),
        ("Tags", {"fields": ["topics", "entities"]}),
        (
            "Editor",
            {
                "fields": [
                    "note",
                    "incoming_links",
                    ("created_by", "created_at"),
                    ("updated_by", "updated_at"),
                ]
            },
        ),
    ]
    actions = ["send_to_review", "publish", "reject", "retract", "export_citations"]

    class Media:
        css = {"all": ["claims/admin/claims.css"]}
        js = ["claims/admin/claimants.js"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_counts()

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # `89` or `#89` finds claim 89 (first) as well as the words; the claim autocomplete
        # uses this too.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = claim_number(search_term)
        if number is not None:
            results |= queryset.filter(pk=number)
        return results.number_first(number), may_have_duplicates

    def get_formset_kwargs(self, request: HttpRequest, obj, inline, prefix: str) -> dict:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        initial = passage_initial(request)
        if initial and isinstance(inline, QuoteInline):
            kwargs["initial"] = [initial]
        return kwargs

    @admin.display(description="statement", ordering="statement")
    def short_statement(self, obj: Claim) -> SafeString:
        # Wrapped in a column of readable width (claims.css), cut only when very long.
        return format_html(
            '<span class="claim-statement">{}</span>', Truncator(obj.statement).chars(200)
        )

    @admin.display(description="event date", ordering="event_date")
    def event_date_display(self, obj: Claim) -> str:
        return obj.event_date_display or "—"

    @admin.display(description="as of: from")
    def as_of_start_display(self, obj: Claim) -> str:
        return obj.as_of_start_display or "\u2014"

    @admin.display(description="to")
    def as_of_end_display(self, obj: Claim) -> str:
        return obj.as_of_end_display or "\u2014"

    @admin.display(description="Suggested claimant")
    def claimant_suggestion(self, obj: Claim) -> SafeString:
        """Who the statement names as asserting it. claimants.js keeps it current as the
        editor types and offers a button for each entity; nothing is added unclicked."""
        suggestion = claimants.suggest(obj.statement or "")
        if suggestion is None:
            text = "The statement names no claimant."
        else:
            names = ", ".join(e.name for e in Entity.objects.named_in(suggestion.phrase))
            text = f"The statement names \u201c{suggestion.phrase}\u201d ({suggestion.role})" + (
                f": {names}." if names else "; no entity has that name yet."
            )
        return format_html(
            '<div id="claimant-suggestion" data-url="{}" aria-live="polite">{}</div>',
            reverse("admin:claims_claim_suggest_claimants"),
            text,
        )

    @admin.display(description="public page")
    def public_page(self, obj: Claim) -> SafeString | str:
        if obj.is_public:
            return format_html('<a href="{}">view</a>', obj.get_absolute_url())
        return "not public"

    @admin.display(description="quotes", ordering="quote_count")
    def quote_count(self, obj: WithAnnotations[Claim, _EvidenceCounts]) -> int:
        return obj.quote_count

    @admin.display(description="links", ordering="link_count")
    def link_count(self, obj: WithAnnotations[Claim, _EvidenceCounts]) -> int:
        return obj.link_count

    @admin.display(description="Links from other claims")
    def incoming_links(self, obj: Claim) -> SafeString | str:
        links = obj.links_in.select_related("from_claim") if obj.pk else []
        rows = (
            (
                reverse("admin:claims_claim_change", args=[link.from_claim_id]),
                link.from_claim,
                link.relation,
                link.rationale,
            )
            for link in links
        )
        html = format_html_join("", '<li><a href="{}">{}</a> {} this: {}</li>', rows)
        return format_html("<ul>{}</ul>", html) if html else "—"

    def related_history(self, object_id: str) -> list:
        """Its quotes' and outgoing links' history, newest first, each with its changes."""
        entries: list = []
        for model, where, label in (
            (Attribution, {"claim_id": object_id}, "claimant"),
            (Quote, {"claim_id": object_id}, "quote"),
            (ClaimLink, {"from_claim_id": object_id}, "link"),
        ):
            records = list(
                model.history.filter(**where)
                .select_related("history_user")
                .order_by("-history_date")
            )
            by_row: dict[int, list] = {}
            for record in records:
                by_row.setdefault(record.id, []).append(record)
            for rows in by_row.values():
                describe_history(rows)
                for record in rows:
                    record.label = f"{label} #{record.id}"
                entries.extend(r for r in rows if not r.merged_into_newer)
        return sorted(entries, key=lambda r: r.history_date, reverse=True)

    def get_fieldsets(self, request: HttpRequest, obj: Claim | None = None) -> list:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and obj.is_public:
            note = (
                "Your change waits for a reviewer; the public page keeps the reviewed "
                "version until then."
                if held_for_review(request, obj)
                else "The public page changes when you save."
            )
            fieldsets.insert(
                1,
                ("This claim is public", {"fields": ["change_reason"], "description": note}),
            )
        if obj is not None and not self.has_change_permission(request, obj):
            return at_precision(
                fieldsets,
                {
                    "event_date": "event_date_display",
                    "as_of_start": "as_of_start_display",
                    "as_of_end": "as_of_end_display",
                },
            )
        return fieldsets

    @admin.display(description="Workflow")
    def workflow(self, obj: Claim) -> SafeString | str:
        if obj.pk is None:
            return "A new claim starts as a draft."
        history = format_html_join(
            "",
            "<li>{} \u2192 {} by {} on {}{}</li>",
            (
                (
                    c.get_from_status_display(),
                    c.get_to_status_display(),
                    c.changed_by or "someone",
                    c.changed_at.strftime("%Y-%m-%d %H:%M"),
                    format_html(": \u201c{}\u201d", c.comment) if c.comment else "",
                )
                for c in obj.status_changes.select_related("changed_by")[:5]
            ),
        )
        pending = obj.revisions.filter(status=ClaimRevision.Status.PENDING).first()
        waiting = (
            format_html(
                '<p>A change by {} is <a href="{}">waiting for a reviewer</a>.</p>',
                pending.proposed_by or "an editor",
                reverse("admin:claims_claim_review_queue"),
            )
            if pending
            else ""
        )
        return format_html("{}{}", waiting, format_html("<ul>{}</ul>", history) if history else "")

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        # The steps this user may take, as buttons above the form (per request: the
        # ModelAdmin instance is shared by every thread of a worker).
        claim = self.get_object(request, object_id)
        steps = (
            [
                (
                    reverse("admin:claims_claim_workflow", args=[a.name]) + f"?ids={claim.pk}",
                    a.label,
                )
                for a in services.actions_for(claim=claim, user=editor(request))
            ]
            if claim is not None
            else []
        )
        extra = {**(extra_context or {}), "workflow_steps": steps}
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def save_model(self, request: HttpRequest, obj: Claim, form, change: bool) -> None:
        stored = Claim.objects.get(pk=obj.pk) if change else None
        if stored is not None and held_for_review(request, stored):
            # A note for this request's response (an attribute no stub can declare).
            request._held_revision = services.propose_revision(  # type: ignore[attr-defined]
                claim=stored,
                # The precisions are derived from the typed dates and kept on the instance.
                data=services.revision_data(
                    form.cleaned_data
                    | {
                        f"{name}_precision": getattr(obj, f"{name}_precision")
                        for name in form.partial_dates
                    }
                ),
                reason=form.cleaned_data.get("change_reason", ""),
                user=editor(request),
                base_version=form.cleaned_data["version"],
            )
            return
        if not change:
            obj.created_by = editor(request)
        obj.updated_by = editor(request)
        obj._change_reason = form.cleaned_data.get("change_reason") or None
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        if getattr(request, "_held_revision", None):
            return  # nothing is applied until a reviewer approves
        super().save_related(request, form, formsets, change)
        # A reviewer's direct change to a public claim (its fields, claimants, quotes or
        # links) is a new public version; the far ends of removed links change too.
        services.claims_changed(
            claim_ids=[form.instance.pk, *getattr(request, "_unlinked_claims", ())]
        )

    def construct_change_message(
        self, request: HttpRequest, form, formsets, add: bool = False
    ) -> list:
        if getattr(request, "_held_revision", None):
            # Nothing was saved: the log says a change was proposed, not made.
            return [{"changed": {"fields": ["proposed for review"]}}]
        return super().construct_change_message(request, form, formsets, add)

    def response_change(self, request: HttpRequest, obj: Claim) -> HttpResponse:
        if getattr(request, "_held_revision", None):
            self.message_user(
                request,
                f"Your change to claim #{obj.pk} is waiting for a reviewer. The public page "
                f"shows the reviewed version until then.",
                messages.SUCCESS,
            )
            return redirect("admin:claims_claim_change", obj.pk)
        return super().response_change(request, obj)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is ClaimLink:
            # For save_related, later in this request (an attribute no stub can declare).
            request._unlinked_claims = unlinked_claims(formset)  # type: ignore[attr-defined]
        for instance in formset.save(commit=False):
            if isinstance(instance, ClaimLink) and instance.created_by_id is None:
                instance.created_by = editor(request)
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    def has_delete_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        # Public claims are retracted, never deleted: their URLs are cited.
        if obj is not None and obj.is_public:
            return False
        return super().has_delete_permission(request, obj)

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("claims.publish_claim")

    def has_retract_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("claims.retract_claim")

    @admin.action(description="Send selected claims to review", permissions=["change"])
    def send_to_review(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.take_action_on(request, queryset, "review")

    @admin.action(description="Publish selected claims", permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.take_action_on(request, queryset, "publish")

    @admin.action(description="Reject selected claims (with a comment)", permissions=["publish"])
    def reject(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return self.confirm_action(queryset, "reject")

    @admin.action(description="Retract selected claims (with a reason)", permissions=["retract"])
    def retract(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return self.confirm_action(queryset, "retract")

    def take_action_on(
        self, request: HttpRequest, claims: Iterable[Claim], action: str, comment: str = ""
    ) -> None:
        done, refused = services.take_action_on_many(
            claims=claims, action=action, user=editor(request), comment=comment
        )
        label = services.ACTIONS[action].label
        self.message_user(request, f"{label}: {len(done)} claim(s).", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)

    @staticmethod
    def confirm_action(queryset: QuerySet, action: str) -> HttpResponse:
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return redirect(reverse("admin:claims_claim_workflow", args=[action]) + f"?ids={ids}")

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("review-queue/", view(self.review_queue_view), name="claims_claim_review_queue"),
            path(
                "suggest-claimants/",
                view(self.suggest_claimants_view),
                name="claims_claim_suggest_claimants",
            ),
            path("workflow/<str:action>/", view(self.workflow_view), name="claims_claim_workflow"),
            path(
                "revisions/<int:revision_id>/decide/",
                view(self.decide_view),
                name="claims_claim_decide",
            ),
            *super().get_urls(),
        ]

    def workflow_view(self, request: HttpRequest, action: str) -> HttpResponse:
        """Confirm a workflow step for one or more claims, with its comment or reason."""
        step = services.ACTIONS.get(action)
        if step is None:
            raise Http404("No such workflow step.")
        if not request.user.has_perm(step.permission):
            raise PermissionDenied
        ids = ClaimIdsForm(request.GET).claim_ids
        claims = list(Claim.objects.filter(pk__in=ids).order_by("pk"))
        if not claims:
            raise Http404("No claims chosen.")
        form = WorkflowForm(request.POST or None, action=step)
        if request.method == "POST" and form.is_valid():
            self.take_action_on(request, claims, action, form.cleaned_data["comment"])
            if len(claims) == 1:
                return redirect("admin:claims_claim_change", claims[0].pk)
            return redirect("admin:claims_claim_changelist")
        context = {
            "title": f"{step.label}: {len(claims)} claim(s)",
            "step": step,
            "claims": claims,
            "form": form,
        }
        return self.tool_page(request, "admin/claims/claim/workflow_confirm.html", context)

    def suggest_claimants_view(self, request: HttpRequest) -> JsonResponse:
        """Who `?statement=` names as asserting it ("According to X, …", "X argued …"),
        as entities to offer the editor; nothing is added until they click."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        suggestion = claimants.suggest(StatementForm(request.GET).text)
        if suggestion is None:
            return JsonResponse({"phrase": "", "role": "", "basis": "", "entities": []})
        entities = Entity.objects.named_in(suggestion.phrase)
        return JsonResponse(
            {
                "phrase": suggestion.phrase,
                "role": suggestion.role,
                "basis": suggestion.basis,
                "entities": [{"id": e.pk, "name": e.name, "kind": e.kind} for e in entities],
                "add_entity_url": reverse("admin:claims_entity_add")
                + "?"
                + urlencode({"name": suggestion.phrase}),
            }
        )

    def review_queue_view(self, request: HttpRequest) -> HttpResponse:
        """Claims in review (oldest first, with who sent them) and held changes to public ones."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        revisions = list(
            ClaimRevision.objects.filter(status=ClaimRevision.Status.PENDING).select_related(
                "claim", "proposed_by"
            )
        )
        context = {
            "title": "Review queue",
            "in_review": Claim.objects.in_review_queue(),
            # Each held revision with what it changes: (field, now, proposed) rows.
            "revisions": [
                (revision, services.revision_changes(revision)) for revision in revisions
            ],
            "can_decide": request.user.has_perm("claims.publish_claim"),
        }
        return self.tool_page(request, "admin/claims/claim/review_queue.html", context)

    def decide_view(self, request: HttpRequest, revision_id: int) -> HttpResponse:
        """Approve or reject a held change to a public claim (POST only)."""
        if request.method != "POST":
            return redirect("admin:claims_claim_review_queue")
        revision = get_object_or_404(ClaimRevision, pk=revision_id)
        try:
            services.decide_revision(
                revision=revision,
                approve="_approve" in request.POST,
                user=editor(request),
                comment=request.POST.get("comment", ""),
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            verdict = "approved" if "_approve" in request.POST else "rejected"
            self.message_user(
                request,
                f"The change to claim #{revision.claim_id} was {verdict}.",
                messages.SUCCESS,
            )
        return redirect("admin:claims_claim_review_queue")

    @admin.action(description="Export citations (CSV)", permissions=["view"])
    def export_citations(self, request: HttpRequest, queryset: QuerySet) -> StreamingHttpResponse:
        return citations_response(
            Claim.objects.filter(pk__in=queryset.values("pk")),
            base_url=request.build_absolute_uri("/").rstrip("/"),
            now=timezone.now(),
            bom=False,
            public=False,
        )


@admin.register(Quote)
class QuoteAdmin(HistoryAdmin):
    paginator = EstimatedCountPaginator
    form = QuoteForm
    list_display = ["id", "short_exact", "claim", "source", "locator", "start", "end"]
    list_filter = [QuotedSourceFilter]
    show_full_result_count = False
    list_select_related = ["claim", "source"]
    search_fields = ["exact", "claim__statement", "source__title"]
    autocomplete_fields = ["claim", "source"]
    formfield_overrides = HELD_ID_FIELDS
    readonly_fields = ["start", "end", "prefix", "suffix", "locator"]
    fields = [
        "claim",
        "source",
        "exact",
        "context_before",
        "context_after",
        "note",
        ("start", "end", "locator"),
        ("prefix", "suffix"),
        "version",
    ]

    def has_change_permission(self, request: HttpRequest, obj: Quote | None = None) -> bool:
        if obj is not None and held_for_review(request, obj.claim):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Quote | None = None) -> bool:
        if obj is not None and held_for_review(request, obj.claim):
            return False
        return super().has_delete_permission(request, obj)

    def get_form(self, request: HttpRequest, obj: Quote | None = None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user  # the form refuses evidence for public claims from editors
        return form

    def save_model(self, request: HttpRequest, obj: Quote, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        claims = {obj.claim_id, *([form.initial["claim"]] if form.initial.get("claim") else [])}
        services.claims_changed(claim_ids=claims)

    def delete_model(self, request: HttpRequest, obj: Quote) -> None:
        super().delete_model(request, obj)
        services.claims_changed(claim_ids=[obj.claim_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        claims = list(queryset.values_list("claim_id", flat=True))
        super().delete_queryset(request, queryset)
        services.claims_changed(claim_ids=claims)

    @admin.display(description="passage")
    def short_exact(self, obj: Quote) -> str:
        return obj.exact if len(obj.exact) <= 90 else obj.exact[:87] + "…"


@admin.register(ClaimLink)
class ClaimLinkAdmin(ToolPageMixin, HistoryAdmin):
    form = ClaimLinkAdminForm
    list_display = ["id", "from_claim", "relation", "to_claim", "period_check", "rationale"]
    list_filter = ["relation", PeriodCheckFilter]
    list_select_related = ["from_claim", "to_claim"]
    search_fields = ["rationale", "from_claim__statement", "to_claim__statement"]
    autocomplete_fields = ["from_claim", "to_claim"]
    formfield_overrides = HELD_ID_FIELDS
    readonly_fields = ["period_check", "created_by", "created_at", "updated_at"]
    fields = [
        "from_claim",
        "relation",
        "to_claim",
        "rationale",
        "period_check",
        "period_note",
        "version",
        ("created_by", "created_at", "updated_at"),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_period_check()

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.suggestions_view)
        return [
            path("suggestions/", view, name="claims_claimlink_suggestions"),
            *super().get_urls(),
        ]

    def suggestions_view(self, request: HttpRequest) -> HttpResponse:
        """Pairs of published claims that may disagree, side by side: accept (the link
        form, prefilled) or dismiss with a reason, remembered."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PairDismissForm(request.POST or None)
        if request.method == "POST":
            if form.is_valid():
                services.dismiss_pair(user=editor(request), **form.cleaned_data)
                self.message_user(request, "Dismissed: not suggested again.", messages.SUCCESS)
            else:
                self.message_user(request, "Say why these claims need no link.", messages.ERROR)
            return redirect("admin:claims_claimlink_suggestions")
        suggestions = services.pair_suggestions(limit=50)
        ids = {pk for s in suggestions for pk in (s.first, s.second)}
        claims = {c.pk: c for c in Claim.objects.filter(pk__in=ids).with_evidence()}
        add = reverse("admin:claims_claimlink_add")
        pairs = [
            (
                suggestion,
                claims[suggestion.first],
                claims[suggestion.second],
                f"{add}?"
                + urlencode(
                    {
                        "from_claim": suggestion.first,
                        "to_claim": suggestion.second,
                        "relation": suggestion.relation,
                    }
                ),
            )
            for suggestion in suggestions
        ]
        context = {
            "title": "Suggested disagreements",
            "pairs": pairs,
            "reasons": ["different matters", "both can be true", "already linked elsewhere"],
        }
        return self.tool_page(request, "admin/claims/claimlink/suggestions.html", context)

    def get_fields(self, request: HttpRequest, obj: ClaimLink | None = None) -> list:
        # Only reviewers confirm a contradiction across periods (services.confirm_link_periods).
        fields = list(super().get_fields(request, obj))
        if not request.user.has_perm("claims.publish_claim"):
            fields.remove("period_note")
        return fields

    @admin.display(description="periods")
    def period_check(self, obj: ClaimLink) -> str:
        if obj.pk is None or not getattr(obj, "different_periods", False):
            return "\u2014"
        if obj.relation != ClaimLink.Relation.CONTRADICTS:
            return "different periods"
        if obj.period_confirmed_at is None:
            return "different periods: is this \u201cupdates\u201d?"
        who = obj.period_confirmed_by or "a reviewer"
        return f"different periods, confirmed by {who}: {obj.period_note}"

    def has_change_permission(self, request: HttpRequest, obj: ClaimLink | None = None) -> bool:
        if obj is not None and link_is_public_for(request, obj.from_claim, obj.to_claim):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: ClaimLink | None = None) -> bool:
        if obj is not None and link_is_public_for(request, obj.from_claim, obj.to_claim):
            return False
        return super().has_delete_permission(request, obj)

    def get_form(self, request: HttpRequest, obj: ClaimLink | None = None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        if not request.user.has_perm("claims.publish_claim"):
            form.base_fields.pop("period_note", None)  # a reviewer's note only
        return form

    def save_model(self, request: HttpRequest, obj: ClaimLink, form, change: bool) -> None:
        if not change:
            obj.created_by = editor(request)
        super().save_model(request, obj, form, change)
        if "period_note" in form.changed_data:
            services.confirm_link_periods(
                link=obj, note=form.cleaned_data["period_note"], user=editor(request)
            )
        # Both ends list the link (and the ends it had before, if it was re-pointed).
        services.claims_changed(
            claim_ids=[obj.from_claim_id, obj.to_claim_id]
            + [form.initial[end] for end in ("from_claim", "to_claim") if form.initial.get(end)]
        )

    def delete_model(self, request: HttpRequest, obj: ClaimLink) -> None:
        super().delete_model(request, obj)
        services.claims_changed(claim_ids=[obj.from_claim_id, obj.to_claim_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        ends = [
            end for pair in queryset.values_list("from_claim_id", "to_claim_id") for end in pair
        ]
        super().delete_queryset(request, queryset)
        services.claims_changed(claim_ids=ends)
