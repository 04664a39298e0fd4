"""/api/v1/: one router per app, plus the OpenAPI schema and its offline docs."""

from django.urls import include, path

urlpatterns = [
    path("", include("sources.api.urls")),
    path("", include("claims.api.urls")),
]
