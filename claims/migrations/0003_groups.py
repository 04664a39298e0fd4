"""The two roles: Editors write every tracker model and use the admin; Researchers read."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TRACKER_MODELS = {
    "sources": ["source", "document"],
    "claims": ["claim", "attribution", "dispute", "topic"],
}


def create_groups(apps, schema_editor):
    # Permissions are normally made after migrate; make them now so the groups get them.
    for app_label in ("sources", "claims"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    editors, _ = Group.objects.get_or_create(name="Editors")
    researchers, _ = Group.objects.get_or_create(name="Researchers")
    for app_label, models in TRACKER_MODELS.items():
        for model in models:
            perms = Permission.objects.filter(
                content_type__app_label=app_label, content_type__model=model
            )
            editors.permissions.add(*perms)
            researchers.permissions.add(*perms.filter(codename__startswith="view_"))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Researchers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0002_vendor_indexes"),
        ("sources", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
