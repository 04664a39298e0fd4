# Unicode slugs for topics (issue 16), as for sources: letters of any script kept.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0013_review_published_moment"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicaltopic",
            name="slug",
            field=models.SlugField(allow_unicode=True, blank=True, max_length=140),
        ),
        migrations.AlterField(
            model_name="topic",
            name="slug",
            field=models.SlugField(allow_unicode=True, blank=True, max_length=140, unique=True),
        ),
    ]
