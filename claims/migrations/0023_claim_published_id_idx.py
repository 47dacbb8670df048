from django.db import migrations, models


def analyze_claims(apps, schema_editor) -> None:
    # SQLite's planner takes the new index only once it has statistics for it. A
    # database that already has statistics for the claims gets them for the index too
    # (ANALYZE of the one table); one without any gets them all on its next connection
    # (claims.signals), so nothing is recorded here for an empty table.
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone():
            return
        cursor.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'claims_claim'")
        if cursor.fetchone():
            cursor.execute("ANALYZE claims_claim")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0022_claim_versions"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("status", "published")),
                fields=["id"],
                name="claim_published_id_idx",
            ),
        ),
        migrations.RunPython(analyze_claims, migrations.RunPython.noop, elidable=True),
    ]
