"""Store each claim's chains and origins as source ids, for the CSV export (issue 7).

Existing claims are filled here from their hops, a thousand claims at a time, with the same
``claims.provenance`` functions the services use.
"""

from django.db import migrations, models
from django.db.models import Prefetch

from claims import provenance

CHUNK = 1000


def fill(apps, schema_editor):
    Claim = apps.get_model("claims", "Claim")
    Attribution = apps.get_model("claims", "Attribution")
    hops = Prefetch(
        "attributions", queryset=Attribution.objects.order_by("id").prefetch_related("cites")
    )
    ids = list(Claim.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        claims = Claim.objects.filter(pk__in=ids[start : start + CHUNK]).prefetch_related(hops)
        for claim in claims:
            claim_hops = list(claim.attributions.all())
            graph = provenance.build_graph(claim_hops)
            chains = provenance.chains(claim_hops, graph=graph)
            origins = []
            for hop in provenance.origin_hops(claim_hops, graph=graph):
                if hop.source_id not in origins:
                    origins.append(hop.source_id)
            Claim.objects.filter(pk=claim.pk).update(
                chain_source_ids=";".join(
                    ">".join(str(hop.source_id) for hop in chain.hops) for chain in chains
                ),
                origin_source_ids=",".join(str(pk) for pk in origins),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0007_data_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="chain_source_ids",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="claim",
            name="origin_source_ids",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
