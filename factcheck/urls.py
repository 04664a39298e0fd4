"""Root URLs: the editors' admin, the researchers' API, the readers' reports."""

from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path
from django.views import defaults

from . import views

admin.site.site_header = "Claim-provenance tracker"
admin.site.site_title = "Claim tracker"
admin.site.index_title = "Newsroom desk"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("factcheck.api_urls")),
    # Any signed-in user (editor or researcher) sees and replaces their own API token here.
    path("account/token/", views.account_token, name="account-token"),
    path("", include("claims.reports.urls")),
]


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception):
    """404: ``{"detail": "Not found."}`` under /api/, else the site's page with navigation."""
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """400 raised outside a view's own handling (e.g. a suspicious request): JSON under /api/."""
    if _wants_json(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def server_error(request):
    """500: JSON under /api/, else the site's page (rendered without the database)."""
    if _wants_json(request):
        return JsonResponse({"detail": "A server error occurred."}, status=500)
    return defaults.server_error(request)


handler400 = bad_request
handler404 = not_found
handler500 = server_error
