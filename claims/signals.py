"""Keep RegistryState.generation moving with every change that alters public counts."""

from __future__ import annotations

import contextlib

from django.db import OperationalError
from django.db.backends.signals import connection_created
from django.db.models.signals import m2m_changed, post_delete, post_save

from claims.models import (
    Attribution,
    Claim,
    ClaimLink,
    Entity,
    Quote,
    RegistryState,
    Source,
    Topic,
)


def _advance(sender, **kwargs) -> None:
    RegistryState.advance()


def _sqlite_statistics(sender, connection, **kwargs) -> None:
    """Give a SQLite database planner statistics the first time it is opened without any.

    Without them SQLite runs the full-text MATCH once per claim (51 s for one
    search at 100,000 claims instead of 65 ms); import_seeds and load_fixtures
    refresh them after bulk loads (services.analyze).
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        # Not "does sqlite_stat1 exist": migrating an empty database creates it
        # empty, and a registry then grown by imports or edits had none for claims
        # (the timeline's link query took 9 s at 100,000 claims).
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'claims_claim'")
            if cursor.fetchone():
                return
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'claims_claim'")
        if not cursor.fetchone():
            return  # not migrated yet: nothing to learn
        # If another process holds the write lock, it is most likely analyzing too.
        with contextlib.suppress(OperationalError):
            cursor.execute("ANALYZE")


def connect() -> None:
    """Called once from the app config."""
    connection_created.connect(_sqlite_statistics, dispatch_uid="sqlite-statistics")
    for model in (Claim, ClaimLink, Topic, Entity, Source, Quote, Attribution):
        post_save.connect(_advance, sender=model, dispatch_uid=f"advance-save-{model.__name__}")
        post_delete.connect(_advance, sender=model, dispatch_uid=f"advance-delete-{model.__name__}")
    # (claimants.add() on the Attribution model sends m2m_changed, not post_save)
    for through in (Claim.topics.through, Claim.entities.through, Attribution):
        m2m_changed.connect(
            _advance, sender=through, dispatch_uid=f"advance-m2m-{through.__name__}"
        )
