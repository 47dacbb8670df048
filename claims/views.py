from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from django.core.cache import cache
from django.db.models import Count, F, Min, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    QueryDict,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import content_disposition_header
from django.views.generic import DetailView, ListView, TemplateView, View
from django_filters.views import FilterView

from claims import anchoring, exports, opendata, paragraphs, references, snippets, timeline
from claims.choices import LinkRelation
from claims.counts import (
    TTL,
    CachedCountPaginator,
    Facets,
    cached_count,
    cached_pks,
    facet_rows,
    page_key,
)
from claims.facets import claim_facets
from claims.filters import ClaimFilter, ContradictionFilter, ListFilterSet, tidy_query_url
from claims.models import (
    Attribution,
    Claim,
    ClaimLink,
    ClaimVersion,
    Entity,
    RegistryState,
    Source,
    Topic,
    period_display,
)
from claims.rendering import (
    Mark,
    linked_source_citation,
    numbered_text,
    source_citation,
)

if TYPE_CHECKING:
    from claims.models import ClaimQuerySet

# An archived original served for download: nothing in it may run, load or be framed.
ORIGINAL_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'; form-action 'none'"


class PageSizeMixin:
    """Page size from the FilterSet's options (`?per_page=`, capped; bad values fall back)."""

    filterset: ListFilterSet

    def get_paginate_by(self, queryset: QuerySet) -> int:
        return self.filterset.options.page_size


class CleanQueryMixin(View):
    """Send a query string with blank parameters on to the same one without them.

    A submitted form sends every field, filled or not; the address a reader then
    copies and shares should carry only the filters in use.
    """

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if request.method in ("GET", "HEAD") and (
            tidy := tidy_query_url(request.path, request.GET)
        ):
            return HttpResponseRedirect(tidy)
        return super().dispatch(request, *args, **kwargs)


class RegistryCachedPage(View):
    """Serve the page from the cache while the registry is unchanged.

    A public page depends only on its URL and the registry, and every change to
    the registry moves its generation on (claims.signals), so a page cached
    under the generation is never stale. Used for pages read far more often
    than the registry changes: the overview, one claim, the sources and one
    source, the contradictions and the timeline (the claim lists, with their
    many filter combinations, cache their counts and facets instead). A claim
    page took 10 ms to build at 100,000 claims, most of it templates; served
    from the cache it takes one query.
    """

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        self.generation = RegistryState.current()  # read once: the page's counts use it too
        key = page_key(request.build_absolute_uri(), self.generation + self.cache_variant())
        if (cached := cache.get(key)) is not None:
            content, content_type = cached
            return HttpResponse(content, content_type=content_type)
        response = super().dispatch(request, *args, **kwargs)
        # Not a 404, a redirect or a streamed download.
        if response.status_code == 200 and isinstance(response, HttpResponse):
            if hasattr(response, "render"):  # a template's; a feed or JSON is already rendered
                response.render()
            cache.set(key, (response.content, response["Content-Type"]), TTL)
        return response

    def cache_variant(self) -> str:
        """What else the page depends on besides its URL and the registry (nothing here)."""
        return ""


