"""Documents' published_at and retrieved_at become moments: a day or a UTC time (issue 15).

Existing dates are kept as day precision (``2024-04-22``); existing retrieval datetimes as
time precision (``2024-04-22T18:00:00Z``). See ``factcheck.moments``.
"""

from django.db import migrations

import factcheck.moments
from factcheck.moments import moment_column_operation


def moment():
    return factcheck.moments.MomentField(blank=True, null=True)


class Migration(migrations.Migration):
    dependencies = [("sources", "0003_text_limits")]

    operations = [
        moment_column_operation("sources.Document", "published_at", moment(), was_datetime=False),
        moment_column_operation("sources.Document", "retrieved_at", moment(), was_datetime=True),
        moment_column_operation(
            "sources.HistoricalDocument", "published_at", moment(), was_datetime=False
        ),
        moment_column_operation(
            "sources.HistoricalDocument", "retrieved_at", moment(), was_datetime=True
        ),
    ]
