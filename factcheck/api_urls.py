"""/api/v1/: one router per app, plus the OpenAPI schema and its offline docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from claims.standards import views as standards

urlpatterns = [
    # Open standards (issue 6); before the routers so claims/<pk>/ does not swallow them.
    path(
        "claims/<int:pk>/claimreview/",
        standards.ClaimReviewView.as_view(),
        name="claim-claimreview",
    ),
    path("claims/<int:pk>/prov/", standards.ClaimProvView.as_view(), name="claim-prov"),
    path(
        "reviews/<int:pk>/claimreview/",
        standards.ReviewClaimReviewView.as_view(),
        name="review-claimreview",
    ),
    path("claimreview/", standards.ClaimReviewFeedView.as_view(), name="claimreview-feed"),
    path("", include("sources.api.urls")),
    path("", include("claims.api.urls")),
    # The schema is one static document, the same for everyone: not throttled, so reading it
    # touches no counter (and no database when the counters are in the database cache).
    path("schema/", SpectacularAPIView.as_view(throttle_classes=[]), name="api-schema"),
    # Swagger UI from drf-spectacular-sidecar's static files: works offline, no CDN.
    # The split view serves Swagger UI's start-up script as a file (?script), so the page
    # needs no inline script and our Content-Security-Policy can forbid them.
    # GET and HEAD only: its OPTIONS answer is metadata that the HTML renderer cannot draw (500).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", http_method_names=["get", "head"]
        ),
        name="api-docs",
    ),
]
