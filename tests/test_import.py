from __future__ import annotations

import hashlib
import itertools
import shutil
import tomllib
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.models import Quote, Source
from claims.seeds import ManifestError, load_manifest, read_seed, sha256
from tests.factories import make_claim, make_quote

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    """A writable copy of the seeds folder."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def test_every_seed_file_is_described_and_becomes_at_least_one_source():
    seeds = load_manifest(SEEDS)
    assert {s.seed_file for s in seeds} == {p.name for p in SEEDS.glob("*.txt")}


def test_the_file_that_joins_several_pieces_has_one_source_per_piece():
    pieces = [s for s in load_manifest(SEEDS) if s.seed_file.startswith("002_")]
    assert len(pieces) == 9
    assert [p.seed_start for p in pieces] == sorted(p.seed_start for p in pieces)
    for before, after in itertools.pairwise(pieces):
        assert before.seed_end <= after.seed_start


def test_source_text_is_an_untouched_range_of_the_raw_seed():
    for seed in load_manifest(SEEDS):
        raw = read_seed(SEEDS / seed.seed_file)
        assert raw[seed.seed_start : seed.seed_end] == seed.text


# SHA-256 of the seed documents as shipped: the seeds must never be edited.
SHIPPED_SHA256 = {
    "000_d103986742343f46.txt": "5cc5ba0eed6a270ac269ead2368bdb0a5f9011d275e9abad4d2fe28af653c5af",
    "001_91acdc9291fd1baa.txt": "0d5e579c839bf30901d99bb422c82a197b0c460df3682f886bc02ce6487f437e",
    "002_0dc540b658ae18e1.txt": "9ca4ddd9e2e80bd3d1bf3698bb5bc2ffa4eb46cce081e8e29e4b33c3d809ef34",
    "003_5ddb3ba104c58e66.txt": "a9bbcea2a7dbd0dfa483cc8494084ef8acd3dbe7e226ceb1f4fb3d3dbafb78c3",
    "004_e8ef7e9fb16e62fa.txt": "eaba03342776c6178b35ade8734a1643cab180a329aa937a1d3508c366190e6e",
}


def test_seeds_are_byte_identical_to_the_shipped_documents():
    found = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SEEDS.glob("*.txt")}
    assert found == SHIPPED_SHA256


def test_import_creates_every_source_with_its_metadata(db):
    call_command("import_seeds", verbosity=0)
    assert Source.objects.count() == len(load_manifest(SEEDS))
    source = Source.objects.get(slug="avdaliani-2020-ties-face-challenges")
    assert source.author == "Emil Avdaliani"
    assert source.published_display == "2020-09-15"
    assert source.text_sha256 == sha256(source.text)
    unknown = Source.objects.get(slug="iran-azerbaijan-tensions")
    assert (unknown.author, unknown.published, unknown.published_precision) == ("", None, "unknown")


def test_import_twice_changes_nothing(db, capsys):
    call_command("import_seeds")
    before = list(Source.objects.values())
    history = Source.history.count()
    call_command("import_seeds")
    assert list(Source.objects.values()) == before
    assert Source.history.count() == history
    assert "13 unchanged" in capsys.readouterr().out


def test_changed_seed_updates_text_and_moves_quotes(db, seed_copy):
    call_command("import_seeds", str(seed_copy), verbosity=0)
    source = Source.objects.get(slug="avdaliani-2020-ties-face-challenges")
    quote = make_quote(make_claim(), source, "Only two servicemen will be sent as observers.")
    old_start = quote.start
    path = seed_copy / source.seed_file
    raw = read_seed(path)
    path.write_text(raw.replace("Analytics 17:45", "Analytics (updated) 17:45"), encoding="utf-8")

    call_command("import_seeds", str(seed_copy), verbosity=0)

    quote.refresh_from_db()
    source.refresh_from_db()
    assert quote.start == old_start + len("(updated) ")
    assert source.text[quote.start : quote.end] == quote.exact
    assert source.text_sha256 == sha256(source.text)


def test_change_that_would_orphan_a_quote_is_refused_and_nothing_changes(db, seed_copy):
    call_command("import_seeds", str(seed_copy), verbosity=0)
    source = Source.objects.get(slug="avdaliani-2020-ties-face-challenges")
    make_quote(make_claim(), source, "Only two servicemen will be sent as observers.")
    before = list(Source.objects.values())
    path = seed_copy / source.seed_file
    raw = read_seed(path)
    path.write_text(raw.replace("Only two servicemen", "Only three servicemen"), encoding="utf-8")

    with pytest.raises(CommandError, match="no longer contains 1 quote"):
        call_command("import_seeds", str(seed_copy), verbosity=0)

    assert list(Source.objects.values()) == before
    assert Quote.objects.get().exact == "Only two servicemen will be sent as observers."


def _rewrite_manifest(seed_dir: Path, old: str, new: str) -> None:
    manifest = seed_dir / "sources.toml"
    manifest.write_text(read_seed(manifest).replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('start = "Azerbaijan-Russia Ties', 'start = "No such words', "key 'start'"),
        ('kind = "analysis"', 'kind = "blog"', "kind must be one of"),
        ('published = "2020-09-15"', 'published = "2020-13-45"', "not a real date"),
        ('published = "2020-09-15"', 'published = "15.09.2020"', "does not match precision"),
        ('title = "Azerbaijan-Russia Ties', 'titel = "Azerbaijan-Russia Ties', "'title'"),
        ("[[source]]", "[[source]\n", "not valid TOML"),
        (
            'title = "Azerbaijan-Russia Ties',
            'title = "Azerbaijan-Russia\\nTY  - JOUR\\nTies',
            "Write this on one line",
        ),
        ('author = "Emil Avdaliani"', 'author = "Emil \\u202eAvdaliani"', "U\\+202E"),
    ],
)
def test_bad_manifest_gives_a_clear_error_and_writes_nothing(db, seed_copy, old, new, message):
    _rewrite_manifest(seed_copy, old, new)
    with pytest.raises(CommandError, match=message):
        call_command("import_seeds", str(seed_copy), verbosity=0)
    assert Source.objects.count() == 0


def test_error_names_the_file_and_the_source(seed_copy):
    _rewrite_manifest(seed_copy, 'start = "Azerbaijan-Russia Ties', 'start = "No such words')
    with pytest.raises(ManifestError) as caught:
        load_manifest(seed_copy)
    assert "avdaliani-2020-ties-face-challenges" in str(caught.value)
    assert "001_91acdc9291fd1baa.txt" in str(caught.value)


def test_a_bad_entry_after_good_ones_leaves_the_database_unchanged(db, seed_copy):
    manifest = tomllib.loads(read_seed(seed_copy / "sources.toml"))
    last = manifest["source"][-1]["slug"]
    _rewrite_manifest(seed_copy, f'slug = "{last}"', f'slug = "{last}"\nextra = "x"')
    with pytest.raises(CommandError, match="unknown key 'extra'"):
        call_command("import_seeds", str(seed_copy), verbosity=0)
    assert Source.objects.count() == 0


def test_database_error_midway_rolls_back_every_source(db, seed_copy):
    _rewrite_manifest(
        seed_copy, 'slug = "foreign-policy-strategy-changing-2010"', f'slug = "{"x" * 150}"'
    )
    with pytest.raises(CommandError, match="at most 100 characters"):
        call_command("import_seeds", str(seed_copy), verbosity=0)
    assert Source.objects.count() == 0
