"""The home page and the readers' reports; included at the site root by factcheck/urls.py."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.ReportsLoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page="reports:home"), name="logout"),
    path("reports/", views.disputed_redirect, name="index"),
    path("reports/disputed/", views.disputed_report, name="disputed"),
    path("reports/sources/", views.sources_report, name="sources"),
    path("reports/source-options/", views.source_options, name="source-options"),
    path("reports/claims/<int:pk>/", views.claim_report, name="claim"),
]
