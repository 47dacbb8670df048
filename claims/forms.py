from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from claims.evidence import place_quote
from claims.models import ClaimLink, Quote


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


class ClaimLinkForm(forms.ModelForm):
    class Meta:
        model = ClaimLink
        fields = ["relation", "to_claim", "rationale"]
        widgets = {"rationale": forms.Textarea(attrs={"rows": 2, "cols": 50})}
