"""Shared DRF pieces: permissions, strict filtering, pagination, CSV, error mapping."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from functools import cached_property

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator as DjangoPaginator
from django.http import Http404, StreamingHttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import (
    exceptions,
    pagination,
    permissions,
    renderers,
    status,
)
from rest_framework.response import Response

from factcheck.errors import ReferencedError


class ReadAuthenticatedWriteModelPermissions(permissions.DjangoModelPermissions):
    """Any active, authenticated user may read; writing needs the model's add/change/delete."""

    authenticated_users_only = True

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, "_ignore_model_permissions", False):
            return True
        return super().has_permission(request, view)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter backend that rejects unknown parameters and bad values with a 400."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            unknown = sorted(set(request.query_params) - {"page", "page_size", "format", "bom"})
            if unknown and getattr(view, "action", None) == "list":
                raise exceptions.ValidationError(
                    {name: [f"Unknown query parameter “{name}”."] for name in unknown}
                )
            return queryset
        if not filterset.is_valid():
            raise exceptions.ValidationError(
                {name: list(messages) for name, messages in filterset.errors.items()}
            )
        return filterset.qs


class CappedCountPaginator(DjangoPaginator):
    """A paginator whose count is exact up to ``cap`` matches and a stated lower bound beyond.

    An exact ``COUNT(*)`` over a million-claim result costs more than the page itself
    (DESIGN.md, "Performance by design"), and a planner's estimate is a guess that reads as a
    fact. So counting stops at ``cap`` (at least ``CAP``, and always one page past the page
    asked for, so every page up to it stays reachable): beyond it, ``count`` is ``cap`` and
    ``count_exact`` is false, meaning "at least this many". A first page with room to spare
    needs no count query at all: its rows are the count.
    """

    CAP = 1000

    def __init__(self, *args, wanted_page: int | None = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_exact = True
        # None (the last page) counts exactly.
        self.cap = None if wanted_page is None else max(self.CAP, (wanted_page + 1) * self.per_page)
        if self.cap is not None:
            # ?page=99999999999999999999 must stay a 404 ("Invalid page."): PostgreSQL's
            # LIMIT is a bigint, and a larger one is a DataError (500).
            self.cap = min(self.cap, 2**62)

    @cached_property
    def count(self):
        if self.cap is None or not hasattr(self.object_list, "query"):
            return super().count
        probe = self.object_list.order_by().values("pk")[: self.cap + 1].count()
        if probe > self.cap:
            self.count_exact = False
            return self.cap
        return probe

    def page(self, number):
        """The page; on page 1 a result shorter than a page is counted by its rows."""
        if str(number) == "1" and hasattr(self.object_list, "query") and not self.orphans:
            rows = list(self.object_list[: self.per_page + 1])
            if len(rows) <= self.per_page:
                self.count = len(rows)
            # else: the count (capped) is one more query, over ids only; the rows are kept.
            return self._get_page(rows[: self.per_page], 1, self)
        return super().page(number)


class PageNumberPagination(pagination.PageNumberPagination):
    """``{count, count_exact, next, previous, results}``; ``page_size`` from 1 to 500.

    ``count_exact`` is false when the result is too big to count cheaply: ``count`` is then
    a lower bound (see ``CappedCountPaginator``), and ``count_text`` says "at least".
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def django_paginator_class(self, queryset, page_size):
        """DRF calls this like a class: a capped paginator that knows the wanted page."""
        request = getattr(self, "request", None)
        raw = request.query_params.get(self.page_query_param) if request else None
        # The last page needs the exact count to exist at all.
        wanted = None if raw in self.last_page_strings else int(raw) if raw and raw.isdigit() else 1
        return CappedCountPaginator(queryset, page_size, wanted_page=wanted)

    def get_paginated_response(self, data):
        return Response({**self.page_head(), "results": data})

    def page_head(self) -> dict:
        """Everything of the paginated answer but its results, in the answer's key order."""
        paginator = self.page.paginator
        return {
            "count": paginator.count,
            "count_exact": paginator.count_exact,
            "count_text": (
                f"{paginator.count:,}" if paginator.count_exact else f"at least {paginator.count:,}"
            ),
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
        }

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_exact"] = {
            "type": "boolean",
            "description": (
                "false when the result is larger than counting goes (1,000, or one page past "
                "the page asked for): ``count`` is then a lower bound, at least that many."
            ),
        }
        schema["properties"]["count_text"] = {
            "type": "string",
            "description": "The count in words: “40,088”, or “at least 1,000”.",
        }
        schema["required"] = [*schema.get("required", []), "count_exact", "count_text"]
        return schema

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        try:
            size = int(raw)
        except (TypeError, ValueError):
            raise exceptions.ValidationError(
                {"page_size": [f"“{raw}” is not a whole number; use 1 to {self.max_page_size}."]}
            ) from None
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {"page_size": [f"page_size must be from 1 to {self.max_page_size}, not {size}."]}
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw not in (None, "", "last"):
            try:
                number = int(raw)
            except (TypeError, ValueError):
                number = 0
            if number < 1:
                raise exceptions.ValidationError(
                    {"page": [f"“{raw}” is not a page number; pages start at 1."]}
                )
        return super().paginate_queryset(queryset, request, view)


