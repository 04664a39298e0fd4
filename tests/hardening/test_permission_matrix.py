"""Who may do what, for every URL the project serves: generated from the URL configuration.

``discovered_routes()`` walks ``django.urls.get_resolver()``; every route it finds must have
an entry in ``EXPECTATIONS`` (or be named in ``NOT_IN_MATRIX`` with the reason), and every
entry must still exist. So a new endpoint, admin page or report cannot ship without someone
deciding who may reach it: the first test fails and names it.

Each API route is requested by anonymous, researcher, editor and superuser with every method
(GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE); admin pages of the tracker's models and the
reports by the same four users. Every request runs in a savepoint that is rolled back, so a
DELETE that succeeds does not change what the next request sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from claims import reviews, services
from claims.choices import Verdict
from claims.models import Attribution, Claim, Dispute, Review, Topic
from sources import services as source_services
from sources.models import Document, Source
from tests.conftest import _user, token_client

pytestmark = pytest.mark.django_db

METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
ROLES = ("anonymous", "researcher", "editor", "superuser")
SAFE = {"GET", "HEAD", "OPTIONS"}
TRACKER_APPS = ("sources", "claims")


# ---------------------------------------------------------------------------- discovery


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name or route, route


def discovered_routes() -> dict[str, str]:
    """Every route the project serves: its name (or, unnamed, its pattern) → its pattern."""
    return dict(_walk(get_resolver()))


# ---------------------------------------------------------------------------- expectations


@dataclass(frozen=True)
class Api:
    """An /api/v1/ route: which methods it serves; whether anyone may read it."""

    methods: frozenset[str]
    public: bool = False


LIST = Api(frozenset({"GET", "HEAD", "OPTIONS", "POST"}))
DETAIL = Api(frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"}))
READ_ONLY = Api(frozenset({"GET", "HEAD", "OPTIONS"}))
PUBLIC_READ = Api(frozenset({"GET", "HEAD"}), public=True)


@dataclass(frozen=True)
class Admin:
    """A tracker model's admin page: staff editors get ``editor``; others go to the login."""

    editor: int = 200


@dataclass(frozen=True)
class Page:
    """A report or site page: ``anonymous`` gets this; logged-in users get 200."""

    anonymous: int = 302
    methods: frozenset[str] = frozenset({"GET", "HEAD"})


API = {
    "claim-claimreview": READ_ONLY,
    "claim-prov": READ_ONLY,
    "claimreview-feed": READ_ONLY,
    "review-claimreview": READ_ONLY,
    "source-list": LIST,
    "source-detail": DETAIL,
    "document-list": LIST,
    "document-detail": DETAIL,
    "claim-list": LIST,
    "claim-detail": DETAIL,
    "claim-similar": READ_ONLY,
    "attribution-list": LIST,
    "attribution-detail": DETAIL,
    "dispute-list": LIST,
    "dispute-detail": DETAIL,
    "topic-list": LIST,
    "topic-detail": DETAIL,
    "review-list": LIST,
    "review-detail": DETAIL,
    # The schema and its docs are public: they describe the API, they hold no data.
    "api-schema": Api(frozenset({"GET", "HEAD", "OPTIONS"}), public=True),
    "api-docs": PUBLIC_READ,
}

REPORTS = {
    "reports:home": Page(anonymous=200),
    "reports:login": Page(anonymous=200),
    "reports:index": Page(anonymous=302),  # → disputed/, which then asks for a login
    "reports:disputed": Page(),
    "reports:sources": Page(),
    "reports:source-options": Page(),
    # Open to anyone only for a rated claim with FACTCHECK_PUBLISH_VERDICTS on (off here):
    # tests/standards/test_claimreview_reviews.py.
    "reports:claim": Page(),
    "account-token": Page(),  # each user's own token: tests/test_account_token.py
}


def _admin_expectations() -> dict[str, Admin]:
    """Every admin route of a tracker model, by its name, with what a staff editor gets."""
    expected = {}
    for name, route in discovered_routes().items():
        if not route.startswith(tuple(f"admin/{app}/" for app in TRACKER_APPS)):
            continue
        if name.endswith("_process_import"):
            # The import's second step only takes the POST of the first step's form.
            expected[name] = Admin(editor=405)
        elif name.startswith("admin/"):
            # The unnamed "<id>/" route only redirects to "<id>/change/".
            expected[name] = Admin(editor=302)
        else:
            expected[name] = Admin()
    return expected


