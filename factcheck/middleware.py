"""Answer 503 (with Retry-After) while the database is unreachable, instead of a 500.

A PostgreSQL restart or failover drops every open connection; for the seconds it takes to
come back, clients get a clear "try again" rather than an error page, and with
``CONN_HEALTH_CHECKS`` the next request after the outage reconnects by itself.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

logger = logging.getLogger("factcheck.availability")

RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error(
            "database unavailable",
            extra={"event": "db_unavailable", "path": request.path, "error": str(exception)[:200]},
        )
        response = JsonResponse(
            {"detail": "The database is unavailable for a moment; try again shortly."},
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