class CitablePage(RegistryCachedPage):
    """A page with a "Cite this claim" box: its access date is today's, so the cached
    page is kept for one day at most."""

    def cache_variant(self) -> str:
        return f":{timezone.localdate().isoformat()}"

    def cite_context(
        self,
        *,
        claim_id: int,
        statement: str,
        version: ClaimVersion | None,
        retracted: bool,
    ) -> dict:
        """The cite box: the version's URL and dates, and the citation in each format."""
        page = (
            version.get_absolute_url()
            if version
            else reverse("claims:claim-detail", args=[claim_id])
        )
        ref = references.ClaimReference(
            claim_id=claim_id,
            statement=statement,
            url=self.request.build_absolute_uri(page),
            version=version.number if version else None,
            published=timezone.localdate(version.published_at) if version else None,
            accessed=timezone.localdate(),
            retracted=retracted,
        )
        text = references.claim_text(ref)
        return {
            "reference": ref,
            # (id, label, text, rows, wraps): the plain text wraps, the code formats keep
            # their lines and scroll inside their box on a narrow screen.
            "cite_formats": [
                ("cite-text", "Plain text", text, 2 + len(text) // 90, True),
                *(
                    (key, label, code, code.count("\n") + 1, False)
                    for key, label, code in (
                        ("cite-bibtex", "BibTeX", references.claim_bibtex(ref)),
                        (
                            "cite-csl",
                            "CSL-JSON (Zotero, Mendeley)",
                            references.claim_csl_json(ref),
                        ),
                    )
                ),
            ],
        }


class OverviewView(RegistryCachedPage, TemplateView):
    """Counts, topics, the newest and the most contested claims."""

    template_name = "claims/overview.html"

    @staticmethod
    def most_contested(published: ClaimQuerySet, generation: str) -> list:
        """The six most contested claims; which six is cached (counting links for every
        claim took 100 ms at 100,000 claims), their rows are read fresh."""
        pks = cached_pks(published.most_contested(), generation=generation, limit=6)
        rows = {claim.pk: claim for claim in published.filter(pk__in=pks).for_list()}
        return [rows[pk] for pk in pks if pk in rows]

    def get_context_data(self, **kwargs) -> dict:
        published = Claim.objects.published()
        generation = self.generation
        return super().get_context_data(
            claim_count=published.count(),
            source_count=Source.objects.public().count(),
            contradiction_count=ClaimLink.objects.public()
            .for_relation(ClaimLink.Relation.CONTRADICTS)
            .count(),
            # Topics with their published claims: the claim list's facet, cached alike.
            topics=facet_rows(Topic, published, generation=generation),
            newest=published.for_list().order_by(
                F("event_date").desc(nulls_last=True), "-created_at", "-pk"
            )[:6],
            contested=self.most_contested(published, generation),
            **kwargs,
        )


class ClaimListView(CleanQueryMixin, PageSizeMixin, FilterView):
    """Published claims, filtered by the URL, with facet counts."""

    filterset_class = ClaimFilter
    queryset = Claim.objects.published().for_list()
    template_name = "claims/claim_list.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Read once: the cached counts of this page all belong to this generation.
        self.generation = RegistryState.current()
        return super().get(request, *args, **kwargs)

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return CachedCountPaginator(
            queryset, per_page, orphans, allow_empty_first_page, generation=self.generation
        )

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        generation = self.generation
        state = self.filterset.query_state()
        context["query_state"] = state
        # Built when the template draws them: the facets are a cached fragment, and their
        # dozens of toggle URLs cost a few milliseconds a page.
        matching, filterset = self.object_list, self.filterset
        context["facets"] = SimpleLazyObject(
            lambda: claim_facets(filterset, Facets(matching, generation=generation), state)
        )
        context["object_list"] = self.with_excerpts(context["object_list"])
        context["generation"] = generation  # the key of the cached form and facets
        context["chips"] = self.filterset.chips()
        context["result_description"] = self.filterset.description()
        return context

    @staticmethod
    def with_excerpts(claims) -> list[Claim]:
        """The page's claims; in a search, each with its statement's matches marked
        and an excerpt of the first quote that matched (from the prefetched quotes)."""
        claims = list(claims)
        for claim in claims:
            if not getattr(claim, "snippet", ""):
                continue
            claim.statement_marked = snippets.mark(
                claim.statement, snippets.marked_words(claim.snippet)
            )
            quotes = list(claim.quotes.all())
            if found := snippets.quote_excerpt(claim.snippet, [q.exact for q in quotes]):
                claim.excerpt_quote, claim.excerpt = quotes[found[0]], found[1]
        return claims


Tag = TypeVar("Tag", Topic, Entity)


class TaggedClaimListView(ClaimListView, Generic[Tag]):
    """A topic's or an entity's description, then its claims; unknown or unused slugs are 404.

    The tag goes into the list's FilterSet as the filter of the same name (`fixed`), so
    the page lists what `/claims/?topic=<slug>` lists and its facet shows it chosen.
    """

    tag_model: type[Tag]
    tag: Tag
    tag_name: str  # the ClaimFilter parameter, and the tag's name in the context

    def get_filterset_kwargs(self, filterset_class: type[ClaimFilter]) -> dict:
        # Only a tag a published claim uses has a page: drafts' topics stay private.
        self.tag = get_object_or_404(self.tag_model.objects.public(), slug=self.kwargs["slug"])
        return {**super().get_filterset_kwargs(filterset_class), "fixed": {self.tag_name: self.tag}}

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(**{self.tag_name: self.tag}, **kwargs)


class TopicClaimListView(TaggedClaimListView[Topic]):
    tag_model = Topic
    tag_name = "topic"
    template_name = "claims/topic_detail.html"


class EntityClaimListView(TaggedClaimListView[Entity]):
    tag_model = Entity
    tag_name = "entity"
    template_name = "claims/entity_detail.html"

    def get_context_data(self, **kwargs) -> dict:
        # Who it is the claimant of, apart from the claims that name it (counted once a
        # generation: 20 ms for an entity on a fifth of 100,000 claims).
        asserted = cached_count(
            Claim.objects.published().filter(claimants=self.tag), generation=self.generation
        )
        # And where claims are set (a place may be named by none of them).
        placed = cached_count(
            Claim.objects.published().filter(place=self.tag), generation=self.generation
        )
        return super().get_context_data(asserted_count=asserted, placed_count=placed, **kwargs)


class ClaimDetailView(CitablePage, DetailView):
    """A published claim, or a retracted one with a notice; others are 404."""

    queryset = Claim.objects.visible().with_evidence(source_text=True).with_published_at()
    template_name = "claims/claim_detail.html"

    def get_context_data(self, **kwargs) -> dict:
        claim = self.object
        quotes = claim.appearances()
        for quote in quotes:
            quote.before, quote.after = anchoring.sentence_context(
                quote.source.text, quote.start, quote.end
            )
            # "para. N" links to that paragraph of the source page.
            quote.citation = linked_source_citation(quote.source, quote.locator)
        links = ClaimLink.objects.public().touching([claim]).with_sides().order_by("relation", "pk")
        groups: dict[str, list] = defaultdict(list)
        for link in links:
            outgoing = link.from_claim_id == claim.pk
            forward = outgoing or link.is_symmetric
            relation = ClaimLink.Relation(link.relation)
            label = relation.forward if forward else relation.inverse
            link.other = link.to_claim if outgoing else link.from_claim
            groups[label].append(link)
        permalink = self.request.build_absolute_uri(claim.get_absolute_url())
        dated = [q for q in quotes if q.source.published is not None]
        first_appearance = dated[0] if dated else None
        all_dated = len(dated) == len(quotes)
        # A claim loaded in bulk may have no version yet: it is then cited by its page.
        history = list(claim.public_versions.without_content().order_by("number"))
        current = history[-1] if history else None
        return super().get_context_data(
            quotes=quotes,
            # Undated sources come last, so the first is only known to be the earliest
            # appearance when every source is dated.
            first_appearance=first_appearance,
            all_dated=all_dated,
            linked_data=opendata.claim_linked_data(
                claim,
                request=self.request,
                quotes=quotes,
                first_appearance=first_appearance,
                all_dated=all_dated,
            ),
            reported_in=list({q.source_id: q.source for q in quotes}.values()),
            link_groups=sorted(groups.items()),
            permalink=permalink,
            history=history,
            current=current,
            **self.cite_context(
                claim_id=claim.pk,
                statement=claim.statement,
                version=current,
                retracted=claim.is_retracted,
            ),
            **kwargs,
        )


@dataclass(frozen=True)
class SnapshotSource:
    """A source as a claim version's snapshot recorded it (versions.py), to cite it."""

    author: str
    title: str
    outlet: str
    published_display: str  # the snapshot keeps the date as it was shown
    url: str

    @classmethod
    def of(cls, snapshot: dict) -> SnapshotSource:
        return cls(
            author=snapshot["author"],
            title=snapshot["title"],
            outlet=snapshot["outlet"],
            published_display=snapshot["published"],
            url=snapshot["url"],
        )


class ClaimVersionView(CitablePage, TemplateView):
    """One numbered version of a public claim, as it was published: read from its snapshot,
    so later edits never change it. Unknown versions and non-public claims are 404."""

    template_name = "claims/claim_version.html"

    def get_context_data(self, **kwargs) -> dict:
        pk, number = self.kwargs["pk"], self.kwargs["number"]
        versions = list(
            ClaimVersion.objects.of_public_claims().filter(claim_id=pk).without_content()
        )
        version = next((v for v in versions if v.number == number), None)
        if version is None:
            raise Http404("This claim has no public version with that number.")
        content = ClaimVersion.objects.get(pk=version.pk).content
        groups: dict[str, list] = defaultdict(list)
        for link in content["links"]:
            forward = link["direction"] in ("outgoing", "symmetric")
            relation = ClaimLink.Relation(link["relation"])
            groups[relation.forward if forward else relation.inverse].append(link)
        quotes = [
            {
                **quote,
                "citation": source_citation(SnapshotSource.of(quote["source"]), quote["locator"]),
            }
            for quote in content["quotes"]
        ]
        sources = {q["source"]["slug"]: q["source"] for q in content["quotes"]}
        return super().get_context_data(
            claim_id=pk,
            version=version,
            Role=Attribution.Role,  # the snapshot's claimants name their role by its value
            content=content,
            as_of=period_display(content["as_of_start"], content["as_of_end"]),
            quotes=quotes,
            reported_in=list(sources.values()),
            link_groups=sorted(groups.items()),
            history=versions,
            current=versions[-1],
            is_current=version is versions[-1],
            claim_url=reverse("claims:claim-detail", args=[pk]),
            permalink=self.request.build_absolute_uri(reverse("claims:claim-detail", args=[pk])),
            **self.cite_context(
                claim_id=pk,
                statement=content["statement"],
                version=version,
                retracted=version.is_retracted,
            ),
            **kwargs,
        )


class SourceListView(RegistryCachedPage, ListView):
    """Every public source with its number of published claims, a hundred a page."""

    paginate_by = 100

    queryset = (
        Source.objects.public().for_listing().with_published_claim_counts().in_reading_order()
    )
    template_name = "claims/source_list.html"


class SourceDetailView(RegistryCachedPage, DetailView):
    """The reading view: metadata, the text in numbered paragraphs with published quotes
    marked, its claims, where other sources disagree, and where the text came from."""

    queryset = Source.objects.public().with_origin()
    template_name = "claims/source_detail.html"

    def get_context_data(self, **kwargs) -> dict:
        source = self.object
        quotes = list(
            source.quotes.published()
            .select_related("claim")
            .defer("claim__search_text")
            .order_by("start")
        )
        marks = [
            Mark(q.start, q.end, q.claim.get_absolute_url(), q.claim.statement, f"q{q.pk}")
            for q in quotes
        ]
        # Where each claim is quoted: the paragraph numbers its citations give.
        cited_in: dict[int, list[int]] = defaultdict(list)
        for quote in quotes:
            if quote.locator not in cited_in[quote.claim_id]:
                cited_in[quote.claim_id].append(quote.locator)
        claims = Claim.objects.published().filter(pk__in=cited_in.keys()).for_list()
        # In the order of the text: by where each is first quoted (`cited_in` is in that order).
        position = {pk: n for n, pk in enumerate(cited_in)}
        in_order = sorted(claims, key=lambda claim: position[claim.pk])
        for claim in in_order:
            claim.paragraphs_here = [
                (number, source.paragraph_url(number)) for number in cited_in[claim.pk]
            ]
        contradictions = (
            ClaimLink.objects.public()
            .for_relation(ClaimLink.Relation.CONTRADICTS)
            .touching(Claim.objects.for_source(source.slug))
            .with_sides()
        )
        by_source: dict[Source, list] = defaultdict(list)
        for link in contradictions:
            mine = {q.source_id for q in link.from_claim.quotes.all()}
            link.here, link.other = (
                (link.from_claim, link.to_claim)
                if source.pk in mine
                else (link.to_claim, link.from_claim)
            )
            for other_source in {q.source for q in link.other.quotes.all()} - {source}:
                by_source[other_source].append(link)
        disagreements = sorted(by_source.items(), key=lambda item: item[0].title)
        return super().get_context_data(
            text_html=numbered_text(source.text, marks),
            paragraph_count=len(paragraphs.split(source.text)),
            quote_count=len(quotes),
            claims=in_order,
            disagreements=disagreements,
            disagreement_count=len({link.pk for _, links in disagreements for link in links}),
            citation=source_citation(source),
            **kwargs,
        )


class SourceOriginalView(View):
    """The archived original of a public source, byte for byte, as a download, where the
    source's licence lets the registry pass it on (`Source.share_original`); else 404.

    Never shown as a page of this site: an archived HTML page (or an SVG, or a PDF with
    scripts) must not run as our origin, so it is an attachment, its type is not to be
    sniffed, and the strictest sandbox applies if a browser renders it anyway.
    """

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        source = get_object_or_404(
            Source.objects.public().sharing_original().select_related("original"), slug=slug
        )
        original = source.original
        if original is None:  # sharing_original() asks for one; a race may still remove it
            raise Http404("No original is archived for this source.")
        response = HttpResponse(bytes(original.content), content_type=original.content_type)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=source.original_filename
        )
        response["X-Content-Type-Options"] = "nosniff"
        # Set here, so the site-wide policy middleware leaves it as it is.
        response["Content-Security-Policy"] = ORIGINAL_POLICY
        return response


