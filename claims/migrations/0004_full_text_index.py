"""Full-text search over Claim.search_text, one index per database.

PostgreSQL: a GIN index on the same to_tsvector expression the queries use.
SQLite: an FTS5 external-content table kept in step with claims_claim by
triggers. Django's SQLite schema editor rebuilds a table on some ALTERs, which
drops its triggers: a later migration that alters claims_claim must run
SQLITE_TRIGGERS again (tests/test_search.py fails loudly if it does not).
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

SEARCH_CONFIG = "english"

SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS claims_claim_fts USING fts5("
    "search_text, content='claims_claim', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')"
)
SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS claims_claim_fts_insert",
    "DROP TRIGGER IF EXISTS claims_claim_fts_delete",
    "DROP TRIGGER IF EXISTS claims_claim_fts_update",
    "CREATE TRIGGER claims_claim_fts_insert AFTER INSERT ON claims_claim BEGIN "
    "INSERT INTO claims_claim_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER claims_claim_fts_delete AFTER DELETE ON claims_claim BEGIN "
    "INSERT INTO claims_claim_fts(claims_claim_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER claims_claim_fts_update AFTER UPDATE ON claims_claim BEGIN "
    "INSERT INTO claims_claim_fts(claims_claim_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO claims_claim_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO claims_claim_fts(claims_claim_fts) VALUES ('rebuild')",
]


def search_index(name: str = "claim_search_gin") -> GinIndex:
    return GinIndex(SearchVector("search_text", config=SEARCH_CONFIG), name=name)


def fill_search_text(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    for claim in Claim.objects.prefetch_related("quotes"):
        parts = [claim.statement, *(q.exact for q in claim.quotes.all())]
        claim.search_text = "\n".join(parts)
        claim.save(update_fields=["search_text"])


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.add_index(apps.get_model("claims", "Claim"), search_index())
    elif vendor == "sqlite":
        for statement in [SQLITE_TABLE, *SQLITE_TRIGGERS]:
            schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("claims", "Claim"), search_index())
    elif vendor == "sqlite":
        for statement in SQLITE_TRIGGERS[:3] + ["DROP TABLE IF EXISTS claims_claim_fts"]:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("claims", "0003_claim_search_text")]

    operations = [
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
