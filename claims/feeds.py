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
from typing import Generic, TypeVar

from django.contrib.syndication.views import Feed
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views import View

from claims.models import Claim, ClaimQuerySet, StatusChange, Topic
from claims.views import RegistryCachedPage

FEED_SIZE = 50

# What a feed is about: the whole registry (None) or one topic.
_Scope = TypeVar("_Scope", None, Topic)


@dataclass(frozen=True)
class Announcement:
    """A claim made public or retracted, and when."""

    claim: Claim
    status: str  # Claim.Status.PUBLISHED or Claim.Status.RETRACTED
    at: dt.datetime
    reason: str = ""  # why it was retracted


def announcements(claims: ClaimQuerySet, *, limit: int = FEED_SIZE) -> list[Announcement]:
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


class AnnouncementFeed(Feed, Generic[_Scope]):
    """Claims newly published or retracted, newest first. One instance per request."""

    feed_type = Atom1Feed
    subtitle = "New and withdrawn claims in the registry, each backed by verbatim quotes."
    author_name = "factreg"

    def get_object(self, request: HttpRequest, *args, **kwargs) -> _Scope:
        self.request = request  # for absolute item ids; a fresh feed serves each request
        return self.scope(**kwargs)

    def scope(self, **kwargs: str) -> _Scope:
        """What the feed is about, from the URL's arguments."""
        raise NotImplementedError

    def title(self, obj: _Scope) -> str:
        raise NotImplementedError

    def link(self, obj: _Scope) -> str:
        raise NotImplementedError

    def claims(self, obj: _Scope) -> ClaimQuerySet:
        raise NotImplementedError

    def items(self, obj: _Scope) -> list[Announcement]:
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


class ClaimFeed(AnnouncementFeed[None]):
    """The whole registry's claims newly published or retracted."""

    def scope(self, **kwargs: str) -> None:
        return None

    def title(self, obj: None) -> str:
        return "factreg: claims published or retracted"

    def link(self, obj: None) -> str:
        return reverse("claims:claim-list")

    def claims(self, obj: None) -> ClaimQuerySet:
        return Claim.objects.all()


class TopicClaimFeed(AnnouncementFeed[Topic]):
    """One topic's claims newly published or retracted; unknown or non-public topics are 404."""

    def scope(self, **kwargs: str) -> Topic:
        return get_object_or_404(Topic.objects.public(), slug=kwargs["slug"])

    def title(self, obj: Topic) -> str:
        return f"factreg: {obj.name}: claims published or retracted"

    def link(self, obj: Topic) -> str:
        return obj.get_absolute_url()

    def claims(self, obj: Topic) -> ClaimQuerySet:
        return Claim.objects.filter(topics=obj)


class FeedView(RegistryCachedPage, View):
    """Serves a feed, cached until the registry changes."""

    feed_class: type[ClaimFeed | TopicClaimFeed] = ClaimFeed

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        return self.feed_class()(request, **kwargs)
