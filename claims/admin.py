from __future__ import annotations

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from simple_history.admin import SimpleHistoryAdmin

from claims.exports import citations_response
from claims.forms import ClaimLinkForm, QuoteForm
from claims.models import Claim, ClaimLink, Entity, Quote, Source, Topic
from claims.rendering import Mark, highlight

ADMIN_MARK = '<mark title="{title}"><a href="{url}">{text}</a></mark>'

# Written by import_seeds only: the admin shows them, never edits them.
SEED_FIELDS = ["seed_file", "seed_start", "seed_end", "text_sha256", "created_at", "updated_at"]


@admin.register(Topic)
class TopicAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "description", "claim_count"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(claim_count=Count("claims"))

    @admin.display(ordering="claim_count", description="claims")
    def claim_count(self, obj: Topic) -> int:
        return obj.claim_count


@admin.register(Entity)
class EntityAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "author",
        "outlet",
        "published_display",
        "kind",
        "seed_file",
        "public_page",
    ]
    list_filter = ["kind", "outlet", "seed_file"]
    search_fields = ["title", "author", "outlet", "slug"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = [*SEED_FIELDS, "citing_claims", "highlighted_text"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "author", "outlet", "url", "kind", "language"]}),
        ("Date", {"fields": ["published", "published_precision", "published_basis"]}),
        ("Claims citing this source", {"fields": ["citing_claims"]}),
        ("Text with quoted spans highlighted", {"fields": ["highlighted_text"]}),
        (
            "Seed",
            {
                "classes": ["collapse"],
                "fields": SEED_FIELDS,
            },
        ),
    ]

    @admin.display(description="public page")
    def public_page(self, obj: Source) -> SafeString:
        return format_html('<a href="{}">view</a>', obj.get_absolute_url())

    @admin.display(description="published", ordering="published")
    def published_display(self, obj: Source) -> str:
        return obj.published_display or "—"

    @admin.display(description="Claims")
    def citing_claims(self, obj: Source) -> SafeString:
        claims = Claim.objects.filter(quotes__source=obj).distinct().order_by("pk")
        rows = (
            (reverse("admin:claims_claim_change", args=[c.pk]), c.pk, c.get_status_display(), c)
            for c in claims
        )
        html = format_html_join("", '<li><a href="{}">#{}</a> ({}) {}</li>', rows)
        return format_html("<ul>{}</ul>", html) if html else "No claims cite this source yet."

    @admin.display(description="Text")
    def highlighted_text(self, obj: Source) -> SafeString:
        marks = [
            Mark(
                q.start,
                q.end,
                reverse("admin:claims_claim_change", args=[q.claim_id]),
                f"claim #{q.claim_id}",
                f"q{q.pk}",
            )
            for q in obj.quotes.all()
        ]
        return format_html(
            '<div style="white-space: pre-wrap; max-width: 60em">{}</div>',
            highlight(obj.text, marks, template=ADMIN_MARK),
        )


class QuoteInline(admin.StackedInline):
    model = Quote
    form = QuoteForm
    extra = 0
    autocomplete_fields = ["source"]
    readonly_fields = ["start", "end", "locator"]
    fields = [("source", "locator", "start", "end"), "exact", ("context_before", "context_after")]


