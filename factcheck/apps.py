from django.apps import AppConfig


class FactcheckConfig(AppConfig):
    """The project package as an app: hooks the security log in at start-up."""

    name = "factcheck"
    verbose_name = "Claim-provenance tracker"

    def ready(self):
        from . import security

        security.connect()
