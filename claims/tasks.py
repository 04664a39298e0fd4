"""Background jobs of the claims app (django-tasks; docs/architecture.md "Background jobs")."""

from django_tasks import task


@task()
def refresh_marked_claims() -> int:
    """Re-project every claim marked as being refreshed (``projection.store.defer``) and
    return how many were written. Idempotent: a second run finds nothing left to do."""
    from .projection import store

    return store.refresh_marked()