class LinkGuideView(TemplateView):
    """How to read the links: what each relation means (ClaimLink.DEFINITIONS)."""

    template_name = "claims/link_guide.html"

    def get_context_data(self, **kwargs) -> dict:
        relations = [
            (relation, definition, relation.inverse)
            for relation, definition in ClaimLink.DEFINITIONS.items()
        ]
        return super().get_context_data(relations=relations, **kwargs)


class ContradictionListView(RegistryCachedPage, PageSizeMixin, FilterView):
    """Every contradicts link as a side-by-side pair."""

    filterset_class = ContradictionFilter
    queryset = ClaimLink.objects.public().for_relation(ClaimLink.Relation.CONTRADICTS).with_sides()
    template_name = "claims/contradiction_list.html"

    def get_context_data(self, **kwargs) -> dict:
        # The downloads export the claims of these links: the claim filters and the relation.
        state = self.filterset.query_state(relation=LinkRelation.CONTRADICTS)
        return super().get_context_data(query_state=state, **kwargs)


class TimelineView(CleanQueryMixin, RegistryCachedPage, FilterView):
    """Published claims on a time axis (two server-rendered SVGs), with the list's filters.

    A claim is drawn in the lane of each of its topics, so a lane counts what the
    claim list counts for the same filters, that topic and a date.
    """

    filterset_class = ClaimFilter
    queryset = Claim.objects.published().prefetch_related("topics")
    template_name = "claims/timeline.html"
    # The axis orders the claims by date whatever the sort says: no Sort control here.
    omit_fields = ("sort",)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(omit_fields=self.omit_fields, **kwargs)
        # FilterView leaves object_list empty when the filters are invalid.
        matching = self.object_list
        dated = matching.dated()
        claims = list(dated[: timeline.MAX_POINTS])  # the newest: the filters sort them
        summary = matching.order_by().aggregate(
            total=Count("pk"), dated=Count("event_date"), first=Min("event_date")
        )
        truncated = summary["dated"] > len(claims)
        ids = [c.pk for c in claims]
        links = (
            ClaimLink.objects.public()
            .for_relation(ClaimLink.Relation.CONTRADICTS)
            .filter(from_claim__in=ids, to_claim__in=ids)
        )
        topics = [(t.slug, t.name) for t in Topic.objects.public()]
        date_from = self.dated_from(summary["first"])
        points = [
            timeline.Point(
                id=c.pk,
                date=c.event_date,
                precision=c.event_date_precision,
                label=c.statement,
                topics=tuple(t.slug for t in c.topics.all()),
                url=c.get_absolute_url(),
            )
            for c in claims
        ]
        edges = [timeline.Edge(link.from_claim_id, link.to_claim_id) for link in links]
        totals = self.lane_totals(dated) if truncated else None
        urls = self.lane_urls([slug for slug, _ in topics], date_from)
        context.update(
            wide=timeline.layout(points, edges, topics, totals=totals, urls=urls),
            tall=timeline.layout_tall(points, edges, topics, totals=totals, urls=urls),
            # The downloads export the dated claims the chart draws.
            query_state=self.filterset.query_state(date_from=date_from),
            timeline_claims=sorted(claims, key=lambda c: (c.event_date, c.pk)),
            matching_count=summary["total"],
            dated_count=summary["dated"],
            undated_count=summary["total"] - summary["dated"],
            truncated=truncated,
            max_points=timeline.MAX_POINTS,
            dated_from=date_from,
        )
        return context

    def dated_from(self, first: dt.date | None) -> str:
        """A `date_from` that keeps the claim list to dated claims ("" if a date filter does).

        The year of the earliest matching date: every dated claim is on or after it.
        """
        bound = self.filterset.is_bound
        cleaned = getattr(self.filterset.form, "cleaned_data", {}) if bound else {}
        if first is None or cleaned.get("date_from") or cleaned.get("date_to"):
            return ""
        return f"{first.year:04d}"

    def lane_urls(self, slugs: list[str], date_from: str) -> dict[str, str]:
        """Each topic's link to the claim list: these filters, that topic, dated claims."""
        params = QueryDict(mutable=True)
        for key, values in self.filterset.data.lists():
            if key not in ("page", "per_page"):
                params.setlist(key, values)
        if date_from:
            params["date_from"] = date_from
        base = reverse("claims:claim-list")
        urls = {}
        for slug in slugs:
            query = params.copy()
            if slug not in query.getlist("topic"):
                query.appendlist("topic", slug)
            urls[slug] = f"{base}?{query.urlencode()}"
        return urls

    def lane_totals(self, dated: QuerySet) -> dict[str, int]:
        """Matching dated claims per topic slug ("" for untagged): only needed when the
        timeline draws fewer claims than match, and cached like the list's facets."""
        totals = {
            row.slug: row.claim_count
            for row in Facets(dated, generation=self.generation).rows(Topic)
        }
        totals[timeline.UNTAGGED] = cached_count(
            dated.filter(topics__isnull=True), generation=self.generation
        )
        return totals


