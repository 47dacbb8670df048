"""Chainable queries for the registry's models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Count, Prefetch, Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from claims.models import Claim


class SourceQuerySet(models.QuerySet):
    def with_quote_counts(self) -> SourceQuerySet:
        """Annotate `quote_count` and `claim_count`."""
        return self.annotate(
            quote_count=Count("quotes", distinct=True),
            claim_count=Count("quotes__claim", distinct=True),
        )

    def get_by_natural_key(self, slug: str):
        """Look a source up by its slug (fixtures refer to sources this way)."""
        return self.get(slug=slug)


class SlugQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug: str):
        """Look a row up by its slug (fixtures refer to it this way)."""
        return self.get(slug=slug)


class ClaimQuerySet(models.QuerySet):
    def published(self) -> ClaimQuerySet:
        """Only claims the public may see."""
        return self.filter(status="published")

    def for_topic(self, slug: str) -> ClaimQuerySet:
        """Claims tagged with the topic `slug`."""
        return self.filter(topics__slug=slug)

    def for_entity(self, slug: str) -> ClaimQuerySet:
        """Claims that name the entity `slug`."""
        return self.filter(entities__slug=slug)

    def for_source(self, slug: str) -> ClaimQuerySet:
        """Claims with at least one quote from the source `slug`."""
        return self.filter(quotes__source__slug=slug).distinct()

    def with_counts(self) -> ClaimQuerySet:
        """Annotate `quote_count` and `link_count` (links in either direction)."""
        return self.annotate(
            quote_count=Count("quotes", distinct=True),
            link_count=Count("links_out", distinct=True) + Count("links_in", distinct=True),
        )

    def with_evidence(self) -> ClaimQuerySet:
        """Prefetch quotes with their sources, topics and entities."""
        from claims.models import Quote

        return self.prefetch_related(
            Prefetch("quotes", queryset=Quote.objects.select_related("source")),
            "topics",
            "entities",
        )

    def set_status(self, status: str, user: AbstractBaseUser | None) -> int:
        """Move each claim to `status`, saving one by one so history records it."""
        changed = 0
        for claim in self.exclude(status=status):
            claim.status = status
            claim.updated_by = user
            claim.save(update_fields=["status", "updated_by", "updated_at"])
            changed += 1
        return changed


class QuoteQuerySet(models.QuerySet):
    def published(self) -> QuoteQuerySet:
        """Quotes of published claims."""
        return self.filter(claim__status="published")

    def for_report(self) -> QuoteQuerySet:
        """Quotes with the source columns a report needs, in a stable order."""
        return self.select_related("source").order_by("claim_id", "source__slug", "start", "pk")


class ClaimLinkQuerySet(models.QuerySet):
    def involving(self, claim: Claim) -> ClaimLinkQuerySet:
        """Links from `claim`, plus symmetric links that point at it."""
        from claims.models import ClaimLink

        return self.filter(
            Q(from_claim=claim) | Q(to_claim=claim, relation__in=ClaimLink.SYMMETRIC)
        )

    def for_relation(self, relation: str) -> ClaimLinkQuerySet:
        """Links of one relation type."""
        return self.filter(relation=relation)