class ClaimLinkInline(admin.TabularInline):
    model = ClaimLink
    form = ClaimLinkForm
    fk_name = "from_claim"
    extra = 0
    autocomplete_fields = ["to_claim"]
    verbose_name = "link to another claim"
    verbose_name_plural = "links to other claims"


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
class ClaimAdmin(SimpleHistoryAdmin):
    inlines = [QuoteInline, ClaimLinkInline]
    list_display = [
        "id",
        "short_statement",
        "status",
        "event_date",
        "quote_count",
        "link_count",
        "updated_by",
        "public_page",
    ]
    list_display_links = ["id", "short_statement"]
    list_filter = [
        "status",
        "topics",
        ("quotes__source", admin.RelatedOnlyFieldListFilter),
        RelationFilter,
    ]
    list_select_related = ["updated_by"]
    search_fields = ["statement", "quotes__exact", "note"]
    date_hierarchy = "event_date"
    autocomplete_fields = ["topics", "entities"]
    readonly_fields = [
        "status",
        "incoming_links",
        "created_by",
        "updated_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["statement", "status"]}),
        (
            "When and how much",
            {"fields": [("event_date", "event_date_precision"), ("value", "unit")]},
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
    actions = ["send_to_review", "publish", "retract", "export_citations"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_counts()

    @admin.display(description="statement", ordering="statement")
    def short_statement(self, obj: Claim) -> str:
        return obj.statement if len(obj.statement) <= 110 else obj.statement[:107] + "…"

    @admin.display(description="public page")
    def public_page(self, obj: Claim) -> SafeString | str:
        if obj.status in (Claim.Status.PUBLISHED, Claim.Status.RETRACTED):
            return format_html('<a href="{}">view</a>', obj.get_absolute_url())
        return "not public"

    @admin.display(description="quotes", ordering="quote_count")
    def quote_count(self, obj: Claim) -> int:
        return obj.quote_count

    @admin.display(description="links", ordering="link_count")
    def link_count(self, obj: Claim) -> int:
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

    def save_model(self, request: HttpRequest, obj: Claim, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        Claim.objects.filter(pk=form.instance.pk).refresh_search_text()

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        for instance in formset.save(commit=False):
            if isinstance(instance, ClaimLink) and instance.created_by_id is None:
                instance.created_by = request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    def has_delete_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        # Public claims are retracted, never deleted: their URLs are cited.
        if obj is not None and obj.status in (Claim.Status.PUBLISHED, Claim.Status.RETRACTED):
            return False
        return super().has_delete_permission(request, obj)

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("claims.publish_claim")

    def has_retract_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("claims.retract_claim")

    @admin.action(description="Send selected claims to review", permissions=["change"])
    def send_to_review(self, request: HttpRequest, queryset: QuerySet) -> None:
        drafts = queryset.filter(status=Claim.Status.DRAFT)
        changed = Claim.objects.filter(pk__in=drafts).set_status(Claim.Status.REVIEW, request.user)
        self.message_user(request, f"{changed} claim(s) sent to review.", messages.SUCCESS)

    @admin.action(description="Publish selected claims", permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        ready = queryset.filter(quotes__isnull=False, topics__isnull=False).distinct()
        skipped = queryset.exclude(pk__in=ready).count()
        changed = Claim.objects.filter(pk__in=ready).set_status(
            Claim.Status.PUBLISHED, request.user
        )
        self.message_user(request, f"{changed} claim(s) published.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} claim(s) not published: a claim needs a quote and a topic first.",
                messages.WARNING,
            )

    @admin.action(description="Export citations (CSV)", permissions=["view"])
    def export_citations(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return citations_response(
            Claim.objects.filter(pk__in=queryset.values("pk")),
            base_url=request.build_absolute_uri("/").rstrip("/"),
            now=timezone.now(),
            bom=False,
            public=False,
        )

    @admin.action(description="Retract selected claims", permissions=["retract"])
    def retract(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = Claim.objects.filter(pk__in=queryset).set_status(
            Claim.Status.RETRACTED, request.user
        )
        self.message_user(request, f"{changed} claim(s) retracted.", messages.SUCCESS)


@admin.register(Quote)
class QuoteAdmin(SimpleHistoryAdmin):
    form = QuoteForm
    list_display = ["id", "short_exact", "claim", "source", "locator", "start", "end"]
    list_filter = [("source", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["claim", "source"]
    search_fields = ["exact", "claim__statement", "source__title"]
    autocomplete_fields = ["claim", "source"]
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
    ]

    def save_model(self, request: HttpRequest, obj: Quote, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        claims = {obj.claim_id, *([form.initial["claim"]] if form.initial.get("claim") else [])}
        Claim.objects.filter(pk__in=claims).refresh_search_text()

    def delete_model(self, request: HttpRequest, obj: Quote) -> None:
        super().delete_model(request, obj)
        Claim.objects.filter(pk=obj.claim_id).refresh_search_text()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        claims = list(queryset.values_list("claim_id", flat=True))
        super().delete_queryset(request, queryset)
        Claim.objects.filter(pk__in=claims).refresh_search_text()

    @admin.display(description="passage")
    def short_exact(self, obj: Quote) -> str:
        return obj.exact if len(obj.exact) <= 90 else obj.exact[:87] + "…"


@admin.register(ClaimLink)
class ClaimLinkAdmin(SimpleHistoryAdmin):
    list_display = ["id", "from_claim", "relation", "to_claim", "rationale"]
    list_filter = ["relation"]
    list_select_related = ["from_claim", "to_claim"]
    search_fields = ["rationale", "from_claim__statement", "to_claim__statement"]
    autocomplete_fields = ["from_claim", "to_claim"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def save_model(self, request: HttpRequest, obj: ClaimLink, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
