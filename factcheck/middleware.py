"""Database errors mapped honestly: only a lost or refused connection is a 503.

A PostgreSQL restart or failover drops every open connection; for the seconds it takes to
come back, clients get a clear "try again" (503 with ``Retry-After``) rather than an error
page, and with ``CONN_HEALTH_CHECKS`` the next request after the outage reconnects by itself.

Every other database error is about the request, and retrying it cannot help: a client
that honours ``Retry-After`` would retry an oversized value forever. Validation
(``factcheck.limits``, the model validators) stops bad input before the database sees it;
what still reaches it is answered here:

- too large for the database (an index row, a tsvector, too many terms): 400;
- invalid data (``DataError``): 400;
- a rule the database enforces (``IntegrityError``) or a lock conflict (deadlock,
  serialization failure, ``NOWAIT``) that the services' retries did not get past: 409.

Each answer says what was wrong. API paths (and clients asking for JSON) get
``{"detail": ...}``; pages get the site's error page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, DataError, IntegrityError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.template import loader

logger = logging.getLogger("factcheck.availability")

RETRY_AFTER_SECONDS = 5

UNAVAILABLE = "The database is unavailable for a moment; try again shortly."

#: PostgreSQL SQLSTATE classes and codes of a lost or refused connection (or a server that
#: cannot take one now): connection exceptions, insufficient resources (too many
#: connections, out of memory, disk full), operator intervention (shutdown, crash,
#: "cannot connect now"), system errors (I/O).
PG_UNAVAILABLE_CLASSES = ("08", "53", "58", "XX")
PG_UNAVAILABLE_CODES = frozenset({"57P01", "57P02", "57P03", "57P04", "57P05"})
#: Lock conflicts: deadlock, serialization failure, lock not available (NOWAIT).
PG_CONFLICT_CODES = frozenset({"40001", "40P01", "55P03"})
#: SQLite result codes that mean the file cannot be used at the moment, not a bad request.
SQLITE_UNAVAILABLE = frozenset(
    {
        "SQLITE_BUSY",
        "SQLITE_LOCKED",
        "SQLITE_CANTOPEN",
        "SQLITE_IOERR",
        "SQLITE_FULL",
        "SQLITE_NOMEM",
        "SQLITE_READONLY",
        "SQLITE_PROTOCOL",
    }
)


@dataclass(frozen=True)
class DatabaseFailure:
    """How a database error is answered: status, message, and whether to send Retry-After."""

    status: int
    detail: str
    retry: bool = False


def _driver_error(exception: BaseException) -> BaseException | None:
    """The driver's own exception (psycopg2 or sqlite3) that Django wrapped, if any."""
    cause = exception.__cause__
    return cause if cause is not None else None


def _primary_message(driver_error: BaseException | None, exception: BaseException) -> str:
    """The database's one-line message (PostgreSQL's primary message, without SQL)."""
    diag = getattr(driver_error, "diag", None)
    message = getattr(diag, "message_primary", None) if diag is not None else None
    text = message or str(driver_error or exception)
    return text.strip().splitlines()[0][:300] if text.strip() else type(exception).__name__


def classify(exception: BaseException) -> DatabaseFailure | None:
    """The answer for a database ``exception``, or None for an error that is not one."""
    if not isinstance(exception, DatabaseError | InterfaceError):
        return None
    if isinstance(exception, InterfaceError):
        return DatabaseFailure(503, UNAVAILABLE, retry=True)
    driver = _driver_error(exception)
    pgcode = getattr(driver, "pgcode", None)
    sqlite_code = getattr(driver, "sqlite_errorname", None)
    message = _primary_message(driver, exception)
    if pgcode and (pgcode in PG_CONFLICT_CODES):
        return DatabaseFailure(
            409,
            f"The change conflicts with another one made at the same time ({message}); "
            "read the object again and retry.",
        )
    if isinstance(exception, IntegrityError):
        return DatabaseFailure(409, f"The change breaks a rule of the stored data: {message}.")
    if isinstance(exception, DataError):
        return DatabaseFailure(400, f"The database refused a value: {message}.")
    if isinstance(exception, OperationalError):
        if pgcode:
            if pgcode in PG_UNAVAILABLE_CODES or pgcode[:2] in PG_UNAVAILABLE_CLASSES:
                return DatabaseFailure(503, UNAVAILABLE, retry=True)
            if pgcode == "57014":  # statement timeout or cancel: the query, not the server
                return DatabaseFailure(
                    400,
                    "The request took longer than the database allows and was stopped; "
                    "narrow it (fewer rows, more specific filters).",
                )
            # 54xxx program limit exceeded (an index row, a tsvector) and anything else
            # the server refused about this statement.
            return DatabaseFailure(400, f"The request is too large for the database: {message}.")
        if sqlite_code and sqlite_code not in SQLITE_UNAVAILABLE:
            return DatabaseFailure(400, f"The request is too large for the database: {message}.")
        # No SQLSTATE at all: the driver lost or never got a connection.
        return DatabaseFailure(503, UNAVAILABLE, retry=True)
    return DatabaseFailure(400, f"The database refused the request: {message}.")


