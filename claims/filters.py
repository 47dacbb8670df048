"""The claim filters: one FilterSet serves the HTML list, the exports and the API."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import django_filters
import django_filters.fields
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.forms.models import ModelChoiceIterator
from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe

from claims.models import Claim, ClaimLink, DatePrecision, Entity, Source, Topic

if TYPE_CHECKING:
    from claims.models import ClaimLinkQuerySet, ClaimQuerySet

MAX_QUERY_LENGTH = 200
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


class CompactSelect(forms.Select):
    """A <select> of a model's rows while they are few; past `limit`, a box for the slug.

    With 2,000 sources the <select> was 278 KB of every 311 KB list page and took
    90 ms to render; one query serves either form.
    """

    limit = 100

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        choices = cast(ModelChoiceIterator, self.choices)  # a model choice field's
        queryset, field = choices.queryset, choices.field
        rows = list(queryset[: self.limit + 1])
        if len(rows) > self.limit:
            noun = queryset.model._meta.verbose_name
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
        choices = cast(ModelChoiceIterator, self.choices)  # a model choice field's
        queryset, field = choices.queryset, choices.field
        rows = list(queryset[: self.limit + 1])
        if len(rows) > self.limit:
            noun = queryset.model._meta.verbose_name
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


@dataclass(frozen=True)
class Chip:
    """One active filter as the reader sees it, with the URL that removes it."""

    label: str
    value: str
    remove_url: str


class ClaimFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        max_length=MAX_QUERY_LENGTH,
        help_text='Words must all match; "quoted words" match as a phrase; -word excludes.',
    )
    topic = SlugMultipleChoiceFilter(
        field_name="topics",
        queryset=Topic.objects.public(),
        label="Topics",
        help_text=CHOOSE_SEVERAL,
        widget=CompactSelectMultiple(attrs={"size": 6}),
    )
    entity = SlugMultipleChoiceFilter(
        field_name="entities",
        queryset=Entity.objects.public(),
        label="Entities",
        help_text=CHOOSE_SEVERAL,
        widget=CompactSelectMultiple(attrs={"size": 6}),
    )
    claimant = SlugMultipleChoiceFilter(
        field_name="claimants",
        queryset=Entity.objects.public(),
        label="Claimants",
        help_text="Who asserts the claim (its claimant), as against where it appeared.",
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
    date_from = PartialDateFilter(
        field_name="event_date",
        lookup_expr="gte",
        label="From",
        help_text="YYYY, YYYY-MM or YYYY-MM-DD",
    )
    date_to = PartialDateFilter(
        field_name="event_date",
        lookup_expr="lte",
        label="To",
        help_text="YYYY, YYYY-MM or YYYY-MM-DD",
        end=True,
    )
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

    # What is not a filter: the order and the paging change no claim's membership.
    NOT_FILTERS = frozenset({"sort", "page", "per_page"})

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
        parts: list[str] = []

        def names(key: str) -> str:
            return _and([str(row) for row in chosen.get(key, [])])

        if "topic" in chosen:
            parts.append(f"on {names('topic')}")
        if "entity" in chosen:
            parts.append(f"naming {names('entity')}")
        if "claimant" in chosen:
            parts.append(f"asserted by {names('claimant')}")
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


def clean_query(params: QueryDict) -> QueryDict:
    """`params` without empty values: a submitted form's blank fields make no URL noise."""
    cleaned = QueryDict(mutable=True)
    for key, values in params.lists():
        kept = [v for v in values if v.strip()]
        if kept:
            cleaned.setlist(key, kept)
    return cleaned


class ContradictionFilter(django_filters.FilterSet):
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

    _PATHS = {"topic": "topics", "entity": "entities", "source": "quotes__source"}

    def filter_side(self, queryset: ClaimLinkQuerySet, name: str, value) -> ClaimLinkQuerySet:
        return queryset.touching(Claim.objects.filter(**{self._PATHS[name]: value}))
