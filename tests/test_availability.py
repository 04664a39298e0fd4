"""While the database is unreachable the app answers 503 with Retry-After, not a 500."""

import json

from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from factcheck.middleware import DatabaseUnavailableMiddleware


def test_database_error_in_a_view_becomes_503_with_retry_after():
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse("ok"))
    request = RequestFactory().get("/api/v1/claims/")
    response = middleware.process_exception(
        request, OperationalError("server closed the connection unexpectedly")
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert json.loads(response.content)["detail"].startswith("The database is unavailable")


def test_other_errors_are_left_to_django():
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse("ok"))
    request = RequestFactory().get("/")
    assert middleware.process_exception(request, ValueError("a bug")) is None
