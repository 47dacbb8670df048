"""Keep RegistryState.generation moving with every change that alters public counts."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from claims.models import Claim, Entity, Quote, RegistryState, Source, Topic


def _advance(sender, **kwargs) -> None:
    RegistryState.advance()


def connect() -> None:
    """Called once from the app config."""
    for model in (Claim, Topic, Entity, Source, Quote):
        post_save.connect(_advance, sender=model, dispatch_uid=f"advance-save-{model.__name__}")
        post_delete.connect(_advance, sender=model, dispatch_uid=f"advance-delete-{model.__name__}")
    for through in (Claim.topics.through, Claim.entities.through):
        m2m_changed.connect(
            _advance, sender=through, dispatch_uid=f"advance-m2m-{through.__name__}"
        )
