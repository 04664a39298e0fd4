"""Who the client is, and a structured log of authentication failures.

``client_address`` is the one place that decides a request's client address: the API's
throttles, the login limits (django-axes) and this log all use it, so a client cannot be
one address to the log and another to the throttle.

One event per failure on the ``factcheck.security`` logger, with the client address, the
path and what was tried (a username, or that a token was bad) — never a password or the
token itself — so an operator can alert on bursts and block abusive clients.
"""

import ipaddress
import logging
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger("factcheck.security")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    try:
        return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)
    except ValueError as exc:
        raise ImproperlyConfigured(f"FACTCHECK_TRUSTED_PROXIES: {exc}") from exc


def trusted_proxies() -> tuple[IPNetwork, ...]:
    """The networks of ``FACTCHECK_TRUSTED_PROXIES`` (IPs or CIDRs; empty trusts no proxy)."""
    return _networks(tuple(getattr(settings, "FACTCHECK_TRUSTED_PROXIES", ())))


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _is_trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(request) -> str:
    """The address of the client that sent ``request``, as far as it can be known.

    ``REMOTE_ADDR`` (the peer of the TCP connection) unless that peer is a trusted proxy
    (``FACTCHECK_TRUSTED_PROXIES``). Only then is ``X-Forwarded-For`` read, from the right
    (each proxy appends the address it saw), skipping trusted proxies: the first address
    that is not one is the client. Anything to its left was written by the client and
    proves nothing, so a spoofed header never changes who is counted. An entry that is not
    an address stops the walk at the last proxy that was trusted.
    """
    if request is None:
        return ""
    peer = request.META.get("REMOTE_ADDR", "")
    networks = trusted_proxies()
    if not networks or not _is_trusted(_parse(peer), networks):
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    client = peer
    for entry in reversed([item for item in forwarded.split(",") if item.strip()]):
        address = _parse(entry)
        if address is None:
            break
        client = str(address)
        if not _is_trusted(address, networks):
            break
    return client


def log_login_failed(sender, credentials, request=None, **kwargs):
    """Receiver of ``user_login_failed``: one log event per failed login, without the password."""
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


def log_auth_throttled(request, failures: int, wait: float) -> None:
    """Called when an address that used up its failed authentications is refused (429)."""
    logger.warning(
        "authentication throttled",
        extra={
            "event": "auth_throttled",
            "failures": failures,
            "retry_after": int(wait) + 1,
            "client": client_address(request),
            "path": request.path,
            "method": request.method,
        },
    )


def connect() -> None:
    """Hook the security log into Django's login signals (called once at start-up)."""
    user_login_failed.connect(log_login_failed, dispatch_uid="factcheck.security.login_failed")
