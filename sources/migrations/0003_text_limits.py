"""Size limits (factcheck/limits.py) on a source's description and a document's URL (in UTF-8
bytes, for its unique B-tree index): validators only, no schema change."""

import django.core.validators
from django.db import migrations, models

import factcheck.limits


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0002_source_family"),
    ]

    operations = [
        migrations.AlterField(
            model_name="document",
            name="url",
            field=models.URLField(
                blank=True,
                max_length=1000,
                validators=[factcheck.limits.MaxUTF8BytesValidator(2000)],
            ),
        ),
        migrations.AlterField(
            model_name="historicaldocument",
            name="url",
            field=models.URLField(
                blank=True,
                max_length=1000,
                validators=[factcheck.limits.MaxUTF8BytesValidator(2000)],
            ),
        ),
        migrations.AlterField(
            model_name="historicalsource",
            name="description",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(5000)]
            ),
        ),
        migrations.AlterField(
            model_name="source",
            name="description",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(5000)]
            ),
        ),
    ]
