"""What the registry's management commands share."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from claims import backups, services
from claims.seeds import ManifestError


class RegistryCommand(BaseCommand):
    """A command that the services may refuse: an error of a `refused` type (by default
    theirs: a bad manifest, a refused import, a backup that cannot be made or restored)
    ends it with its message, as a CommandError, instead of a traceback."""

    refused: tuple[type[Exception], ...] = (
        ManifestError,
        services.ImportRefused,
        backups.BackupError,
    )

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except self.refused as error:
            raise CommandError(self.refusal(error)) from None

    def refusal(self, error: Exception) -> str:
        """What the command says when `error` refused it."""
        return str(error)
