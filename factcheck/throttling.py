"""API throttles that cost the same on the millionth request of the hour as on the first.

DRF's ``SimpleRateThrottle`` keeps every request's timestamp of the last period in one
cache entry, read, trimmed, prepended to and written back on every request: at the default
user rate (100,000/hour) a busy researcher's entry grows to 100,000 floats, and pickling it
in and out of the cache costs about 4 ms a request, more than a kept answer costs to serve
(bench/RESULTS.md). These count requests per fixed window instead: one integer per client
and window, raised with the cache's atomic ``incr``.

The trade-off of a fixed window is the usual one: a client may spend one window's
allowance at its end and the next at the start of the next, so a burst of up to twice the
rate can pass across a window boundary. The rate over any whole window holds.
"""

from __future__ import annotations

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class FixedWindowMixin:
    """``allow_request`` and ``wait`` of a ``SimpleRateThrottle`` on a per-window counter."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        key = f"{self.key}:{window}"
        # add() creates the counter only if absent; incr() then raises it atomically in the
        # cache (LocMem holds a lock, Redis/Memcached increment on the server).
        self.cache.add(key, 0, self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # expired between add() and incr()
            self.cache.set(key, 1, self.duration + 1)
            count = 1
        return count <= self.num_requests

    def wait(self) -> float:
        """Seconds until the window ends and the count starts again (``Retry-After``)."""
        return max(0.0, self.window_end - self.now)


class AnonThrottle(FixedWindowMixin, AnonRateThrottle):
    """Anonymous clients, by address: ``DEFAULT_THROTTLE_RATES["anon"]`` per window."""


class UserThrottle(FixedWindowMixin, UserRateThrottle):
    """Logged-in users and tokens, by user: ``DEFAULT_THROTTLE_RATES["user"]`` per window."""
