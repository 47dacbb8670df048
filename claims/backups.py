"""Whole-database backup and restore with the database's own tools, history included.

SQLite: the sqlite3 backup API (a consistent copy while others read and write).
PostgreSQL: pg_dump's custom format and pg_restore in a single transaction.
A copy of the whole database keeps every table as it is: claims, quotes, links,
history rows with their users and dates, originals' bytes, sessions and logins.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from claims.models import Claim, Entity, Original, Source, Topic


class BackupError(Exception):
    """A backup or restore that cannot go ahead, with the reason to show."""


def suffix(alias: str = "default") -> str:
    """The backup file's extension for the database: .sqlite3 or .pgdump."""
    return ".sqlite3" if connections[alias].vendor == "sqlite" else ".pgdump"


def has_content(alias: str = "default") -> bool:
    """Whether the database holds any registry data (or its history)."""
    models = (Source, Original, Claim, Topic, Entity)
    return any(model.objects.using(alias).exists() for model in models) or any(
        model.history.using(alias).exists() for model in (Source, Claim, Topic, Entity)
    )


def _pg_environment(connection: BaseDatabaseWrapper) -> tuple[dict[str, str], str]:
    settings = connection.settings_dict
    env = {**os.environ}
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if settings.get(key):
            env[variable] = str(settings[key])
    return env, settings["NAME"]


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools).") from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def backup(output: Path, alias: str = "default") -> Path:
    """Write a copy of the whole database to `output`."""
    connection = connections[alias]
    connection.ensure_connection()
    output.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        target = sqlite3.connect(output)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    elif connection.vendor == "postgresql":
        env, name = _pg_environment(connection)
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(output), name], env)
    else:
        raise BackupError(f"Backups of {connection.vendor} databases are not supported.")
    return output


def restore(source: Path, *, force: bool = False, alias: str = "default") -> None:
    """Replace the database's contents with the backup at `source`.

    Refuses a database that holds data unless `force`: nothing is overwritten by
    mistake. On failure the database is left as it was (SQLite's backup is one
    step; pg_restore runs in a single transaction).
    """
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    connection = connections[alias]
    connection.ensure_connection()
    if not force and _migrated(connection) and has_content(alias):
        raise BackupError(
            "This database is not empty: restoring would replace its data. "
            "Restore into a new database, or add --force to replace it."
        )
    if connection.vendor == "sqlite":
        try:
            backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            backup_db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} is not an SQLite backup: {error}") from None
        try:
            backup_db.backup(connection.connection)
        finally:
            backup_db.close()
    elif connection.vendor == "postgresql":
        env, name = _pg_environment(connection)
        connection.close()  # pg_restore replaces the tables this connection may hold
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                name,
                str(source),
            ],
            env,
        )
    else:
        raise BackupError(f"Restoring {connection.vendor} databases is not supported.")


def _migrated(connection: BaseDatabaseWrapper) -> bool:
    return Source._meta.db_table in connection.introspection.table_names()