# Routes deliberately left out of the matrix, with the reason. Anything else must be in it.
NOT_IN_MATRIX = {
    "reports:logout": "POST-only logout, tested in tests/reports/test_access.py",
    "admin:index": "Django's admin index, not tracker data",
    "admin:login": "Django's admin login",
    "admin:logout": "Django's admin logout",
    "admin:password_change": "Django's own account page",
    "admin:password_change_done": "Django's own account page",
    "admin:autocomplete": "serves the admin's widgets; needs the field's view permission",
    "admin:jsi18n": "the admin's translations script",
    "admin:view_on_site": "redirect to an object's public URL",
    "admin:app_list": "Django's per-app admin index",
    "admin/(?P<url>.*)$": "the admin's catch-all (appends a slash or 404s)",
}
# User, group and token admin belong to Django and DRF, the login-limit records to
# django-axes (docs/security.md), the background jobs' results to django-tasks-db;
# superusers manage them (test_background_job_admin_is_for_superusers below).
_FOREIGN_ADMIN = re.compile(
    r"^admin(:|/)(auth_|authtoken_|axes_|django_tasks_database_"
    r"|auth/|authtoken/|axes/|django_tasks_database/)"
)


def expected_routes() -> set[str]:
    return {*API, *REPORTS, *_admin_expectations(), *NOT_IN_MATRIX}


def test_background_job_admin_is_for_superusers(client, editor, superuser):
    url = "/admin/django_tasks_database/dbtaskresult/"
    client.force_login(editor)  # staff, with every tracker permission, none on jobs
    assert client.get(url).status_code == 403
    client.force_login(superuser)
    assert client.get(url).status_code == 200


def test_every_route_has_an_expectation():
    discovered = {name for name in discovered_routes() if not _FOREIGN_ADMIN.match(name)}
    missing = sorted(discovered - expected_routes())
    stale = sorted(expected_routes() - discovered)
    assert not missing, f"routes with no expectation in the permission matrix: {missing}"
    assert not stale, f"expectations for routes that no longer exist: {stale}"


# ---------------------------------------------------------------------------- requests


@pytest.fixture
def clients(seed):
    """One API client per role, each logged in the way that role uses the site."""
    researcher = _user("researcher", "Researchers")
    editor = _user("editor", "Editors", is_staff=True)
    root = get_user_model().objects.create_superuser("root", password="pw-root")
    api = {
        "anonymous": APIClient(),
        "researcher": token_client(researcher),
        "editor": token_client(editor),
        "superuser": token_client(root),
    }
    pages = {"anonymous": APIClient()}
    for role, user in (("researcher", researcher), ("editor", editor), ("superuser", root)):
        client = APIClient()
        client.force_login(user)
        pages[role] = client
    return api, pages


def _objects() -> dict[str, str]:
    """Path values naming real seed objects, by the route name they are for."""
    telegram = Claim.objects.filter(disputes__isnull=False).first()
    # A ClaimReview exists only for a claim with a verdict.
    services.verdict_set(claim=telegram, verdict=Verdict.MISATTRIBUTED, explanation="", user=None)
    topic = Topic.objects.first() or services.topic_create(name="Matrix topic")
    # Objects nothing rests on, for the admin's delete confirmation pages.
    source_services.source_create(name="Spare outlet", kind="news_outlet")
    source_services.document_create(title="Spare report")
    hop = Attribution.objects.filter(claim=telegram).first()
    checker = source_services.source_create(name="Matrix checker", kind="organization")
    review = reviews.review_create(
        claim=telegram, author=checker, url="https://checker.example/matrix", verdict="false"
    )
    return {
        "review": str(review.pk),
        "claim": str(telegram.pk),
        "attribution": str(hop.pk),
        "dispute": str(Dispute.objects.first().pk),
        "document": str(Document.objects.first().pk),
        "source": Source.objects.get(slug="reuters").slug,
        "topic": topic.slug,
    }


def _api_url(name: str, route: str, objects: dict[str, str]) -> str:
    kind = name.split("-")[0]
    value = objects.get(kind, objects["claim"])
    path = re.sub(r"\(\?P<\w+>[^)]*\)|<[^>]+>", value, route).replace("^", "").replace("$", "")
    return "/" + path


ADMIN_MODELS = {
    "claim": Claim,
    "attribution": Attribution,
    "dispute": Dispute,
    "topic": Topic,
    "source": Source,
    "document": Document,
    "review": Review,
}


