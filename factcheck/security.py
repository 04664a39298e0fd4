"""Structured log of authentication failures (admin and reports logins, API tokens).

One event per failure on the ``factcheck.security`` logger, with the client address, the
path and what was tried (a username, or that a token was bad) — never a password or the
token itself — so an operator can alert on bursts and block abusive clients.
"""

import logging

from django.contrib.auth.signals import user_login_failed

logger = logging.getLogger("factcheck.security")


def client_address(request) -> str:
    """The client's address as the server saw it (the proxy sets X-Forwarded-For)."""
    if request is None:
        return ""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def log_login_failed(sender, credentials, request=None, **kwargs):
    logger.warning(
        "login failed",
        extra={
            "event": "login_failed",
            "username": str(credentials.get("username", ""))[:150],
            "client": client_address(request),
            "path": getattr(request, "path", ""),
        },
    )


def log_api_auth_failed(request, status_code: int, detail: str) -> None:
    """Called by the API's exception handler for every 401."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme = header.split(" ", 1)[0] if header else ""
    logger.warning(
        "api authentication failed",
        extra={
            "event": "api_auth_failed",
            "status": status_code,
            "scheme": scheme[:20],
            "detail": detail[:200],
            "client": client_address(request),
            "path": request.path,
            "method": request.method,
        },
    )


def connect() -> None:
    user_login_failed.connect(log_login_failed, dispatch_uid="factcheck.security.login_failed")
