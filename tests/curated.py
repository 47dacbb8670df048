"""The curated registry for tests: loaded once per session, then copied into each test.

`make db` fills a database with `import_seeds` and `load_fixtures`. Those commands
take many seconds (each of the 1,400 fixture rows goes through loaddata, the
history and the registry-state signals), and dozens of tests and every browser
test want the registry they leave behind. So `capture()` runs the real commands
once, inside a transaction it rolls back, and keeps the rows they wrote, table by
table; `replay()` writes those rows back in one transaction, with plain INSERTs
(SQLite) or COPY (PostgreSQL), in a fraction of a second. A test sees exactly the
database the commands produce, and a database without the registry for every test
that does not ask for it.

The small `public_registry` of tests/conftest.py, which hundreds of tests use, is
captured and copied the same way (`capture(build)`), from its factories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction

T = TypeVar("T")


@dataclass(frozen=True)
class Table:
    """The rows the commands left in one table (all of them, if `replace`)."""

    name: str
    columns: tuple[str, ...]
    # SQLite: the rows as the driver gives them; PostgreSQL: COPY's text format.
    rows: tuple[tuple, ...] | bytes
    # The table had rows before the load and the load changed them: replay
    # replaces them (the registry-state row the signals move on).
    replace: bool = False


@dataclass(frozen=True)
class CuratedRows:
    tables: tuple[Table, ...]
    models: tuple[type[models.Model], ...]


def _model_tables() -> dict[str, type[models.Model]]:
    # Model tables only: SQLite's FTS5 index is kept by triggers on claims_claim,
    # and PostgreSQL generates claims_claim.search_vector, so neither is copied.
    return {
        model._meta.db_table: model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _columns(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(field.column for field in model._meta.concrete_fields)


def _select(table: str, columns: tuple[str, ...]) -> tuple[tuple, ...] | bytes:
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {quote(table)} ({names}) TO STDOUT") as copy:
                return b"".join(bytes(block) for block in copy)
        order = quote(columns[0])
        cursor.execute(f"SELECT {names} FROM {quote(table)} ORDER BY {order}")
        return tuple(cursor.fetchall())


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


def load_curated_registry() -> None:
    """What `make db` loads: the seeds, then the curated registry."""
    call_command("import_seeds", verbosity=0)
    call_command("load_fixtures", verbosity=0)


def capture(build: Callable[[], T]) -> tuple[CuratedRows, T]:
    """Run `build` (such as `load_curated_registry`) and keep the rows it writes, with
    what it returned (whose rows are then gone again).

    Needs database access and an empty registry; leaves the database as it found it.
    """
    tables = _model_tables()
    with transaction.atomic():
        before = {
            name: _select(name, _columns(model)) for name, model in tables.items() if _count(name)
        }
        built = build()
        kept: list[Table] = []
        for name, model in tables.items():
            columns = _columns(model)
            if name in before:
                rows = _select(name, columns)
                if rows != before[name]:
                    kept.append(Table(name, columns, rows, replace=True))
            elif _count(name):
                kept.append(Table(name, columns, _select(name, columns)))
        transaction.set_rollback(True)
    _refuse_outside_references(kept, tables)
    return CuratedRows(tuple(kept), tuple(tables[table.name] for table in kept)), built


def _refuse_outside_references(kept: list[Table], tables: dict[str, type[models.Model]]) -> None:
    # A copied row that pointed at a user, a content type or a permission would point
    # at the wrong row (or none) once a transactional test's flush renumbers them.
    copied = {table.name for table in kept}
    for table in kept:
        for field in tables[table.name]._meta.concrete_fields:
            target = field.related_model
            if target is None or target._meta.db_table in copied:
                continue
            column = table.columns.index(field.column)
            if isinstance(table.rows, bytes):
                values = {line.split(b"\t")[column] for line in table.rows.splitlines()}
                used = values - {b"\\N"}
            else:
                used = {row[column] for row in table.rows} - {None}
            assert not used, (
                f"The curated registry's {table.name}.{field.column} refers to "
                f"{target._meta.db_table}, which tests/curated.py does not copy."
            )


def can_replay(curated: CuratedRows) -> bool:
    """Whether the tables the rows go to are empty (the replaced ones aside), so that the
    rows' ids are free."""
    return not any(_count(table.name) for table in curated.tables if not table.replace)


def replay(curated: CuratedRows) -> None:
    """Write the captured rows into the database, in one transaction (or savepoint)."""
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for table in curated.tables:
            if table.replace:
                cursor.execute(f"DELETE FROM {quote(table.name)}")
            names = ", ".join(quote(column) for column in table.columns)
            if isinstance(table.rows, bytes):
                with cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
                    copy.write(table.rows)
            else:
                marks = ", ".join(["%s"] * len(table.columns))
                cursor.executemany(
                    f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", table.rows
                )
        # Rows written with their ids leave PostgreSQL's sequences behind; loaddata
        # moves them on, and so must this, or the next new row reuses an id.
        for statement in connection.ops.sequence_reset_sql(no_style(), list(curated.models)):
            cursor.execute(statement)
        if connection.vendor == "sqlite":
            # As load_fixtures (services.analyze): planner statistics for the new rows.
            cursor.execute("ANALYZE")
