"""The claim filters: one FilterSet serves the HTML list, the exports and the API."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

import django_filters
import django_filters.fields
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Model, QuerySet
from django.forms.models import ModelChoiceIterator
from django.http import QueryDict
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe

from claims import references
from claims.choices import DatePrecision
from claims.models import Claim, ClaimLink, Entity, Source, Topic

if TYPE_CHECKING:
    from claims.models import ClaimLinkQuerySet, ClaimQuerySet

MAX_QUERY_LENGTH = 200
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def parse_partial_date(value: str, *, end: bool) -> dt.date:
    """`2022`, `2022-02` or `2022-02-24` as the first (or, with `end`, last) day it covers."""
    match = _PARTIAL_DATE.fullmatch(value.strip())
    if not match:
        raise ValidationError(
            "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2022 or 2022-02.",
            code="invalid",
        )
    year = int(match.group(1))  # the pattern requires it
    month, day = (int(part) if part else None for part in match.groups()[1:])
    try:
        if month is None:
            return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
        if day is None:
            last = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0
            return dt.date(year, month, last if end else 1)
        return dt.date(year, month, day)
    except ValueError:
        raise ValidationError(f"{value} is not a real date.", code="invalid") from None


def parse_dated(value: str, *, end: bool = False) -> tuple[dt.date | None, str]:
    """`2022`, `2022-02` or `2022-02-24` as (first day, precision); blank is (None, unknown).

    With `end`, the last day it covers: the end of a period.
    """
    value = value.strip()
    if not value:
        return None, DatePrecision.UNKNOWN
    date = parse_partial_date(value, end=end)
    # parse_partial_date accepted it, so the number of dashes says how precise it is.
    return date, (DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY)[value.count("-")]


class PartialDateField(forms.CharField):
    """A form field that accepts a year, a month or a day."""

    def __init__(self, *, end: bool = False, **kwargs) -> None:
        self.end = end
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)

    def clean(self, value: str) -> dt.date | None:
        value = super().clean(value)
        return parse_partial_date(value, end=self.end) if value else None


class PartialDateFilter(django_filters.Filter):
    field_class = PartialDateField


class SlugMultipleChoiceField(django_filters.fields.ModelMultipleChoiceField):
    """Ignores empty values such as `?topic=` from hand-edited URLs."""

    def clean(self, value):
        return super().clean([v for v in value or [] if v not in ("", None)])


class SlugMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Several slugs, all of which must apply (each click on a facet narrows)."""

    field_class = SlugMultipleChoiceField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("conjoined", True)
        # Each slug joins one row per claim (a claim has a topic once), so no
        # duplicates arise; DISTINCT over every column cost most of the list's time.
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)

    def get_filter_predicate(self, v) -> dict:
        # By the row itself (its id), not its slug: PostgreSQL then estimates the
        # tag's share from the link table's statistics and walks the list's index
        # (1 ms instead of 100 ms for an entity on a quarter of the claims).
        return {self.field_name: v}


CHOOSE_SEVERAL = "Ctrl- or ⌘-click to choose several; claims must have all of them."

SORTS = {
    "newest": [F("event_date").desc(nulls_last=True), "-pk"],
    "oldest": [F("event_date").asc(nulls_last=True), "pk"],
    "relevance": ["-rank", F("event_date").desc(nulls_last=True), "-pk"],
}


def _few_rows(widget: forms.Select, limit: int) -> tuple[list[Model] | None, Any, str]:
    """The rows a model choice field's <select> would offer, and the field; past `limit`
    rows, None and the model's name, for a box that takes a slug instead."""
    choices = cast(ModelChoiceIterator, widget.choices)  # a model choice field's
    queryset = choices.queryset
    rows = list(queryset[: limit + 1])
    if len(rows) > limit:
        return None, choices.field, str(queryset.model._meta.verbose_name)
    return rows, choices.field, ""


class CompactSelect(forms.Select):
    """A <select> of a model's rows while they are few; past `limit`, a box for the slug.

    With 2,000 sources the <select> was 278 KB of every 311 KB list page and took
    90 ms to render; one query serves either form.
    """

    limit = 100

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        rows, field, noun = _few_rows(self, self.limit)
        if rows is None:
            box = forms.TextInput(attrs={**self.attrs, "placeholder": f"a {noun}'s slug"})
            return box.render(name, value, attrs, renderer)
        self.choices = [("", field.empty_label or "")] + [
            (field.prepare_value(row), field.label_from_instance(row)) for row in rows
        ]
        return super().render(name, value, attrs, renderer)


