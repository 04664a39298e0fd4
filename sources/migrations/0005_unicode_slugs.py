# Unicode slugs for sources (issue 16): letters of any script kept, stored lower-case.

from django.db import migrations, models


def lower_case_slugs(apps, schema_editor):
    """Store every slug lower-case, as new ones are, unless that would clash with another.

    Slugs made from names were lower-case already; only slugs typed by hand in capitals
    change. A clash (``CENTCOM`` beside ``centcom``) keeps the typed slug as it was.
    """
    Source = apps.get_model("sources", "Source")
    taken = set(Source.objects.values_list("slug", flat=True))
    for pk, slug in Source.objects.exclude(slug="").values_list("pk", "slug"):
        lowered = slug.lower()
        if lowered != slug and lowered not in taken:
            Source.objects.filter(pk=pk).update(slug=lowered)
            taken.add(lowered)


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0004_times"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalsource",
            name="slug",
            field=models.SlugField(
                allow_unicode=True,
                blank=True,
                help_text="Made from the name when left empty; any script, stored lower-case.",
                max_length=220,
            ),
        ),
        migrations.AlterField(
            model_name="source",
            name="slug",
            field=models.SlugField(
                allow_unicode=True,
                blank=True,
                help_text="Made from the name when left empty; any script, stored lower-case.",
                max_length=220,
                unique=True,
            ),
        ),
        migrations.RunPython(lower_case_slugs, migrations.RunPython.noop),
    ]
