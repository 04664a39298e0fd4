"""Read answers kept until the data under them changes.

Researchers repeat queries (a dashboard polling ``?disputed=true``, a notebook re-run), and
a page of 50 claims costs 15-30 ms of SQL and Python to build at a million claims
(bench/RESULTS.md). A JSON answer to a GET is kept in the ``responses`` cache under a key
made of:

- the data version: one counter row that a trigger on every table the answers read moves
  in the writing transaction (migration ``claims/0007_data_version``), so any write — by the
  services, the admin, an import or raw SQL — makes every kept answer unreachable at once;
- the user (answers never cross users), the format, and the full path with its query.

Checking costs one primary-key read of the counter after authentication, permissions and
throttling have run as for any request. Only 200 answers of at most ``MAX_BODY`` bytes are
kept; CSV exports stream and are never kept. ``FACTCHECK_RESPONSE_CACHE=false`` turns it
off (the benchmark measures both ways). The cache is per process (LocMem): with several
workers or servers each keeps its own, and the counter keeps them all honest.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from rest_framework.response import Response

MAX_BODY = 1024 * 1024
TIMEOUT = 3600
HEADER = "X-Cache"
KEPT_HEADERS = ("ETag",)


def data_version() -> int:
    """The current data version (0 before the counter exists, e.g. mid-migration)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM factcheck_data_version WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


def enabled() -> bool:
    return settings.FACTCHECK_RESPONSE_CACHE


def key_of(request, version: int, format: str) -> str:
    user = request.user.pk if request.user.is_authenticated else 0
    raw = f"{version}\0{user}\0{format}\0{request.get_full_path()}"
    return "answer:" + hashlib.sha256(raw.encode()).hexdigest()


def kept_response(content_type: str, body: bytes, headers: list) -> HttpResponse:
    """A kept answer as a response again, marked ``X-Cache: hit``."""
    response = HttpResponse(body, content_type=content_type)
    for name, value in headers:
        response[name] = value
    response[HEADER] = "hit"
    return response


class CachedReadMixin:
    """For a DRF viewset: answer a repeated GET (list or detail, JSON) from the cache.

    ``cached_answer(request)`` is called at the top of ``list`` and ``retrieve``; a fresh
    answer is stored by ``finalize_response``. Answers carry ``X-Cache: hit`` or ``miss``.
    """

    def cached_answer(self, request):
        if hasattr(self, "_answer_key"):
            return None  # already looked up for this request
        self._answer_key = None
        renderer = getattr(request, "accepted_renderer", None)
        if not enabled() or request.method != "GET" or renderer is None:
            return None
        if renderer.format != "json":
            return None
        self._answer_key = key_of(request, data_version(), renderer.format)
        kept = caches["responses"].get(self._answer_key)
        if kept is None:
            return None
        self._answer_key = None
        return kept_response(*kept)

    def list(self, request, *args, **kwargs):
        kept = self.cached_answer(request)
        return kept if kept is not None else super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        kept = self.cached_answer(request)
        return kept if kept is not None else super().retrieve(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(self, "_answer_key", None)
        if key and isinstance(response, Response) and response.status_code == 200:
            response.render()
            if len(response.content) <= MAX_BODY:
                headers = [(name, response[name]) for name in KEPT_HEADERS if name in response]
                caches["responses"].set(
                    key, (response["Content-Type"], response.content, headers), TIMEOUT
                )
            response[HEADER] = "miss"
        return response


def keep_public_page(view):
    """For a report view: keep the page for anonymous readers while reports are public.

    Such a page is the same for every anonymous reader (no user name, no CSRF token, no
    cookie), so it is keyed by the data version and the full path only. Logged-in readers
    are always answered afresh: their pages carry their name and a logout form.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if (
            not enabled()
            or request.method != "GET"
            or request.user.is_authenticated
            or not settings.FACTCHECK_PUBLIC_REPORTS
        ):
            return view(request, *args, **kwargs)
        raw = f"{data_version()}\0page\0{request.get_full_path()}"
        key = "page:" + hashlib.sha256(raw.encode()).hexdigest()
        kept = caches["responses"].get(key)
        if kept is not None:
            return kept_response(*kept)
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and len(response.content) <= MAX_BODY
        ):
            caches["responses"].set(key, (response["Content-Type"], response.content, []), TIMEOUT)
            response[HEADER] = "miss"
        return response

    return wrapped