class CompactSelectMultiple(forms.SelectMultiple):
    """A multiple <select> of a model's rows while they are few (no script needed).

    Past `limit`, the chosen rows ride along as hidden fields (each has a chip to
    remove it) and a box takes one more slug: a 2,000-option list helps no one.
    """

    limit = 200

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        rows, field, noun = _few_rows(self, self.limit)
        if rows is None:
            chosen = [v for v in self.format_value(value) if v]
            hidden = "".join(
                forms.HiddenInput().render(name, slug, None, renderer) for slug in chosen
            )
            # `size` counts the rows of a <select>; a text box would read it as its width.
            own = {k: v for k, v in self.attrs.items() if k != "size"}
            box = forms.TextInput(attrs={**own, "placeholder": f"add a {noun}'s slug"})
            return mark_safe(hidden + box.render(name, "", attrs, renderer))
        self.choices = [(field.prepare_value(row), field.label_from_instance(row)) for row in rows]
        return super().render(name, value, attrs, renderer)


class ListOptions(forms.Form):
    """What a list's query string says besides its filters: the page, the page size, the
    facets' length and Excel's byte order mark. Read with the filters, by their FilterSet.

    Never invalid: a hand-edited or stale value falls back to the default, so the fields
    take the raw text (no validators) and the properties below read it.
    """

    page = forms.Field(required=False)
    per_page = forms.Field(required=False)
    facet_size = forms.Field(required=False)
    bom = forms.Field(required=False)

    def _raw(self, name: str) -> str:
        return str(self[name].value() or "")

    @property
    def page_number(self) -> str:
        """The page asked for, as typed: the paginator checks it (a bad one is a 404)."""
        return self._raw("page") or "1"

    @property
    def page_size(self) -> int:
        """`?per_page=`, between 1 and MAX_PAGE_SIZE; the default when it is not a number."""
        try:
            size = int(self._raw("per_page") or DEFAULT_PAGE_SIZE)
        except ValueError:
            return DEFAULT_PAGE_SIZE
        return min(max(size, 1), MAX_PAGE_SIZE)

    @property
    def facets_expanded(self) -> bool:
        """`?facet_size=max`: a cut facet's "more…" link asks for its longer list."""
        return self._raw("facet_size") == FACET_SIZE_MAX

    @property
    def wants_bom(self) -> bool:
        """`?bom=1`: the CSV starts with a byte order mark, for Excel."""
        return self._raw("bom") == "1"


FACET_SIZE_MAX = "max"


@dataclass(frozen=True)
class QueryState:
    """A page's query string as its FilterSet read it, and the links made from it.

    Templates take their URLs from here rather than from the request: the facets'
    toggles, "more…", the exports and the header's search box.
    """

    params: QueryDict
    # Filters the page applies beyond its query string, as (parameter, value): a topic
    # page's topic, the contradictions' relation, the timeline's dated claims. The
    # exports add them; a facet value among them links to the claim list without it.
    page_filters: tuple[tuple[str, str], ...] = ()

    @cached_property
    def _lists(self) -> list[tuple[str, list[str]]]:
        return list(self.params.lists())

    def _query(self, *, drop: Iterable[str] = (), put: Mapping[str, list[str]] = {}) -> str:
        """This query string without the keys in `drop` and with `put`'s values for its keys
        (in place, or at the end), encoded as QueryDict.urlencode would: a facet builds
        dozens of these, and copying the QueryDict for each cost 90 µs."""
        pairs: list[tuple[str, str]] = []
        for key, values in self._lists:
            if key not in drop:
                pairs += [(key, v) for v in put.get(key, values)]
        known = {key for key, _ in self._lists}
        pairs += [(key, v) for key, values in put.items() if key not in known for v in values]
        return urlencode(pairs)

    @property
    def q(self) -> str:
        """The search as typed, for the header's search box."""
        return self.params.get("q", "")

    def toggle_url(self, name: str, value: str) -> str:
        """This query string with `value` added to or removed from `name`; back to page 1.

        A value the page itself applies (Energy on /topics/energy/) cannot be taken
        off its own address: its link goes to the claim list with the other filters.
        """
        values = self.params.getlist(name)
        without = [v for v in values if v != value]
        if (name, value) in self.page_filters:
            base = reverse("claims:claim-list")
            query = self._query(drop=["page"], put={name: without})
            return f"{base}?{query}" if query else base
        chosen = without if value in values else [*values, value]
        return "?" + self._query(drop=["page"], put={name: chosen})

    @property
    def more_facets_url(self) -> str:
        """This query string asking for the facets' longer lists; back to page 1."""
        return "?" + self._query(drop=["page"], put={"facet_size": [FACET_SIZE_MAX]})

    def export_url(self, name: str, format: str = "") -> str:
        """An export of what this page lists: its filters and the page's own, without paging."""
        added: dict[str, list[str]] = {}
        for key, value in self.page_filters:
            have = added.get(key, self.params.getlist(key))
            if value not in have:
                added[key] = [*have, value]
        query = self._query(drop=NOT_FILTER_OPTIONS, put=added)
        url = reverse(name, kwargs={"format": format} if format else None)
        return f"{url}?{query}" if query else url

    @property
    def csv_url(self) -> str:
        return self.export_url("claims:citation-export")

    @property
    def reference_links(self) -> list[tuple[references.ReferenceFormat, str]]:
        """Each reference format (references.REFERENCE_FORMATS) with its export URL."""
        return [
            (chosen, self.export_url("claims:source-export", chosen.key))
            for chosen in references.REFERENCE_FORMATS.values()
        ]

    def page_query(self, number: int) -> str:
        """This query string at page `number`."""
        return self._query(put={"page": [str(number)]})