def _admin_url(route: str, objects: dict[str, str]) -> str:
    """The admin URL of a route, for a real object of its model and one of its history rows."""
    model = ADMIN_MODELS[route.split("/")[2]]
    # Objects nothing rests on, so their delete page is the confirmation (a referenced
    # source's is refused with a redirect: tests/sources/test_admin.py).
    spare = {
        Source: lambda: Source.objects.filter(
            attributions__isnull=True,
            disputes_raised__isnull=True,
            documents__isnull=True,
            affiliates__isnull=True,
            reviews_written__isnull=True,
            reviews_of_claims_made__isnull=True,
        ).first(),
        Document: lambda: Document.objects.filter(attributions__isnull=True).first(),
        Attribution: lambda: Attribution.objects.filter(
            cited_by__isnull=True, disputes__isnull=True
        ).first(),
    }
    if model is Claim:
        obj = Claim.objects.get(pk=objects["claim"])
    else:
        obj = spare.get(model, model.objects.first)()
    history = model.history.filter(id=obj.pk).first().history_id
    path = route.replace("<path:object_id>", str(obj.pk))
    # simple_history's page of one past version: a regex with two groups.
    path = path.replace("^([^/]+)/history/([^/]+)/$", f"{obj.pk}/history/{history}/")
    return "/" + path


def _send(client, method: str, url: str):
    """One request in a rolled-back savepoint; throttle counts reset so 429 never hides a rule."""
    cache.clear()
    with transaction.atomic():
        response = client.generic(method, url, data="{}", content_type="application/json")
        transaction.set_rollback(True)
    return response


def _api_expected(spec: Api, role: str, method: str) -> str:
    """The expected status for one cell, as a status or a rule ("write-ok")."""
    if spec.public:
        return "200" if method in spec.methods else "405"
    if role == "anonymous":
        return "401"
    if method in SAFE:
        return "200"
    if role == "researcher":
        return "403"
    return "write-ok" if method in spec.methods else "405"


def _matches(expected: str, status: int) -> bool:
    if expected == "write-ok":
        # An editor's write is done (2xx) or refused for its content (400, 404, 409, 412),
        # never for who they are.
        return 200 <= status < 300 or status in (400, 404, 409, 412)
    return status == int(expected)


def test_api_matrix(clients):
    api, _ = clients
    objects = _objects()
    routes = discovered_routes()
    wrong = []
    cells = 0
    for name, spec in API.items():
        url = _api_url(name, routes[name], objects)
        for role in ROLES:
            for method in METHODS:
                expected = _api_expected(spec, role, method)
                status = _send(api[role], method, url).status_code
                cells += 1
                if not _matches(expected, status):
                    wrong.append(f"{role:10} {method:7} {url}: expected {expected}, got {status}")
    assert cells == len(API) * len(ROLES) * len(METHODS)
    assert not wrong, "\n".join(wrong)


def test_admin_matrix(clients):
    _, pages = clients
    objects = _objects()
    routes = discovered_routes()
    wrong = []
    for name, spec in _admin_expectations().items():
        url = _admin_url(routes[name], objects)
        for role in ROLES:
            for method in ("GET", "POST"):
                if role in ("editor", "superuser") and method == "POST":
                    continue  # an editor's admin writes are tested in tests/claims/test_admin.py
                response = _send(pages[role], method, url)
                if role in ("anonymous", "researcher"):
                    # Not staff: the admin sends them to its login page, whatever they ask.
                    ok = response.status_code == 302 and "/admin/login/" in response["Location"]
                    expected = "302 → /admin/login/"
                else:
                    ok = response.status_code == spec.editor
                    expected = str(spec.editor)
                if not ok:
                    wrong.append(
                        f"{role:10} {method:4} {url}: expected {expected}, "
                        f"got {response.status_code} {response.get('Location', '')}"
                    )
    assert not wrong, "\n".join(wrong)


def test_reports_matrix(clients):
    _, pages = clients
    objects = _objects()
    routes = discovered_routes()
    wrong = []
    for name, spec in REPORTS.items():
        url = "/" + routes[name].replace("<int:pk>", objects["claim"])
        for role in ROLES:
            for method in sorted(spec.methods):
                response = _send(pages[role], method, url)
                expected = spec.anonymous if role == "anonymous" else 200
                if name == "reports:index":
                    expected = 302
                if response.status_code != expected:
                    wrong.append(
                        f"{role:10} {method:4} {url}: expected {expected}, got "
                        f"{response.status_code}"
                    )
                elif expected == 302 and role == "anonymous" and name != "reports:index":
                    assert "login" in response["Location"], response["Location"]
    assert not wrong, "\n".join(wrong)
