"""Read `seeds/sources.toml`: which ranges of which seed files are sources.

Pure Python (no Django). Import only selects ranges of the raw files and never
rewrites a character, so every offset into a source's text is also an offset
into its raw seed file (shifted by `seed_start`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "sources.toml"
KINDS = {"analysis", "news", "academic", "op-ed"}
PRECISIONS = {"day", "month", "year", "unknown"}
_REQUIRED = ("slug", "file", "start", "end", "title", "kind")
_OPTIONAL = (
    "author",
    "outlet",
    "url",
    "language",
    "published",
    "published_precision",
    "published_basis",
)
# The Source fields an entry gives (each key names one), besides its slug and text.
METADATA = ("title", "kind", *_OPTIONAL)
_DATE_FORMATS = {"day": r"\d{4}-\d{2}-\d{2}", "month": r"\d{4}-\d{2}", "year": r"\d{4}"}


class ManifestError(ValueError):
    """`sources.toml` or a seed file does not say what it should."""


@dataclass(frozen=True)
class SeedSource:
    """One source as the manifest describes it, with its text cut from the seed."""

    slug: str
    seed_file: str
    seed_start: int
    seed_end: int
    text: str
    title: str
    kind: str
    author: str = ""
    outlet: str = ""
    url: str = ""
    language: str = "en"
    published: dt.date | None = None
    published_precision: str = "unknown"
    published_basis: str = ""

    @property
    def text_sha256(self) -> str:
        """Hex digest of the source text, the import's identity check."""
        return sha256(self.text)


def sha256(text: str) -> str:
    """Hex SHA-256 of the UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_seed(path: Path) -> str:
    """A seed file's text exactly as stored (no newline translation)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def parse_published(value: str, precision: str, where: str) -> dt.date | None:
    """Turn `2023`, `2023-10` or `2023-10-05` into a date at the stated precision."""
    if precision not in PRECISIONS:
        raise ManifestError(f"{where}: published_precision must be one of {sorted(PRECISIONS)}")
    if precision == "unknown":
        if value:
            raise ManifestError(f"{where}: published is set but published_precision is 'unknown'")
        return None
    if not re.fullmatch(_DATE_FORMATS[precision], value or ""):
        raise ManifestError(
            f"{where}: published {value!r} does not match precision {precision!r} "
            f"(expected {_DATE_FORMATS[precision].replace(chr(92) + 'd', 'N')})"
        )
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        return dt.date(parts[0], parts[1], parts[2])
    except ValueError as error:
        raise ManifestError(f"{where}: published {value!r} is not a real date ({error})") from None


def _locate(raw: str, marker: str, where: str) -> int:
    count = raw.count(marker)
    if count != 1:
        found = "not found" if count == 0 else f"found {count} times"
        raise ManifestError(f"{where}: marker {marker!r} {found}; it must occur exactly once")
    return raw.index(marker)


def load_manifest(seed_dir: Path) -> list[SeedSource]:
    """Parse and check the whole manifest; raise `ManifestError` on the first fault."""
    manifest = seed_dir / MANIFEST
    try:
        data = tomllib.loads(read_seed(manifest))
    except FileNotFoundError:
        raise ManifestError(f"{manifest}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(f"{manifest}: not valid TOML ({error})") from None
    entries = data.get("source")
    if not isinstance(entries, list) or not entries:
        raise ManifestError(f"{manifest}: no [[source]] entries")
    sources: list[SeedSource] = []
    raws: dict[str, str] = {}
    for index, entry in enumerate(entries, start=1):
        slug = entry.get("slug", f"#{index}") if isinstance(entry, dict) else f"#{index}"
        where = f"{manifest} [[source]] {slug}"
        for key in _REQUIRED:
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ManifestError(f"{where}: key {key!r} is missing or empty")
        for key, value in entry.items():
            if key not in _REQUIRED + _OPTIONAL:
                raise ManifestError(f"{where}: unknown key {key!r}")
            if not isinstance(value, str):
                raise ManifestError(f"{where}: key {key!r} must be a string")
        if entry["kind"] not in KINDS:
            raise ManifestError(f"{where}: kind must be one of {sorted(KINDS)}")
        if not re.fullmatch(r"[-a-z0-9]+", entry["slug"]):
            raise ManifestError(f"{where}: slug must be lowercase letters, digits and hyphens")
        name = entry["file"]
        if Path(name).name != name:
            raise ManifestError(f"{where}: file {name!r} must be a file name in {seed_dir}")
        if name not in raws:
            try:
                raws[name] = read_seed(seed_dir / name)
            except FileNotFoundError:
                raise ManifestError(f"{where}: seed file {name!r} not found") from None
        raw = raws[name]
        start = _locate(raw, entry["start"], f"{where} (file {name}, key 'start')")
        end_at = _locate(raw, entry["end"], f"{where} (file {name}, key 'end')")
        end = end_at + len(entry["end"])
        if end <= start:
            raise ManifestError(f"{where}: the 'end' marker comes before the 'start' marker")
        precision = entry.get("published_precision", "unknown")
        sources.append(
            SeedSource(
                slug=entry["slug"],
                seed_file=name,
                seed_start=start,
                seed_end=end,
                text=raw[start:end],
                title=entry["title"],
                kind=entry["kind"],
                author=entry.get("author", ""),
                outlet=entry.get("outlet", ""),
                url=entry.get("url", ""),
                language=entry.get("language", "en"),
                published=parse_published(entry.get("published", ""), precision, where),
                published_precision=precision,
                published_basis=entry.get("published_basis", ""),
            )
        )
    slugs = [s.slug for s in sources]
    duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicates:
        raise ManifestError(f"{manifest}: duplicate slug(s) {', '.join(duplicates)}")
    return sources