# The options an export leaves behind: they shape a page of the list, not what it lists.
NOT_FILTER_OPTIONS = ("page", "per_page", "facet_size")


class ListFilterSet(django_filters.FilterSet):
    """A FilterSet that also reads its list's options (ListOptions) from the same data,
    so that it is the one reader of a list's query string."""

    queryset: QuerySet
    data: QueryDict | dict

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.options = ListOptions(self.data)

    def page_filters(self) -> list[tuple[str, str]]:
        """The filters the page applies beyond its query string (none here)."""
        return []

    def query_state(self, **page_filters: str) -> QueryState:
        """The URL state for templates; `page_filters` are the view's own, e.g. a relation."""
        params = self.data.copy() if isinstance(self.data, QueryDict) else QueryDict()
        extra = [(key, value) for key, value in page_filters.items() if value]
        return QueryState(params, tuple(self.page_filters() + extra))


@dataclass(frozen=True)
class Chip:
    """One active filter as the reader sees it, with the URL that removes it."""

    label: str
    value: str
    remove_url: str


def _tag_filter(field_name: str, queryset: QuerySet, label: str) -> SlugMultipleChoiceFilter:
    """A filter by a claim's tags (its topics or its entities): several, all required."""
    return SlugMultipleChoiceFilter(
        field_name=field_name,
        queryset=queryset,
        label=label,
        help_text=CHOOSE_SEVERAL,
        widget=CompactSelectMultiple(attrs={"size": 6}),
    )


def _event_date_bound(label: str, *, end: bool = False) -> PartialDateFilter:
    """Claims dated on or after the first day a partial date covers, or with `end` on or
    before its last day."""
    return PartialDateFilter(
        field_name="event_date",
        lookup_expr="lte" if end else "gte",
        label=label,
        help_text="YYYY, YYYY-MM or YYYY-MM-DD",
        end=end,
    )


