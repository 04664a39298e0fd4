from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def create_cache_table(using="default", **kwargs):
    """After ``migrate``: the database cache's table (the API's throttle counters when
    REDIS_URL is unset), so every database the app is migrated on can serve it."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class FactcheckConfig(AppConfig):
    """The project package as an app: hooks the security log and the cache table in."""

    name = "factcheck"
    verbose_name = "Claim-provenance tracker"

    def ready(self):
        from . import security

        security.connect()
        # Sent once per app with models; the claims app's is after its migrations ran.
        post_migrate.connect(
            create_cache_table,
            sender=apps.get_app_config("claims"),
            dispatch_uid="factcheck.create_cache_table",
        )