# A cell starting with one of these is a formula to a spreadsheet.
FORMULA_FIRST = frozenset("=+-@\t\r")


def csv_safe(value) -> str:
    """A CSV cell that a spreadsheet will show as text, never run as a formula (OWASP)."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(item) for item in value)
    text = value if type(value) is str else str(value)
    if text and text[0] in FORMULA_FIRST:
        return "'" + text
    return text


#: A streamed CSV is handed to the server in pieces of about this many characters: one
#: write per row cost a system call per row (92,000 for the disputed claims at 1M).
CSV_PIECE = 64 * 1024


def csv_rows(header: list[str], rows):
    """Yield CSV text for a StreamingHttpResponse: the header line alone (so a client sees
    the columns at once), then pieces of about ``CSV_PIECE`` characters of whole lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush():
        data = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return data

    writer.writerow(header)
    yield flush()
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
        if buffer.tell() >= CSV_PIECE:
            yield flush()
    if buffer.tell():
        yield flush()


#: What ``?bom=1`` puts first in a CSV: spreadsheet programs then read the file as UTF-8.
BOM = "\ufeff"


def wants_bom(request) -> bool:
    """``?bom=1`` (or true/yes): the CSV starts with a byte-order mark for spreadsheets."""
    value = request.GET.get("bom", "")
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise exceptions.ValidationError({"bom": [f"“{value}” is not 1 or 0."]})


def csv_download(header: list[str], rows, filename: str) -> StreamingHttpResponse:
    """``rows`` streamed as a CSV attachment named ``filename`` (formulas defused)."""
    return csv_attachment(csv_rows(header, rows), filename)


def csv_attachment(pieces, filename: str) -> StreamingHttpResponse:
    """CSV text already written (str pieces) streamed as an attachment named ``filename``."""
    response = StreamingHttpResponse(pieces, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CSVRenderer(renderers.BaseRenderer):
    """Renders flat data (lists of dicts, or an error body) as CSV.

    List endpoints stream their CSV themselves (see ``CSVExportMixin``); this renderer makes
    ``?format=csv`` and ``Accept: text/csv`` negotiable and renders anything else flatly.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if isinstance(data, dict) and "results" in data:
            data = data["results"]
        if isinstance(data, dict):
            data = [data]
        rows = list(data)
        header: list[str] = []
        for row in rows:
            for key in row:
                if key not in header:
                    header.append(key)
        return "".join(
            csv_rows(header, ([row.get(key) for key in header] for row in rows))
        ).encode()


def exception_handler(exc, context):
    """DRF's handler plus the domain errors: ValidationError → 400, ReferencedError → 409."""
    # Imported here: rest_framework.views reads these very settings at import time.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            detail = {
                ("non_field_errors" if key == "__all__" else key): value
                for key, value in exc.message_dict.items()
            }
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, ReferencedError):
        return Response(
            {"detail": exc.message, "references": exc.references}, status=status.HTTP_409_CONFLICT
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is not None and context.get("request") is not None:
        request = context["request"]
        if response.status_code == status.HTTP_401_UNAUTHORIZED:
            from factcheck.security import log_api_auth_failed

            log_api_auth_failed(request, response.status_code, str(getattr(exc, "detail", "")))
        # Errors are always JSON, even when the client asked for CSV.
        if (
            getattr(request, "accepted_renderer", None) is not None
            and request.accepted_renderer.format == "csv"
        ):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
    return response


# ---------------------------------------------------------------------------- viewset mixins


class ListOnlyFilteringMixin:
    """Apply filters (and their strict parameter checks) to lists only.

    A detail, create or update request addresses one object by its URL; running the list's
    filters there would turn ``/claims/7/?disputed=true`` into a confusing 404 and reject
    harmless parameters such as ``?format=csv``.
    """

    def filter_queryset(self, queryset):
        if getattr(self, "action", None) != "list":
            return queryset
        return super().filter_queryset(queryset)


class CSVExportMixin:
    """Every list answers ``?format=csv`` / ``Accept: text/csv`` with a streamed CSV.

    All rows matching the filters (not one page), a header row first, read in chunks with
    their prefetches so memory stays flat and queries stay a fixed number per chunk. A
    viewset may override ``csv_header`` and ``csv_row``; by default the columns are the
    serializer's fields, with lists joined by ``; ``.
    """

    csv_chunk_size = 500
    csv_filename: str | None = None

    def wants_csv(self) -> bool:
        renderer = getattr(self.request, "accepted_renderer", None)
        return renderer is not None and renderer.format == "csv"

    def csv_header(self) -> list[str]:
        """Column names of the CSV export."""
        fields = self.get_serializer().fields
        return [name for name, field in fields.items() if not field.write_only]

    def csv_row(self, obj) -> list:
        """One object as a CSV row, in ``csv_header`` order."""
        data = self.get_serializer(obj).data
        return [data.get(name) for name in self.csv_header()]

    def csv_response(self, objects, filename: str) -> StreamingHttpResponse:
        """A streamed CSV attachment of ``objects`` (a QuerySet is read chunk by chunk)."""
        header = self.csv_header()
        if hasattr(objects, "iterator"):
            # iterator(chunk_size) keeps prefetch_related working, one batch per chunk.
            objects = objects.iterator(chunk_size=self.csv_chunk_size)
        return csv_download(header, (self.csv_row(obj) for obj in objects), filename)

    def _csv_basename(self) -> str:
        return self.csv_filename or self.basename or "export"

    def list(self, request, *args, **kwargs):
        if self.wants_csv():
            queryset = self.filter_queryset(self.get_queryset())
            return self.csv_response(queryset, f"{self._csv_basename()}.csv")
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        if self.wants_csv():
            obj = self.get_object()
            return self.csv_response(
                [obj], f"{self._csv_basename()}-{kwargs[self.lookup_field]}.csv"
            )
        return super().retrieve(request, *args, **kwargs)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The object changed since you read it (If-Match does not match its ETag); "
        "fetch it again and reapply your change."
    )
    default_code = "precondition_failed"


