from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from claims import services
from claims.management.base import RegistryCommand
from claims.models import Source

# An option for each field an editor may give (blank: as the document says, if it does).
METADATA = (*services.SOURCE_FIELDS, "published_basis")
_OPTIONS: dict[str, dict[str, Any]] = {
    "url": {"help": "The article's own address, if known."},
    "published": {"help": "YYYY, YYYY-MM or YYYY-MM-DD"},
    "kind": {"choices": ["", *Source.Kind.values]},
}


class Command(RegistryCommand):
    help = (
        "Add a source from a file (.txt, .html, .htm, .pdf, .docx), a URL, or '-' for text on "
        "standard input. The same code path as the admin's 'Add source'; nothing is saved "
        "on any error."
    )
    refused = (ValidationError,)

    def add_arguments(self, parser) -> None:
        parser.add_argument("path_or_url", help="A file path, an http(s) URL, or - for stdin.")
        for name in METADATA:
            parser.add_argument(f"--{name.replace('_', '-')}", default="", **_OPTIONS.get(name, {}))

    def handle(self, *args, path_or_url: str, **options) -> None:
        values = {name: options[name] for name in METADATA if options.get(name)}
        source = services.add_source(**self.given(path_or_url), values=values)
        original = source.original
        assert original is not None  # every source taken in keeps its original
        self.stdout.write(source.slug)
        self.stdout.write(
            f"  text: {len(source.text)} characters ({source.extractor} {source.extractor_version})"
        )
        self.stdout.write(
            f"  original: SHA-256 {original.sha256} ({original.media_type}, {original.size} bytes)"
        )

    def refusal(self, error: Exception) -> str:
        assert isinstance(error, ValidationError)
        return _messages(error) + " Nothing was saved."

    @staticmethod
    def given(path_or_url: str) -> dict:
        if path_or_url == "-":
            return {"text": sys.stdin.read()}
        if path_or_url.lower().startswith(("http://", "https://")):
            return {"url": path_or_url}
        path = Path(path_or_url)
        if not path.is_file():
            raise CommandError(f"{path_or_url}: no such file.")
        return {"file_name": path.name, "file_data": path.read_bytes()}


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(
            f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
            for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)
