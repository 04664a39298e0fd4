from django.apps import AppConfig
from django.db.models.signals import post_migrate


def project_unprojected(using="default", **kwargs):
    """After ``migrate``: store the projection of claims that have none yet (rows written
    before the projection existed, or restored behind the services' back)."""
    from django.db import transaction

    from . import projection
    from .models import Claim

    missing = list(Claim.objects.using(using).filter(csv_row="").values_list("pk", flat=True))
    if missing:
        with transaction.atomic(using=using):
            projection.refresh(missing, touch=False)


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims, hops and disputes"

    def ready(self):
        post_migrate.connect(project_unprojected, sender=self, dispatch_uid="claims.project")
