"""Pages of the project itself rather than of one app: a user's own API token."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import tokens


@never_cache  # the page shows a credential: never kept by a browser or proxy cache
@login_required(login_url="reports:login")
@require_http_methods(["GET", "HEAD", "POST"])
def account_token(request):
    """Show the signed-in user's own API token; a POST makes a new one, retiring the old."""
    replaced = request.method == "POST"
    token = (
        tokens.token_replace(user=request.user) if replaced else tokens.token_of(user=request.user)
    )
    return render(request, "account/token.html", {"token": token, "replaced": replaced})