def wants_json(request: HttpRequest) -> bool:
    """API paths and clients that ask for JSON get JSON errors; readers get a page."""
    return request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")


def error_page(status: int, detail: str) -> HttpResponse:
    """The site's error page for ``status``, saying ``detail``.

    Rendered without the request's context, as Django renders its 500 page: the context
    processors would read the session and user from the database, which may be what failed.
    """
    html = loader.get_template("error.html").render({"status": status, "detail": detail})
    return HttpResponse(html, status=status)


class DatabaseUnavailableMiddleware:
    """Answers database errors escaping a view: 503 only for a lost connection (``classify``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        """The mapped answer for a database error; None lets Django handle anything else."""
        failure = classify(exception)
        if failure is None:
            return None
        event = "db_unavailable" if failure.status == 503 else "db_refused_request"
        log = logger.error if failure.status == 503 else logger.warning
        log(
            event.replace("_", " "),
            extra={"event": event, "path": request.path, "error": str(exception)[:200]},
        )
        if wants_json(request):
            response: HttpResponse = JsonResponse({"detail": failure.detail}, status=failure.status)
        else:
            response = error_page(failure.status, failure.detail)
        if failure.retry:
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class APIErrorsAsJSONMiddleware:
    """Everything under ``/api/`` answers 404 and 405 as ``{"detail": ...}`` JSON.

    DRF's own views already do; the rest do not: a path no route matches
    (``/api/v1/``, ``/api/v1/claims/0.5/``) got Django's HTML page (the debug page in
    development), and a plain Django view's 405 had an empty body. Status and ``Allow``
    are kept.
    """

    MESSAGES = {404: "Not found."}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in (404, 405)
            and "json" not in response.get("Content-Type", "")
        ):
            detail = self.MESSAGES.get(
                response.status_code, f"Method “{request.method}” not allowed."
            )
            replacement = JsonResponse({"detail": detail}, status=response.status_code)
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            return replacement
        return response


#: Bodies read as text: a form or a JSON document. Multipart bodies may carry binary files
#: and are decoded field by field by Django, so they are not checked here.
TEXT_BODY_TYPES = ("application/x-www-form-urlencoded", "application/json", "text/")


class InvalidUTF8BodyMiddleware:
    """A form-encoded or JSON body that is not valid text in its charset is a 400 saying so.

    Django decodes form bodies with ``errors="replace"``, so invalid UTF-8 was stored with
    U+FFFD in place of what was sent (a 201): silently changed data. Checked before any
    view runs, so nothing is stored, on every surface (API, admin, login, reports).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self.body_problem(request)
        if problem is not None:
            if wants_json(request):
                return JsonResponse({"detail": problem}, status=400)
            return error_page(400, problem)
        return self.get_response(request)

    @staticmethod
    def body_problem(request) -> str | None:
        """Why the request's text body cannot be read, or None when it can (or is not text)."""
        content_type = request.META.get("CONTENT_TYPE", "").lower()
        if not content_type.startswith(TEXT_BODY_TYPES):
            return None
        charset = request.encoding or "utf-8"
        try:
            body = request.body
        except (RequestDataTooBig, RawPostDataException):
            return None  # too big: the view answers 413 with the limit; already read: no check
        if not body:
            return None
        try:
            body.decode(charset)
        except LookupError:
            return f"The request body declares an unknown charset “{charset}”; send UTF-8."
        except UnicodeDecodeError as exc:
            return (
                f"The request body is not valid {charset.upper()}: byte 0x{body[exc.start]:02x} "
                f"at position {exc.start} cannot be decoded. Nothing was stored; "
                "send the text encoded as UTF-8."
            )
        return None
