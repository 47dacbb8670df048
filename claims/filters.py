"""The claim filters: one FilterSet serves the HTML list, the exports and the API."""

from __future__ import annotations

import calendar
import datetime as dt
import re

import django_filters
import django_filters.fields
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet

from claims.models import Claim, ClaimLink, DatePrecision, Entity, Source, Topic

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
    year, month, day = (int(part) if part else None for part in match.groups())
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

    def render(self, name, value, attrs=None, renderer=None) -> str:
        queryset = self.choices.queryset
        field = self.choices.field
        rows = list(queryset[: self.limit + 1])
        if len(rows) > self.limit:
            noun = queryset.model._meta.verbose_name
            box = forms.TextInput(attrs={**self.attrs, "placeholder": f"a {noun}'s slug"})
            return box.render(name, value, attrs, renderer)
        self.choices = [("", field.empty_label or "")] + [
            (field.prepare_value(row), field.label_from_instance(row)) for row in rows
        ]
        return super().render(name, value, attrs, renderer)


class ClaimFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        max_length=MAX_QUERY_LENGTH,
        help_text='Words must all match; "quoted words" match as a phrase; -word excludes.',
    )
    topic = SlugMultipleChoiceFilter(
        field_name="topics", queryset=Topic.objects.public(), label="Topics"
    )
    entity = SlugMultipleChoiceFilter(
        field_name="entities", queryset=Entity.objects.public(), label="Entities"
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

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value)

    def filter_source(self, queryset: QuerySet, name: str, value: Source) -> QuerySet:
        return queryset.for_source(value.slug)

    def filter_outlet(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.for_outlet(value)

    def filter_relation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
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

    def filter_side(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.touching(Claim.objects.filter(**{self._PATHS[name]: value}))
