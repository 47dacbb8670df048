from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from claims.anchoring import AnchorError, anchor
from claims.evidence import place_quote
from claims.extraction import SUPPORTED_EXTENSIONS, clean_text
from claims.filters import parse_dated
from claims.models import Claim, ClaimLink, Original, Quote, Source, format_partial_date
from claims.services import (
    OrphanedQuotes,
    Reanchoring,
    megabytes,
    parse_published,
    plan_reanchoring,
)


class QuoteForm(forms.ModelForm):
    """Paste a passage; it is anchored to exact characters of the source."""

    context_before = forms.CharField(
        required=False,
        label="Context before",
        help_text="Only if the passage occurs more than once: the words just before it.",
    )
    context_after = forms.CharField(
        required=False,
        label="Context after",
        help_text="Only if the passage occurs more than once: the words just after it.",
    )

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

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", "YYYY, YYYY-MM or YYYY-MM-DD, only as precise as known.")
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 10, "placeholder": "YYYY-MM"}))
        super().__init__(**kwargs)

    def clean(self, value: str) -> tuple[dt.date | None, str]:
        return parse_dated(super().clean(value))


class PartialDateFormMixin:
    """Edits each date in `partial_dates` and its `<name>_precision` as one partial date."""

    partial_dates: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in self.partial_dates:
            if isinstance(self.initial.get(name), dt.date):
                precision = getattr(self.instance, f"{name}_precision")
                self.initial[name] = format_partial_date(self.initial[name], precision)

    def clean(self) -> dict:
        cleaned = super().clean()
        for name in self.partial_dates:
            if isinstance(cleaned.get(name), tuple):
                cleaned[name], precision = cleaned[name]
                setattr(self.instance, f"{name}_precision", precision)
        return cleaned


class ClaimForm(PartialDateFormMixin, forms.ModelForm):
    partial_dates = ("event_date",)
    event_date = PartialDateFormField(
        label="Event date",
        help_text="When what the claim states happened or held: YYYY, YYYY-MM or YYYY-MM-DD, "
        "only as precise as the sources say; blank when unknown.",
    )

    class Meta:
        model = Claim
        fields = ["statement", "event_date", "value", "unit", "topics", "entities", "note"]


class _HeldIdMixin:
    """Refuses ids no database column can hold before any query sees them.

    PostgreSQL would find nothing, but SQLite cannot even bind such a number (OverflowError).
    """

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
HELD_ID_FIELDS = {
    models.ForeignKey: {"form_class": HeldIdChoiceField},
    models.ManyToManyField: {"form_class": HeldIdMultipleChoiceField},
}


class ClaimLinkForm(forms.ModelForm):
    class Meta:
        model = ClaimLink
        fields = ["relation", "to_claim", "rationale"]
        widgets = {"rationale": forms.Textarea(attrs={"rows": 2, "cols": 50})}


class ClaimLinkAdminForm(ClaimLinkForm):
    """A link on its own; ClaimLink.validate_constraints names the claims of a refused one."""

    class Meta(ClaimLinkForm.Meta):
        fields = ["from_claim", "relation", "to_claim", "rationale"]


class ClaimLinkFormSet(forms.BaseInlineFormSet):
    """The links out of one claim; a link entered in two rows is named, not "duplicate data"."""

    def validate_unique(self) -> None:
        seen, repeated = set(), False
        for form in self.forms:
            if form in self.deleted_forms or not form.is_valid():
                continue
            to_claim, relation = (form.cleaned_data.get(f) for f in ("to_claim", "relation"))
            if to_claim is None or not relation:
                continue
            if (to_claim.pk, relation) in seen:
                subject = f"#{self.instance.pk}" if self.instance.pk else "this claim"
                form.add_error(
                    None, f"“{subject} {relation} #{to_claim.pk}” is entered twice; keep one row."
                )
                repeated = True
            seen.add((to_claim.pk, relation))
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
        cleaned = super().clean()
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
    published_basis = forms.CharField(
        required=False,
        label="Basis of the date",
        help_text="The words that give the date, or how it was found. Filled in for you "
        "when the date comes from the document.",
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
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


class SourceChangeForm(PartialDateFormMixin, forms.ModelForm):
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
            "text",
        ]
        widgets = {"text": forms.Textarea(attrs={"rows": 24, "cols": 100})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Browsers send CRLF and the text's own white space matters, so nothing is stripped.
        if "text" in self.fields:  # absent when the user may only view
            self.fields["text"].strip = False
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
        super()._post_clean()
        if self.instance.pk:
            self.instance.text = text


def _browser_lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


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
        cleaned = super().clean()
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
