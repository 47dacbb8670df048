from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims import services
from claims.models import Source


class Command(BaseCommand):
    help = (
        "Add a source from a file (.txt, .html, .htm, .pdf, .docx), a URL, or '-' for text on "
        "standard input. The same code path as the admin's 'Add source'; nothing is saved "
        "on any error."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path_or_url", help="A file path, an http(s) URL, or - for stdin.")
        parser.add_argument("--title", default="")
        parser.add_argument("--slug", default="")
        parser.add_argument("--author", default="")
        parser.add_argument("--outlet", default="")
        parser.add_argument("--url", default="", help="The article's own address, if known.")
        parser.add_argument("--published", default="", help="YYYY, YYYY-MM or YYYY-MM-DD")
        parser.add_argument("--published-basis", default="")
        parser.add_argument("--kind", default="", choices=["", *Source.Kind.values])
        parser.add_argument("--language", default="")

    def handle(self, *args, path_or_url: str, **options) -> None:
        values = {name: options[name] for name in services.SOURCE_FIELDS if options.get(name)}
        if options["published_basis"]:
            values["published_basis"] = options["published_basis"]
        try:
            source = services.add_source(**self.given(path_or_url), values=values)
        except ValidationError as error:
            raise CommandError(_messages(error) + " Nothing was saved.") from None
        original = source.original
        assert original is not None  # every source taken in keeps its original
        self.stdout.write(source.slug)
        self.stdout.write(
            f"  text: {len(source.text)} characters ({source.extractor} {source.extractor_version})"
        )
        self.stdout.write(
            f"  original: SHA-256 {original.sha256} ({original.media_type}, {original.size} bytes)"
        )

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
