"""Create the "Editors" and "Reviewers" groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = [
    "add_claim",
    "change_claim",
    "view_claim",
    "add_quote",
    "change_quote",
    "view_quote",
    "add_claimlink",
    "change_claimlink",
    "view_claimlink",
    "add_topic",
    "change_topic",
    "view_topic",
    "add_entity",
    "change_entity",
    "view_entity",
    "view_source",
]
REVIEWER_EXTRA = ["publish_claim", "retract_claim"]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (
        ("Editors", EDITOR_PERMISSIONS),
        ("Reviewers", EDITOR_PERMISSIONS + REVIEWER_EXTRA),
    ):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="claims", codename__in=codenames)
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Reviewers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