class ConditionalWriteMixin:
    """Optimistic locking: a detail carries an ``ETag``; a write with a stale ``If-Match`` → 412.

    The tag is a hash of the object's representation, so any change a reader could see
    (including a claim's hops and disputes) makes it stale. Without ``If-Match`` writes
    proceed as usual.
    """

    @staticmethod
    def etag_of(data) -> str:
        """A strong ETag for a representation."""
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode())
        return f'"{digest.hexdigest()[:32]}"'

    def current_etag(self, obj) -> str:
        """The object's ETag as it is now (read after ``lock_for_write``)."""
        return self.etag_of(self.get_serializer(obj).data)

    def lock_for_write(self, obj) -> None:
        """Lock what a write of ``obj`` checks and changes until the commit: the row itself;
        a viewset whose objects belong to a claim locks the claim (``claims.services``)."""
        type(obj).objects.select_for_update().filter(pk=obj.pk).values_list("pk").first()

    def check_if_match(self, obj) -> None:
        """Raise PreconditionFailed when the request's If-Match names another version."""
        header = self.request.headers.get("If-Match")
        if not header:
            return
        wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
        if "*" in wanted:
            return
        if self.current_etag(obj) not in wanted:
            raise PreconditionFailed()

    def get_object(self):
        obj = super().get_object()
        if self.request.method in ("PUT", "PATCH", "DELETE"):
            # Under the lock from the check to the commit (the write runs in one transaction,
            # ``LockedWritesMixin``): two writers holding the same ETag cannot both pass.
            self.lock_for_write(obj)
            obj.refresh_from_db()
            self.check_if_match(obj)
        return obj

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if response.status_code == 200 and isinstance(response, Response):
            response["ETag"] = self.etag_of(response.data)
        return response


class WriteConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "write_conflict"


#: Deadlocks and serialization failures: PostgreSQL undoes the transaction and a retry is safe.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
WRITE_ATTEMPTS = 3


class LockedWritesMixin:
    """Each write runs in one transaction, retried a bounded number of times when the
    database chose it as a deadlock victim; if that persists, a 409 says what was in the way."""

    def _write(self, method, request, *args, **kwargs):
        from django.db import OperationalError, transaction

        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    return method(request, *args, **kwargs)
            except OperationalError as exc:
                code = getattr(getattr(exc, "__cause__", None), "pgcode", None)
                if code not in RETRYABLE_SQLSTATES:
                    raise
                if attempt == WRITE_ATTEMPTS:
                    raise WriteConflict(
                        f"Another write to the same records kept getting in the way "
                        f"({WRITE_ATTEMPTS} tries, each undone); nothing was saved. "
                        "Try again in a moment."
                    ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def create(self, request, *args, **kwargs):
        return self._write(super().create, request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        return self._write(super().update, request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        return self._write(super().destroy, request, *args, **kwargs)
