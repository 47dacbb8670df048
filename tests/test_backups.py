"""Backup and restore round-trip the whole registry, history included, on either database."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from claims import backups, models
from claims.models import Claim, ClaimLink, Entity, Quote, Source, Topic
from tests.factories import make_topic
from tests.processes import manage

HISTORIES = ["Claim", "Quote", "ClaimLink", "Source", "Topic", "Entity", "Attribution"]
COUNT_HISTORY = (
    "import claims.models as m; print(*[getattr(m, n).history.count() for n in {names}])"
)


@pytest.fixture
def fresh_database(tmp_path) -> Iterator[dict[str, str]]:
    """The environment of a brand-new, empty database of the suite's own kind."""
    if connection.vendor == "sqlite":
        url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        yield {**os.environ, "DATABASE_URL": url}
        return
    import psycopg

    name = f"factreg_restore_{os.getpid()}"
    params = connection.settings_dict
    admin = psycopg.connect(
        host=params["HOST"],
        port=params["PORT"] or 5432,
        user=params["USER"],
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    url = f"postgres://{params['USER']}{password}@{params['HOST']}:{params['PORT'] or 5432}/{name}"
    try:
        yield {**os.environ, "DATABASE_URL": url}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _report() -> dict:
    out = io.StringIO()
    call_command("registry_report", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_a_backup_restores_into_a_fresh_database_with_the_same_registry_and_history(
    transactional_db, curated_registry, tmp_path, fresh_database
):
    claim = Claim.objects.order_by("pk").first()
    claim.statement += " (edited)"
    claim.save()  # one more history row, with its change
    before = _report()
    history = [str(getattr(models, name).history.count()) for name in HISTORIES]
    assert Claim.history.count() > Claim.objects.count()

    backup = tmp_path / f"registry{'.sqlite3' if connection.vendor == 'sqlite' else '.pgdump'}"
    call_command("backup", "--output", str(backup), stdout=io.StringIO())
    assert backup.stat().st_size > 0

    manage(fresh_database, "restore", str(backup))
    after = json.loads(manage(fresh_database, "registry_report", "--json"))
    assert after == before
    restored = manage(
        fresh_database, "shell", "-v", "0", "-c", COUNT_HISTORY.format(names=HISTORIES)
    ).split()
    assert restored == history
    assert before["counts"]["claims"] == Claim.objects.count() > 0


def test_restore_refuses_a_database_that_holds_data_unless_forced(transactional_db, tmp_path):
    call_command("import_seeds", verbosity=0)
    backup = tmp_path / "registry.backup"
    call_command("backup", "--output", str(backup), stdout=io.StringIO())
    with pytest.raises(CommandError, match="This database is not empty"):
        call_command("restore", str(backup))
    assert Source.objects.count() == 13


def test_restore_of_a_missing_or_foreign_file_is_a_clear_error(transactional_db, tmp_path):
    with pytest.raises(CommandError, match="No backup file at"):
        call_command("restore", str(tmp_path / "nothing.sqlite3"))
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a backup")
    with pytest.raises(CommandError):
        call_command("restore", str(junk), "--force")
    assert not Claim.objects.exists()
    assert Topic.objects.count() == Entity.objects.count() == Quote.objects.count() == 0
    assert not ClaimLink.objects.exists()


@pytest.fixture
def restored(fresh_database) -> Iterator[str]:
    """The fresh, empty database as a second connection of this process, named "restored"."""
    url = fresh_database["DATABASE_URL"]
    name = url.removeprefix("sqlite:///") if connection.vendor == "sqlite" else url.rsplit("/")[-1]
    # Made here rather than in settings, so the test database guard lets it connect.
    default = connections["default"]
    wrapper = type(default)({**default.settings_dict, "NAME": name}, alias="restored")
    connections["restored"] = wrapper
    try:
        yield "restored"
    finally:
        wrapper.close()
        del connections["restored"]


def test_a_database_restored_in_place_holds_the_backup_and_a_second_restore_needs_force(
    transactional_db, tmp_path, restored
):
    call_command("import_seeds", verbosity=0)
    first = backups.backup(tmp_path / f"first{backups.suffix()}")
    backups.restore(first, alias=restored)
    assert Source.objects.using(restored).count() == 13
    assert not Topic.objects.using(restored).exists()

    make_topic("pipelines", name="Pipelines")
    second = backups.backup(tmp_path / f"second{backups.suffix()}")
    with pytest.raises(backups.BackupError, match="This database is not empty"):
        backups.restore(second, alias=restored)
    backups.restore(second, force=True, alias=restored)
    assert list(Topic.objects.using(restored).values_list("name", flat=True)) == ["Pipelines"]
    assert Source.objects.using(restored).count() == 13


def test_a_backup_without_a_named_file_goes_to_backups_with_the_database_suffix(
    transactional_db, tmp_path, monkeypatch
):
    call_command("import_seeds", verbosity=0)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    call_command("backup", stdout=out)
    (written,) = (tmp_path / "backups").iterdir()
    suffix = ".sqlite3" if connection.vendor == "sqlite" else ".pgdump"
    assert written.name.startswith("factreg-") and written.suffix == suffix
    assert out.getvalue().startswith(f"Backed up to backups/{written.name} (")


def test_without_outside_tools_postgresql_says_pg_dump_is_missing_and_sqlite_backs_up(
    transactional_db, tmp_path, monkeypatch
):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump, nor any other program, on it
    if connection.vendor == "postgresql":
        with pytest.raises(CommandError, match=r"^pg_dump is not installed \(PostgreSQL's client"):
            call_command("backup", "--output", str(tmp_path / "x.pgdump"))
        assert not (tmp_path / "x.pgdump").exists()
    else:
        # SQLite backs up through its own API in this process: nothing outside is needed.
        call_command("backup", "--output", str(tmp_path / "x.sqlite3"), stdout=io.StringIO())
        assert (tmp_path / "x.sqlite3").stat().st_size > 0
