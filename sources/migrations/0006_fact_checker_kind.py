# The fact_checker source kind (DESIGN.md, sources.Source): the author of a review of a
# claim, usually. Adding a value to the choices rewrites the kind check constraint.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0005_unicode_slugs"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="source",
            name="sources_source_kind_valid",
        ),
        migrations.AlterField(
            model_name="historicalsource",
            name="kind",
            field=models.CharField(
                choices=[
                    ("news_agency", "news agency"),
                    ("news_outlet", "news outlet"),
                    ("government", "government"),
                    ("official", "official"),
                    ("military", "military"),
                    ("armed_group", "armed group"),
                    ("social_channel", "social channel"),
                    ("organization", "organization"),
                    ("fact_checker", "fact-checker"),
                    ("person", "person"),
                    ("other", "other"),
                ],
                default="other",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="source",
            name="kind",
            field=models.CharField(
                choices=[
                    ("news_agency", "news agency"),
                    ("news_outlet", "news outlet"),
                    ("government", "government"),
                    ("official", "official"),
                    ("military", "military"),
                    ("armed_group", "armed group"),
                    ("social_channel", "social channel"),
                    ("organization", "organization"),
                    ("fact_checker", "fact-checker"),
                    ("person", "person"),
                    ("other", "other"),
                ],
                default="other",
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="source",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "news_agency",
                            "news_outlet",
                            "government",
                            "official",
                            "military",
                            "armed_group",
                            "social_channel",
                            "organization",
                            "fact_checker",
                            "person",
                            "other",
                        ],
                    )
                ),
                name="sources_source_kind_valid",
                violation_error_message="Unknown source kind.",
            ),
        ),
    ]
