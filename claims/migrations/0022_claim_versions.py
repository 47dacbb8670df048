"""Numbered public versions of claims, and version 1 for every claim already public."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def first_versions(apps, schema_editor) -> None:
    # The same snapshot code as services.record_public_version, through this migration's
    # models: a later change compares against exactly what the service would have written.
    # Batches of 1,000 claims, a fixed number of queries and one bulk insert each.
    from claims.versions import Models, backfill

    if backfill(models=Models.historical(apps)):
        # Pages cached before the migration lack the version line and history.
        apps.get_model("claims", "RegistryState").objects.filter(pk=1).update(
            generation=F("generation") + 1
        )


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0021_source_licence_and_sharing'),
    ]

    operations = [
        migrations.CreateModel(
            name='ClaimVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('published_at', models.DateTimeField(help_text='When this version became public.')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('review', 'In review'), ('published', 'Published'), ('retracted', 'Retracted')], max_length=10)),
                ('statement', models.TextField()),
                ('content', models.JSONField(help_text='Everything the claim page showed, as it showed it.')),
                ('claim', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='public_versions', to='claims.claim')),
            ],
            options={
                'ordering': ['claim_id', 'number'],
                'constraints': [models.UniqueConstraint(fields=('claim', 'number'), name='claimversion_unique_number'), models.CheckConstraint(condition=models.Q(('number__gte', 1)), name='claimversion_number_positive'), models.CheckConstraint(condition=models.Q(('status__in', ['published', 'retracted'])), name='claimversion_status_public')],
            },
        ),
        migrations.RunPython(first_versions, migrations.RunPython.noop, elidable=True),
    ]
