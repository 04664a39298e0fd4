from django.apps import AppConfig, apps
from django.db import connections
from django.db.models.signals import post_migrate


def restore_data_version_triggers(using="default", **kwargs):
    """After ``migrate``: put back data-version triggers a SQLite table rebuild dropped."""
    from .data_version import ensure_triggers

    ensure_triggers(connections[using])


def create_cache_table(using="default", **kwargs):
    """After ``migrate``: the database cache's table (the API's throttle counters when
    REDIS_URL is unset), so every database the app is migrated on can serve it."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class FactcheckConfig(AppConfig):
    """The project package as an app: hooks the security log and the data-version
    triggers in at start-up."""

    name = "factcheck"
    verbose_name = "Claim-provenance tracker"

    def ready(self):
        from . import security

        security.connect()
        # Sent once per app with models; the claims app's is after its migrations ran.
        post_migrate.connect(
            restore_data_version_triggers,
            sender=apps.get_app_config("claims"),
            dispatch_uid="factcheck.data_version_triggers",
        )
        post_migrate.connect(
            create_cache_table,
            sender=apps.get_app_config("claims"),
            dispatch_uid="factcheck.create_cache_table",
        )
