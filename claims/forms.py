from __future__ import annotations

import datetime as dt
from collections.abc import MutableMapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from claims.anchoring import AnchorError, anchor
from claims.dates import format_partial_date
from claims.evidence import place_quote
from claims.extraction import SUPPORTED_EXTENSIONS, clean_text
from claims.filters import parse_dated
from claims.models import Claim, ClaimLink, Original, Quote, Source
from claims.services import (
    OrphanedQuotes,
    Reanchoring,
    held_for_review,
    megabytes,
    parse_published,
    plan_reanchoring,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- Optimistic concurrency ---------------------------------------------------------

# Fields every save moves on by itself: not worth naming in a conflict message.
_BOOKKEEPING = {"version", "updated_at", "updated_by", "search_text"}


def stale_edit_message(instance, version: int | None) -> str:
    """Who changed `instance` since `version`, and what (a field diff from its history)."""
    label = f"{instance._meta.verbose_name} #{instance.pk}"
    newer = list(instance.history.filter(version__gt=version or 0).order_by("history_date"))
    base = instance.history.filter(version=version).order_by("-history_date").first()
    who = sorted(
        {r.history_user.get_username() if r.history_user else "a command" for r in newer}
    ) or ["someone"]
    changes: list[str] = []
    if newer and base is not None:
        delta = newer[-1].diff_against(base, foreign_keys_are_objs=False)
        for change in delta.changes:
            if change.field not in _BOOKKEEPING:
                changes.append(
                    f"{change.field}: \u201c{change.old}\u201d \u2192 \u201c{change.new}\u201d"
                )
    when = newer[-1].history_date.strftime("%Y-%m-%d %H:%M UTC") if newer else "meanwhile"
    what = "; ".join(changes) if changes else "no field you can see here"
    return (
        f"{label[0].upper()}{label[1:]} was changed by {', '.join(who)} since you opened this "
        f"form (last at {when}). Their changes: {what}. Nothing was saved. Your input is kept "
        f"below: open the page again in a new tab to see the current version, and apply your "
        f"changes there."
    )


class VersionedForm(forms.ModelForm):
    """Carries the row's version; a save from an older one is refused, naming what changed."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def has_changed(self) -> bool:
        # The version alone is not a change the editor made.
        return any(name != "version" for name in self.changed_data)

    def clean(self) -> dict:
        cleaned = cast("dict[str, Any]", super().clean())  # cleaned_data
        instance = self.instance
        if instance._state.adding:
            cleaned["version"] = instance.version
            return cleaned
        in_formset = getattr(self, "in_formset", False)
        if in_formset and not self.has_changed() and not cleaned.get("DELETE"):
            # An unchanged inline row is not saved, so it cannot overwrite anything.
            cleaned["version"] = instance.version
            return cleaned
        posted = cleaned.get("version")
        current = (
            type(instance)._base_manager.filter(pk=instance.pk).values_list("version", flat=True)
        )
        current_version = current.first()
        if current_version is None:
            raise ValidationError(
                f"This {instance._meta.verbose_name} was deleted since you opened the form."
            )
        if posted is None:
            raise ValidationError(
                "This form has no version number, so it may be out of date: open the page "
                "again and repeat your changes."
            )
        if posted != current_version:
            raise ValidationError(stale_edit_message(instance, posted), code="stale")
        # The save itself checks this version again in the database (Versioned.save).
        instance.version = posted
        return cleaned


class VersionedInlineFormSet(forms.BaseInlineFormSet):
    """Marks its forms, so an unchanged stale row does not block the save."""

    def _construct_form(self, i: int, **kwargs):
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]  # private, not in the stubs
        form.in_formset = True
        return form


def _context_field(side: str) -> forms.CharField:
    """The words just `side` (before or after) a passage, which tell its places apart."""
    return forms.CharField(
        required=False,
        label=f"Context {side}",
        help_text=f"Only if the passage occurs more than once: the words just {side} it.",
    )


class QuoteForm(VersionedForm):
    """Paste a passage; it is anchored to exact characters of the source."""

    context_before = _context_field("before")
    context_after = _context_field("after")

    class Meta:
        model = Quote
        fields = ["source", "exact", "context_before", "context_after", "note"]
        widgets = {
            "exact": forms.Textarea(attrs={"rows": 3, "cols": 60}),
            "note": forms.Textarea(attrs={"rows": 1, "cols": 30}),
        }
        labels = {"exact": "Passage"}

    def clean(self) -> dict:
        cleaned = super().clean()
        user, claim = getattr(self, "user", None), cleaned.get("claim")
        if user is not None and claim is not None and held_for_review(user=user, claim=claim):
            self.add_error(
                "claim", f"Claim #{claim.pk} is public: only a reviewer can add evidence to it."
            )
        source, pasted = cleaned.get("source"), cleaned.get("exact")
        if source and pasted:
            self.instance.source = source
            try:
                place_quote(
                    self.instance,
                    pasted,
                    prefix=cleaned.get("context_before", ""),
                    suffix=cleaned.get("context_after", ""),
                )
            except ValidationError as error:
                self.add_error(None, error)
            else:
                cleaned["exact"] = self.instance.exact
        return cleaned


class PartialDateFormField(forms.CharField):
    """A date typed only as precisely as it is known: `2023`, `2023-08`, `2023-08-24` or blank.

    Cleans to a (date, precision) pair; `PartialDateFormMixin` puts both on the instance.
    """

    def __init__(self, *, end: bool = False, **kwargs) -> None:
        self.end = end  # the last day it covers (a period's end), not the first
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", "YYYY, YYYY-MM or YYYY-MM-DD, only as precise as known.")
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 10, "placeholder": "YYYY-MM"}))
        super().__init__(**kwargs)

    def clean(self, value: str) -> tuple[dt.date | None, str]:
        return parse_dated(super().clean(value), end=self.end)


class PartialDateFormMixin:
    """Edits each date in `partial_dates` and its `<name>_precision` as one partial date."""

    partial_dates: tuple[str, ...] = ()
    # Provided by the model form it is mixed into.
    initial: MutableMapping[str, Any]
    instance: Any
    cleaned_data: dict[str, Any]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in self.partial_dates:
            if isinstance(self.initial.get(name), dt.date):
                precision = getattr(self.instance, f"{name}_precision")
                self.initial[name] = format_partial_date(self.initial[name], precision)

    def _clean_fields(self) -> None:
        # Split each (date, precision) right after the fields are cleaned, so the
        # instance gets a date even when a later clean() refuses the form.
        super()._clean_fields()  # type: ignore[misc]  # private, not in the stubs
        for name in self.partial_dates:
            if isinstance(self.cleaned_data.get(name), tuple):
                self.cleaned_data[name], precision = self.cleaned_data[name]
                setattr(self.instance, f"{name}_precision", precision)


class _HeldIdMixin:
    """Refuses ids no database column can hold before any query sees them.

    PostgreSQL would find nothing, but SQLite cannot even bind such a number (OverflowError).
    """

    # Provided by the model choice field it is mixed into.
    empty_values: Sequence[Any]
    queryset: Any
    to_field_name: str | None

    def holds(self, value) -> bool:
        """Whether `value` is blank, a row, or an id within the column's range."""
        if value in self.empty_values or isinstance(value, models.Model):
            return True
        meta = self.queryset.model._meta
        field = meta.get_field(self.to_field_name) if self.to_field_name else meta.pk
        try:
            field.run_validators(field.to_python(value))
        except ValidationError:
            return False
        return True

    def prepare_value(self, value):
        # The admin's autocomplete widget looks the submitted ids up again to show them.
        if isinstance(value, list | tuple):
            value = [v for v in value if self.holds(v)]
        elif not self.holds(value):
            value = None
        return super().prepare_value(value)


class HeldIdChoiceField(_HeldIdMixin, forms.ModelChoiceField):
    """A ModelChoiceField that never queries with an out-of-range id."""


class HeldIdMultipleChoiceField(_HeldIdMixin, forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that never queries with an out-of-range id."""

    def clean(self, value):
        # Before the parent's clean, whose prepare_value would drop such an id unannounced.
        for pk in value if isinstance(value, list | tuple) else ():
            if not self.holds(pk):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super().clean(value)


# For an admin's formfield_overrides: the relations it edits use the fields above.
HELD_ID_FIELDS: dict[type[models.Field], dict[str, Any]] = {
    models.ForeignKey: {"form_class": HeldIdChoiceField},
    models.ManyToManyField: {"form_class": HeldIdMultipleChoiceField},
}


def _note_field(label: str, help_text: StrOrPromise, *, cols: int = 60) -> forms.CharField:
    """An optional note of a sentence or two, in a two-row box."""
    return forms.CharField(
        required=False,
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2, "cols": cols}),
    )


class ClaimLinkForm(VersionedForm):
    class Meta:
        model = ClaimLink
        fields = ["relation", "to_claim", "rationale"]
        widgets = {"rationale": forms.Textarea(attrs={"rows": 2, "cols": 50})}


class ClaimLinkAdminForm(ClaimLinkForm):
    """A link on its own page; a link between two public claims needs a reviewer.

    ClaimLink.validate_constraints names the claims of a link the registry has already.
    """

    # Not a model field of the form: services.confirm_link_periods sets it, with who and when.
    period_note = _note_field(
        "Periods confirmed", ClaimLink._meta.get_field("period_note").help_text, cols=50
    )

    class Meta(ClaimLinkForm.Meta):
        fields = ["from_claim", "relation", "to_claim", "rationale"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "period_note" in self.fields:  # reviewers only (ClaimLinkAdmin.get_form)
            self.fields["period_note"].initial = self.instance.period_note

    def clean(self) -> dict:
        cleaned = super().clean()
        user = getattr(self, "user", None)
        ends = [cleaned.get("from_claim"), cleaned.get("to_claim")]
        if (
            user is not None
            and all(ends)
            and all(held_for_review(user=user, claim=claim) for claim in ends)
        ):
            raise ValidationError(
                f"Claims #{cleaned['from_claim'].pk} and #{cleaned['to_claim'].pk} are both "
                f"public: only a reviewer can link them."
            )
        return cleaned


class ClaimLinkFormSet(VersionedInlineFormSet):
    """The links out of one claim; a link entered in two rows is named, not "duplicate data"."""

    def validate_unique(self) -> None:
        seen, repeated = set(), False
        for form in self.forms:
            if form in self.deleted_forms or not form.is_valid():
                continue
            to_claim, relation = (form.cleaned_data.get(f) for f in ("to_claim", "relation"))
            if to_claim is None or not relation:
                continue
            # A claim, or its id where the inline is read-only (a public claim, to an editor).
            to_pk = getattr(to_claim, "pk", to_claim)
            if (to_pk, relation) in seen:
                subject = f"#{self.instance.pk}" if self.instance.pk else "this claim"
                form.add_error(
                    None, f"“{subject} {relation} #{to_pk}” is entered twice; keep one row."
                )
                repeated = True
            seen.add((to_pk, relation))
        if not repeated:
            super().validate_unique()


class SourceIntakeForm(forms.Form):
    """Step one of adding a source: paste the text, upload a file or give a URL."""

    text = forms.CharField(
        required=False,
        strip=False,
        label="Paste the article text",
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
    )
    file = forms.FileField(
        required=False,
        label="or upload a file",
        help_text=".txt, .html, .htm, .pdf or .docx",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUPPORTED_EXTENSIONS)}),
    )
    url = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        label="or give its URL",
        help_text="The server fetches the page (http or https only).",
    )

    def clean(self) -> dict:
        cleaned = cast("dict[str, Any]", super().clean())  # cleaned_data
        text = cleaned.get("text") or ""
        given = [bool(text), cleaned.get("file") is not None, bool(cleaned.get("url"))]
        if sum(given) != 1 and not self.errors:
            raise ValidationError("Give exactly one of: pasted text, a file or a URL.")
        upload = cleaned.get("file")
        if upload is not None and upload.size > settings.SOURCE_MAX_BYTES:
            # Refused before the file is read into memory.
            self.add_error(
                "file",
                f"The file is {megabytes(upload.size)}, over the limit of "
                f"{megabytes(settings.SOURCE_MAX_BYTES)}.",
            )
        return cleaned

    def intake_kwargs(self) -> dict:
        """The keyword arguments of `services.take_in` for what was given."""
        data = self.cleaned_data
        if data.get("file") is not None:
            return {"file_name": data["file"].name, "file_data": data["file"].read()}
        if data.get("url"):
            return {"url": data["url"]}
        return {"text": data["text"]}


class SourceMetadataForm(forms.Form):
    """Step two: the extracted metadata, for the editor to check and correct."""

    original = forms.ModelChoiceField(
        queryset=Original.objects.without_content(), widget=forms.HiddenInput
    )
    title = forms.CharField(max_length=300)
    slug = forms.SlugField(
        max_length=100, required=False, help_text="Leave blank to make one from the title."
    )
    author = forms.CharField(max_length=200, required=False, help_text="Blank when unknown.")
    outlet = forms.CharField(max_length=200, required=False)
    url = forms.URLField(max_length=500, required=False, assume_scheme="https")
    kind = forms.ChoiceField(choices=Source.Kind.choices, initial=Source.Kind.ANALYSIS)
    language = forms.CharField(max_length=10, initial="en")
    published = forms.CharField(
        max_length=10,
        required=False,
        label="Published",
        help_text="YYYY, YYYY-MM or YYYY-MM-DD, only as precise as the document says.",
    )
    published_basis = _note_field(
        "Basis of the date",
        "The words that give the date, or how it was found. Filled in for you when the date "
        "comes from the document.",
    )

    def clean_published(self) -> str:
        value = self.cleaned_data["published"]
        try:
            parse_published(value)
        except ValidationError as error:
            raise ValidationError(error.message_dict["published"]) from None
        return value

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug and Source.objects.filter(slug=slug).exists():
            raise ValidationError("A source with this slug exists already.")
        return slug


class SourceChangeForm(PartialDateFormMixin, VersionedForm):
    """A source's metadata and text; a text change must keep every quote."""

    partial_dates = ("published",)
    url = forms.URLField(max_length=500, required=False, assume_scheme="https")
    published = PartialDateFormField(label="Published")

    class Meta:
        model = Source
        fields = [
            "title",
            "slug",
            "author",
            "outlet",
            "url",
            "kind",
            "language",
            "published",
            "published_basis",
            "licence",
            "share_original",
            "text",
        ]
        widgets = {"text": forms.Textarea(attrs={"rows": 24, "cols": 100})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Browsers send CRLF and the text's own white space matters, so nothing is stripped.
        # Absent when the user may only view.
        if isinstance(text_field := self.fields.get("text"), forms.CharField):
            text_field.strip = False
        self.reanchoring: Reanchoring | None = None

    def text_changed(self) -> bool:
        """Whether the submitted text differs from the stored one (line ends aside)."""
        text = self.cleaned_data.get("text")
        return text is not None and _browser_lines(text) != self.instance.text

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk and self.text_changed():
            new = clean_text(cleaned["text"])
            self.reanchoring = plan_reanchoring(source=self.instance, text=new)
            if self.reanchoring.orphaned:
                self.add_error("text", OrphanedQuotes(self.reanchoring))
        return cleaned

    def _post_clean(self) -> None:
        # The text is saved by services.set_source_text (with the re-anchoring),
        # never by the model form: keep the stored text on the instance meanwhile.
        text = self.instance.text
        super()._post_clean()  # type: ignore[misc]  # private, not in the stubs
        if self.instance.pk:
            self.instance.text = text


def _browser_lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class ClaimIdsForm(forms.Form):
    """`?ids=1,2,3`: the claims a workflow step is confirmed for (the changelist's selection).

    A raw field: anything that is not a number is left out, as a hand-edited URL should be.
    """

    ids = forms.Field(required=False)

    @property
    def claim_ids(self) -> list[int]:
        raw = str(self["ids"].value() or "")
        return [int(i) for i in raw.split(",") if i.strip().isdigit()]


class StatementForm(forms.Form):
    """`?statement=`: a claim's statement as the editor is typing it, to suggest claimants."""

    statement = forms.Field(required=False)
    MAX_LENGTH = 2000  # the suggestion reads the start; a statement is far shorter

    @property
    def text(self) -> str:
        return str(self["statement"].value() or "")[: self.MAX_LENGTH]


class PassageForm(forms.Form):
    """A passage an editor selected (or pasted) in a source's reading view."""

    passage_source = forms.ModelChoiceField(queryset=Source.objects.all())
    passage_text = forms.CharField(max_length=20_000, strip=False)
    passage_start = forms.IntegerField(min_value=0, required=False)
    claim = forms.IntegerField(min_value=1, required=False, label="Claim #")
    action = forms.ChoiceField(
        choices=[("new", "New claim"), ("evidence", "Add as evidence")], required=False
    )

    def clean(self) -> dict:
        cleaned = cast("dict[str, Any]", super().clean())  # cleaned_data
        if cleaned.get("action") == "evidence" and not cleaned.get("claim"):
            self.add_error("claim", "Give the number of the claim to add this passage to.")
        if cleaned.get("action") != "evidence":
            cleaned["claim"] = None
        source, text = cleaned.get("passage_source"), cleaned.get("passage_text")
        if source is not None and text:
            try:
                cleaned["span"] = anchor(source.text, text, hint=cleaned.get("passage_start"))
            except AnchorError as error:
                raise ValidationError(str(error)) from None
        return cleaned


class DatalistInput(forms.TextInput):
    """A text box with suggestions (an HTML <datalist>); any other text is accepted too."""

    template_name = "claims/widgets/datalist.html"

    def __init__(self, *, options, list_id: str, attrs: dict | None = None) -> None:
        super().__init__({"list": list_id, "size": 60, **(attrs or {})})
        self.options, self.list_id = options, list_id

    def get_context(self, name, value, attrs) -> dict:
        context = super().get_context(name, value, attrs)
        context["widget"]["options"], context["widget"]["list_id"] = self.options, self.list_id
        return context


class ClaimForm(PartialDateFormMixin, VersionedForm):
    """The claim form; a change to a public claim needs a reason, kept in its history."""

    partial_dates = ("event_date", "as_of_start", "as_of_end")
    event_date = PartialDateFormField(
        label="Event date",
        help_text="When what the claim states happened or held: YYYY, YYYY-MM or YYYY-MM-DD, "
        "only as precise as the sources say; blank when unknown.",
    )
    as_of_start = PartialDateFormField(
        label="As of: from",
        help_text="The period the claim holds for, when it is a span (\u201cas of 2023\u20132025, "
        "relations were deteriorating\u201d): YYYY, YYYY-MM or YYYY-MM-DD.",
    )
    as_of_end = PartialDateFormField(
        end=True,
        label="to",
        help_text="Blank when open-ended; on or after the start.",
    )

    change_reason = _note_field(
        "Why this change?",
        "Required when the claim is public; kept in its history. An editor's change to a "
        "public claim waits for a reviewer.",
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        instance = self.instance
        if (
            not instance._state.adding
            and is_public(instance)
            and self.has_changed()
            and not (cleaned.get("change_reason") or "").strip()
        ):
            self.add_error("change_reason", "Say why this public claim should change.")
        return cleaned

    class Meta:
        model = Claim
        fields = [
            "statement",
            "event_date",
            "value",
            "unit",
            "as_of_start",
            "as_of_end",
            "measure",
            "place",
            "topics",
            "entities",
            "note",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "measure" in self.fields:
            # Suggestions: the measures already in use, so the same method reads the same.
            self.fields["measure"].widget = DatalistInput(
                options=Claim.objects.measures_in_use(), list_id="measures-in-use"
            )

    def has_changed(self) -> bool:
        return any(name not in {"version", "change_reason"} for name in self.changed_data)


def is_public(claim) -> bool:
    """Whether the stored claim (not the form's edited copy) has a public page."""
    return Claim.objects.visible().filter(pk=claim.pk).exists()


class CandidateDismissForm(forms.Form):
    """Dismiss a candidate sentence of a source, with the reason remembered."""

    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(max_length=200)


class PairDismissForm(forms.Form):
    """Dismiss a suggested pair of claims, with the reason remembered."""

    first = forms.ModelChoiceField(queryset=Claim.objects.all(), widget=forms.HiddenInput)
    second = forms.ModelChoiceField(queryset=Claim.objects.all(), widget=forms.HiddenInput)
    reason = forms.CharField(max_length=200)


class WorkflowForm(forms.Form):
    """The comment (or reason) that goes with a workflow step."""

    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 70}))

    def __init__(self, *args, action, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"].label = action.comment_label
        self.fields["comment"].required = action.comment_required
