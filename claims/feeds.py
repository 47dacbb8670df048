"""Atom feeds of claims newly published or retracted: the whole registry's and each topic's.

An item is one step: "Published: …" or "Retracted: …", dated by the reviewer's
workflow step (StatusChange). A public claim whose status no step records (one
loaded from a fixture) counts as published when it was created, or retracted
when it was retracted. The feeds are cached per registry generation like the
pages, and cost a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views import View

from claims.models import Claim, StatusChange, Topic
from claims.views import RegistryCachedPage

FEED_SIZE = 50


@dataclass(frozen=True)
class Announcement:
    """A claim made public or retracted, and when."""

    claim: Claim
    status: str  # Claim.Status.PUBLISHED or Claim.Status.RETRACTED
    at: dt.datetime
    reason: str = ""  # why it was retracted


def announcements(claims: QuerySet[Claim], *, limit: int = FEED_SIZE) -> list[Announcement]:
    """The `limit` newest publications and retractions among `claims` (public ones), newest
    first, in three queries: recorded steps, unrecorded claims, and their topics."""
    claims = claims.visible()
    found = [
        Announcement(
            step.claim,
            step.to_status,
            step.changed_at,
            (step.comment or step.claim.retraction_reason)
            if step.to_status == Claim.Status.RETRACTED
            else "",
        )
        for step in StatusChange.objects.announced()
        .filter(claim__in=claims.values("pk"))
        .select_related("claim")[:limit]
    ]
    # Newest first by id, which follows creation: the creation time has no index, and
    # sorting every claim by it would read them all.
    for claim in claims.unrecorded().order_by("-pk")[:limit]:
        retracted = claim.status == Claim.Status.RETRACTED
        found.append(
            Announcement(
                claim,
                claim.status,
                (claim.retracted_at or claim.updated_at) if retracted else claim.created_at,
                claim.retraction_reason if retracted else "",
            )
        )
    found.sort(key=lambda a: (a.at, a.claim.pk), reverse=True)
    found = found[:limit]
    prefetch_related_objects([a.claim for a in found], "topics")
    return found


class ClaimFeed(Feed):
    """Claims newly published or retracted, newest first. One instance per request."""

    feed_type = Atom1Feed
    title = "factreg: claims published or retracted"
    subtitle = "New and withdrawn claims in the registry, each backed by verbatim quotes."
    author_name = "factreg"

    def get_object(self, request: HttpRequest, *args, **kwargs) -> Topic | None:
        self.request = request  # for absolute item ids; a fresh feed serves each request
        return None

    def link(self, obj: Topic | None) -> str:
        return reverse("claims:claim-list")

    def claims(self, obj: Topic | None) -> QuerySet[Claim]:
        return Claim.objects.all()

    def items(self, obj: Topic | None) -> list[Announcement]:
        return announcements(self.claims(obj))

    def item_title(self, item: Announcement) -> str:
        return f"{Claim.Status(item.status).label}: {item.claim.statement}"

    def item_link(self, item: Announcement) -> str:
        return item.claim.get_absolute_url()

    def item_guid(self, item: Announcement) -> str:
        # One entry per step: a retraction is news even to a reader who saw the publication.
        return self.request.build_absolute_uri(f"{item.claim.get_absolute_url()}#{item.status}")

    def item_description(self, item: Announcement) -> str:
        if item.status == Claim.Status.RETRACTED and item.reason:
            return f"{item.claim.statement} Reason for the retraction: {item.reason}"
        return item.claim.statement

    def item_pubdate(self, item: Announcement) -> dt.datetime:
        return item.at

    def item_updateddate(self, item: Announcement) -> dt.datetime:
        return item.at

    def item_categories(self, item: Announcement) -> list[str]:
        return [topic.name for topic in item.claim.topics.all()]


class TopicClaimFeed(ClaimFeed):
    """One topic's claims newly published or retracted; unknown or non-public topics are 404."""

    def get_object(self, request: HttpRequest, slug: str) -> Topic:
        super().get_object(request)
        return get_object_or_404(Topic.objects.public(), slug=slug)

    def title(self, obj: Topic) -> str:
        return f"factreg: {obj.name}: claims published or retracted"

    def link(self, obj: Topic) -> str:
        return obj.get_absolute_url()

    def claims(self, obj: Topic) -> QuerySet[Claim]:
        return obj.claims.all()


class FeedView(RegistryCachedPage, View):
    """Serves a feed, cached until the registry changes."""

    feed_class: type[ClaimFeed] = ClaimFeed

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        return self.feed_class()(request, **kwargs)
