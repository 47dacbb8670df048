"""The workflow's, the links' and the dates' vocabularies, apart from the models.

Models, querysets, views and the version snapshots (which also run inside a
migration, on historical models) all read these members; defined here, they
need no model import, so querysets.py can use them at import time.
"""

from __future__ import annotations

from django.db import models


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    RETRACTED = "retracted", "Retracted"


class LinkRelation(models.TextChoices):
    CONTRADICTS = "contradicts", "contradicts"
    SUPPORTS = "supports", "supports"
    QUALIFIES = "qualifies", "qualifies"
    UPDATES = "updates", "updates"
    DUPLICATES = "duplicates", "duplicates"

    @property
    def is_symmetric(self) -> bool:
        """Whether the link reads the same from both ends."""
        return self in (LinkRelation.CONTRADICTS, LinkRelation.DUPLICATES)

    @property
    def forward(self) -> str:
        """How the link reads from the claim it starts at: "Contradicts"."""
        return self.label.capitalize()

    @property
    def inverse(self) -> str:
        """How the link reads from the claim at its far end: "Contradicted by"."""
        return _INVERSE[self]


# Outside the class: a dict in an enum's body would become a member.
_INVERSE = {
    LinkRelation.CONTRADICTS: "Contradicted by",
    LinkRelation.SUPPORTS: "Supported by",
    LinkRelation.QUALIFIES: "Qualified by",
    LinkRelation.UPDATES: "Updated by",
    LinkRelation.DUPLICATES: "Duplicated by",
}


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"
    UNKNOWN = "unknown", "Unknown"
