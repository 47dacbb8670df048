"""Editors and Reviewers add sources and download their originals."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = ["add_source", "change_source", "view_original"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="claims", codename__in=PERMISSIONS
    )
    for group in Group.objects.filter(name__in=["Editors", "Reviewers"]):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="claims", codename__in=PERMISSIONS
    )
    for group in Group.objects.filter(name__in=["Editors", "Reviewers"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [("claims", "0006_original"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(grant, revoke)]
