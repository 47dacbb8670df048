from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_full_text_index")]

    operations = [
        migrations.RemoveConstraint(model_name="source", name="source_seed_range_valid"),
        migrations.RenameField(model_name="source", old_name="seed_start", new_name="origin_start"),
        migrations.RenameField(model_name="source", old_name="seed_end", new_name="origin_end"),
        migrations.RenameField(
            model_name="historicalsource", old_name="seed_start", new_name="origin_start"
        ),
        migrations.RenameField(
            model_name="historicalsource", old_name="seed_end", new_name="origin_end"
        ),
    ]
