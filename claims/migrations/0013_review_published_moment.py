"""A review's publication moment keeps its precision like every other moment (DESIGN.md
"Times"): a date stays a day, a date-time becomes UTC with its time of day."""

from django.db import migrations

import factcheck.moments
from factcheck.moments import moment_column_operation

HELP = "A date, or a date and time with offset (see Times)."


def moment():
    return factcheck.moments.MomentField(blank=True, null=True, help_text=HELP)


class Migration(migrations.Migration):
    dependencies = [("claims", "0012_times")]

    operations = [
        moment_column_operation("claims.Review", "published_at", moment(), was_datetime=True),
        moment_column_operation(
            "claims.HistoricalReview", "published_at", moment(), was_datetime=True
        ),
    ]
