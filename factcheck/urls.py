"""Root URLs: the editors' admin, the researchers' API, the readers' reports."""

from django.contrib import admin
from django.urls import include, path

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

# JSON for routing 404s under /api/ (e.g. /api/v1/claims/0.5/), the usual page elsewhere.
handler404 = "factcheck.api.not_found"