class ClaimFilter(ListFilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        max_length=MAX_QUERY_LENGTH,
        help_text='Words must all match; "quoted words" match as a phrase; -word excludes.',
    )
    topic = _tag_filter("topics", Topic.objects.public(), "Topics")
    entity = _tag_filter("entities", Entity.objects.public(), "Entities")
    claimant = SlugMultipleChoiceFilter(
        field_name="claimants",
        queryset=Entity.objects.public(),
        label="Claimants",
        help_text="Who asserts the claim (its claimant), as against where it appeared.",
    )
    place = SlugMultipleChoiceFilter(
        field_name="place",
        queryset=Entity.objects.public(),
        conjoined=False,  # a claim has one place: several places mean any of them
        label="Places",
        help_text="Where the claim is said to hold (its place).",
    )
    source = django_filters.ModelChoiceFilter(
        queryset=Source.objects.public().only("slug", "title"),
        to_field_name="slug",
        method="filter_source",
        label="Source",
        empty_label="Any",
        widget=CompactSelect,
    )
    outlet = django_filters.CharFilter(method="filter_outlet", max_length=200, label="Outlet")
    date_from = _event_date_bound("From")
    date_to = _event_date_bound("To", end=True)
    relation = django_filters.ChoiceFilter(
        choices=ClaimLink.Relation.choices,
        method="filter_relation",
        label="Has a link",
        empty_label="Any",
    )
    has_value = django_filters.ChoiceFilter(
        choices=[("true", "Yes"), ("false", "No")],
        method="filter_has_value",
        label="States a quantity",
        empty_label="Any",
    )
    sort = django_filters.ChoiceFilter(
        choices=[
            ("newest", "Newest first"),
            ("oldest", "Oldest first"),
            ("relevance", "Relevance"),
        ],
        method="filter_nothing",
        label="Sort",
        empty_label="Default",
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    # How the result line names each tag filter: "on Energy", "naming Lukoil".
    PHRASES = {"topic": "on", "entity": "naming", "claimant": "asserted by"}
    # Filters reached by a link (an entity's page, a claimant's name), not by a form
    # control: the form carries their values as hidden fields.
    LINKED_ONLY = ("claimant", "place")

    def __init__(
        self,
        data: QueryDict | None = None,
        *args: Any,
        fixed: Mapping[str, Topic | Entity] | None = None,
        **kwargs: Any,
    ) -> None:
        """`fixed`: the tag a topic's or an entity's page is about (e.g. {"topic": energy}).

        Applied by the same filter as `?topic=`, so the page lists what the claim list
        lists for it and its facet shows it chosen; it is part of the page's address,
        so it is not a chip the reader can remove.
        """
        super().__init__(data, *args, **kwargs)
        self.fixed = dict(fixed or {})
        for name, tag in self.fixed.items():
            self.queryset = self.filters[name].filter(self.queryset, [tag])

    @classmethod
    def claims_where(cls, name: str, value: Topic | Entity | Source) -> ClaimQuerySet:
        """Claims of any status that the filter `name` lets through for one cleaned `value`:
        other FilterSets ask this one rather than say again what "on a topic" means."""
        filterset = cls(queryset=Claim.objects.all())
        chosen = filterset.filters[name]
        many = isinstance(chosen, django_filters.ModelMultipleChoiceFilter)
        return chosen.filter(filterset.queryset, [value] if many else value)

    def page_filters(self) -> list[tuple[str, str]]:
        return [(name, tag.slug) for name, tag in self.fixed.items()]

    def selected(self, name: str) -> set[str]:
        """The slugs chosen for the tag filter `name`: the page's own and the query string's."""
        chosen = {tag.slug for key, tag in self.fixed.items() if key == name}
        if self.is_bound and self.form.is_valid():
            chosen |= {row.slug for row in self.form.cleaned_data.get(name) or ()}
        return chosen

    def filter_search(self, queryset: ClaimQuerySet, name: str, value: str) -> ClaimQuerySet:
        return queryset.search(value)

    def filter_source(self, queryset: ClaimQuerySet, name: str, value: Source) -> ClaimQuerySet:
        return queryset.for_source(value.slug)

    def filter_outlet(self, queryset: ClaimQuerySet, name: str, value: str) -> ClaimQuerySet:
        return queryset.for_outlet(value)

    def filter_relation(self, queryset: ClaimQuerySet, name: str, value: str) -> ClaimQuerySet:
        return queryset.with_link(value)

    def filter_has_value(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(value__isnull=value != "true")

    def filter_nothing(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # ordering is applied once every filter has run

    def clean_sort(self) -> str:
        """The effective sort: relevance by default when searching, else newest."""
        data = self.form.cleaned_data
        sort = data.get("sort") or ("relevance" if data.get("q") else "newest")
        return "newest" if sort == "relevance" and not data.get("q") else sort

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return super().filter_queryset(queryset).order_by(*SORTS[self.clean_sort()])

    # What is not a filter: the order and the list's options change no claim's membership.
    NOT_FILTERS = frozenset({"sort", *ListOptions.base_fields})

    def _chosen(self) -> dict:
        """The valid filters in use, as cleaned by the form (empty when it is unbound)."""
        if not self.is_bound or not self.form.is_valid():
            return {}
        return {
            name: value
            for name, value in self.form.cleaned_data.items()
            if value and name not in self.NOT_FILTERS  # an unused multiple choice is .none()
        }

    def _typed(self, name: str) -> str:
        """What the reader typed for `name`, e.g. 2022 rather than 2022-01-01."""
        return str(self.form[name].value() or "").strip()

    def _without(self, name: str, value: str | None = None) -> str:
        """This page's query string without the filter `name` (or one of its values)."""
        params = self.data.copy() if isinstance(self.data, QueryDict) else QueryDict(mutable=True)
        params.pop("page", None)
        kept = [v for v in params.getlist(name) if value is not None and v != value]
        params.setlist(name, kept)
        query = clean_query(params).urlencode()
        return f"?{query}" if query else "?"

    def chips(self) -> list[Chip]:
        """A removable chip for every filter in use, in the form's order."""
        chips: list[Chip] = []
        for name, value in self._chosen().items():
            label = str(self.filters[name].label)
            if isinstance(value, QuerySet | list):
                chips += [Chip(label, str(row), self._without(name, row.slug)) for row in value]
            elif name in ("date_from", "date_to"):
                chips.append(Chip(label, self._typed(name), self._without(name)))
            elif isinstance(value, Source):
                chips.append(Chip(label, value.title, self._without(name)))
            elif name in ("relation", "has_value"):
                chosen = dict(self.filters[name].extra["choices"])[value]
                chips.append(Chip(label, str(chosen), self._without(name)))
            else:
                chips.append(Chip(label, str(value), self._without(name)))
        return chips

    def description(self) -> str:
        """The filters in words, for the result line: "on Energy, 2022–2023, matching “gas”"."""
        chosen = self._chosen()
        # The page's own tag first: "on Energy" on /topics/energy/.
        parts = [f"{self.PHRASES[name]} {tag}" for name, tag in self.fixed.items()]
        for name, phrase in self.PHRASES.items():
            if name in chosen:
                parts.append(f"{phrase} {_and([str(row) for row in chosen[name]])}")
        if "place" in chosen:
            parts.append(f"set in {_or([str(row) for row in chosen['place']])}")
        if "source" in chosen:
            parts.append(f"quoted from “{chosen['source'].title}”")
        if "outlet" in chosen:
            parts.append(f"from the outlet {chosen['outlet']}")
        start = self._typed("date_from") if "date_from" in chosen else ""
        end = self._typed("date_to") if "date_to" in chosen else ""
        if start and end:
            parts.append(start if start == end else f"{start}–{end}")
        elif start:
            parts.append(f"from {start} on")
        elif end:
            parts.append(f"up to {end}")
        if "relation" in chosen:
            relation = ClaimLink.Relation(chosen["relation"]).label.lower()
            parts.append(f"with a “{relation}” link")
        if "has_value" in chosen:
            parts.append(
                "stating a quantity" if chosen["has_value"] == "true" else "stating no quantity"
            )
        if "q" in chosen:
            parts.append(f"matching “{chosen['q']}”")
        return ", ".join(parts)


def _and(words: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return " and ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def _or(words: list[str]) -> str:
    """`a`, `a or b`, `a, b or c`."""
    return " or ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def tidy_query_url(path: str, params: QueryDict) -> str | None:
    """`path` with the query string `params` less its blank values, if it has any (else None)."""
    cleaned = clean_query(params)
    if cleaned.urlencode() == params.urlencode():
        return None
    query = cleaned.urlencode()
    return f"{path}?{query}" if query else path


def clean_query(params: QueryDict) -> QueryDict:
    """`params` without empty values: a submitted form's blank fields make no URL noise."""
    cleaned = QueryDict(mutable=True)
    for key, values in params.lists():
        kept = [v for v in values if v.strip()]
        if kept:
            cleaned.setlist(key, kept)
    return cleaned


class ContradictionFilter(ListFilterSet):
    """Contradicts links where either claim matches."""

    topic = django_filters.ModelChoiceFilter(
        queryset=Topic.objects.public(), to_field_name="slug", method="filter_side", label="Topic"
    )
    entity = django_filters.ModelChoiceFilter(
        queryset=Entity.objects.public(),
        to_field_name="slug",
        method="filter_side",
        label="Entity",
        widget=CompactSelect,
    )
    source = django_filters.ModelChoiceFilter(
        queryset=Source.objects.public().only("slug", "title"),
        to_field_name="slug",
        method="filter_side",
        label="Source",
        widget=CompactSelect,
    )

    class Meta:
        model = ClaimLink
        fields: list[str] = []

    def filter_side(
        self, queryset: ClaimLinkQuerySet, name: str, value: Topic | Entity | Source
    ) -> ClaimLinkQuerySet:
        # Which claims are "on a topic" is the claim filter's to say.
        return queryset.touching(ClaimFilter.claims_where(name, value))