class FilteredExportView(FilterView):
    """Run the claim filters of the URL; bad filters are a 400 that names them."""

    filterset_class = ClaimFilter
    queryset = Claim.objects.published()

    def filtered_claims(self) -> QuerySet | HttpResponse:
        self.filterset = filterset = self.get_filterset(self.get_filterset_class())
        if filterset.is_bound and not filterset.is_valid():
            problems = "; ".join(
                f"{field}: {' '.join(errors)}" for field, errors in filterset.errors.items()
            )
            return HttpResponseBadRequest(
                f"Invalid filters: {problems}\n", content_type="text/plain; charset=utf-8"
            )
        return filterset.qs

    def base_url(self) -> str:
        return self.request.build_absolute_uri("/").rstrip("/")


class CitationExportView(FilteredExportView):
    """The citations (one row per quote) behind the claim list's filters, as streamed CSV."""

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        claims = self.filtered_claims()
        if isinstance(claims, HttpResponse):
            return claims
        return exports.citations_response(
            claims,
            base_url=self.base_url(),
            now=timezone.now(),
            bom=self.filterset.options.wants_bom,
        )


class SourceReferenceExportView(FilteredExportView):
    """The sources behind the claim list's filters as RIS, BibTeX or CSL-JSON."""

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        claims = self.filtered_claims()
        if isinstance(claims, HttpResponse):
            return claims
        chosen = references.REFERENCE_FORMATS[self.kwargs["format"]]
        sources = Source.objects.behind(claims).in_reading_order().for_references()
        response = HttpResponse(
            chosen.render(sources, self.base_url()),
            content_type=f"{chosen.content_type}; charset=utf-8",
        )
        name = f"factreg-sources-{timezone.now().date().isoformat()}.{chosen.key}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
