"""Size limits (factcheck/limits.py) on every text of a claim, hop and dispute: validators only,
no schema change. The claim text limit keeps its trigram GiST index row under 8,191 bytes."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0009_projection"),
    ]

    operations = [
        migrations.AlterField(
            model_name="attribution",
            name="note",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(5000)]
            ),
        ),
        migrations.AlterField(
            model_name="attribution",
            name="quote",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(10000)]
            ),
        ),
        migrations.AlterField(
            model_name="attribution",
            name="quote_translation",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(10000)]
            ),
        ),
        migrations.AlterField(
            model_name="claim",
            name="text",
            field=models.TextField(validators=[django.core.validators.MaxLengthValidator(2000)]),
        ),
        migrations.AlterField(
            model_name="claim",
            name="verdict_explanation",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(20000)]
            ),
        ),
        migrations.AlterField(
            model_name="dispute",
            name="quote",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(10000)]
            ),
        ),
        migrations.AlterField(
            model_name="dispute",
            name="quote_translation",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(10000)]
            ),
        ),
        migrations.AlterField(
            model_name="dispute",
            name="resolution_note",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(5000)]
            ),
        ),
        migrations.AlterField(
            model_name="dispute",
            name="statement",
            field=models.TextField(
                blank=True,
                help_text="What the disputant said, in summary.",
                validators=[django.core.validators.MaxLengthValidator(5000)],
            ),
        ),
        migrations.AlterField(
            model_name="historicalattribution",
            name="note",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(5000)]
            ),
        ),
        migrations.AlterField(
            model_name="historicalattribution",
            name="quote",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(10000)]
            ),
        ),
        migrations.AlterField(
            model_name="historicalattribution",
            name="quote_translation",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(10000)]
            ),
        ),
        migrations.AlterField(
            model_name="historicalclaim",
            name="text",
            field=models.TextField(validators=[django.core.validators.MaxLengthValidator(2000)]),
        ),
        migrations.AlterField(
            model_name="historicalclaim",
            name="verdict_explanation",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(20000)]
            ),
        ),
        migrations.AlterField(
            model_name="historicaldispute",
            name="quote",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(10000)]
            ),
        ),
        migrations.AlterField(
            model_name="historicaldispute",
            name="quote_translation",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(10000)]
            ),
        ),
        migrations.AlterField(
            model_name="historicaldispute",
            name="resolution_note",
            field=models.TextField(
                blank=True, validators=[django.core.validators.MaxLengthValidator(5000)]
            ),
        ),
        migrations.AlterField(
            model_name="historicaldispute",
            name="statement",
            field=models.TextField(
                blank=True,
                help_text="What the disputant said, in summary.",
                validators=[django.core.validators.MaxLengthValidator(5000)],
            ),
        ),
    ]
