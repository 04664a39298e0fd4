"""API throttles whose counters every worker and server shares, and that spoofing cannot dodge.

**Shared counters.** The counters live in the ``default`` cache (``factcheck/settings.py``):
Redis when ``REDIS_URL`` is set, else Django's database cache, so two gunicorn workers (or
two servers) count one client together. A per-process cache let a client pass once per
worker: 183 of 300 requests passed a 60/minute limit on two workers.

**One address per client.** A client is counted by ``factcheck.security.client_address``:
``X-Forwarded-For`` is read only from ``FACTCHECK_TRUSTED_PROXIES``. DRF's own ``get_ident``
believed the header from anyone, so a new made-up address bought a new allowance each time
(300 of 300 spoofed requests passed).

**Failed authentications count.** A request with a bad token never reaches the throttles
(authentication fails first), so guessing tokens cost nothing. ``TokenAuthentication`` below
counts each failure per client address; past ``DEFAULT_THROTTLE_RATES["auth_failure"]``
(10 a minute by default) every request that presents a token from that address is answered
429 with ``Retry-After`` until the window ends, before the token is even looked up.

**Fixed windows.** DRF's ``SimpleRateThrottle`` keeps every request's timestamp of the last
period in one cache entry, read, trimmed and written back whole on every request: at the
default user rate (100,000/hour) a busy researcher's entry grows to 100,000 floats, about
4 ms a request (bench/RESULTS.md), and read-then-write loses counts between workers. These
count requests per fixed window instead: one integer per client and window, raised
atomically in the cache. The trade-off is the usual one: a client may spend one window's
allowance at its end and the next at the start of the next, so up to twice the rate can
pass across a window boundary. The rate over any whole window holds.
"""

from __future__ import annotations

import base64
import pickle
from datetime import UTC, datetime, timedelta
from functools import cache

from django.conf import settings
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.utils.translation import gettext
from django_redis.cache import RedisCache as DjangoRedisCache
from rest_framework import authentication, exceptions
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from factcheck.prepared import Prepared
from factcheck.security import client_address, log_auth_throttled

try:  # django-redis' errors when Redis is unreachable (REDIS_URL set)
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    CACHE_UNREACHABLE: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover - redis is in requirements.txt
    CACHE_UNREACHABLE = ()


class CounterStoreUnavailable(exceptions.APIException):
    """503 with ``Retry-After`` while the counters' store (Redis) cannot be reached: a lost
    connection, like a database outage, not a bug (500) and not a reason to let every
    request through uncounted."""

    status_code = 503
    default_detail = "The request counter is unavailable for a moment; try again shortly."
    default_code = "counter_unavailable"
    wait = 5


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache plus ``count_up``, an increment two processes cannot both win.

    Django's own ``incr`` is a ``get`` then a ``set``: two workers read 7 and both write 8,
    and a throttle behind them lets through more than its limit. ``count_up`` takes the
    row's write lock first (an ``UPDATE`` that changes nothing: a row lock on PostgreSQL,
    the database's write lock on SQLite, where a read first would deadlock two writers),
    then reads, adds and writes inside one transaction. It runs three statements whether
    the counter exists or not (a new one sweeps expired counters in place of the read),
    plus one on PostgreSQL to skip the wait for the disk, so an API request costs the same
    number of queries in every window.
    """

    def count_up(self, key: str, timeout: int, delta: int = 1, version=None) -> int:
        """Add ``delta`` to the integer at ``key`` (0 when absent or expired) and return it;
        a new counter expires ``timeout`` seconds from now."""
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, key_column = quote(self._table), quote("cache_key")
        value_column, expires_column = quote("value"), quote("expires")
        now = datetime.now(tz=UTC if settings.USE_TZ else None).replace(microsecond=0)
        # No savepoint: nothing in here can fail half-way (a concurrent INSERT is absorbed
        # by ON CONFLICT), and savepoints would be two more statements per request.
        own_transaction = not connection.in_atomic_block
        with transaction.atomic(using=db, savepoint=False), connection.cursor() as cursor:
            if own_transaction and connection.vendor == "postgresql":
                # Do not wait for the commit to reach the disk: a crash may forget the last
                # few counts, which is harmless, and the wait was most of the counter's cost
                # (about 11 ms of 17 on a loaded machine). Only in a transaction of our
                # own: inside a caller's, it would apply to the caller's writes too.
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            while True:
                cursor.execute(
                    f"UPDATE {table} SET {expires_column} = {expires_column} "
                    f"WHERE {key_column} = %s",
                    [key],
                )
                if cursor.rowcount:
                    cursor.execute(
                        f"SELECT {value_column}, {expires_column} FROM {table} "
                        f"WHERE {key_column} = %s",
                        [key],
                    )
                    stored, expires = cursor.fetchone()
                    expires = self._expires_from_db(connection, expires)
                    alive = expires >= now
                    count = (self._decode(connection, stored) if alive else 0) + delta
                    if not alive:
                        expires = now + timedelta(seconds=timeout)
                    cursor.execute(
                        f"UPDATE {table} SET {value_column} = %s, {expires_column} = %s "
                        f"WHERE {key_column} = %s",
                        [
                            self._encode(count),
                            connection.ops.adapt_datetimefield_value(expires),
                            key,
                        ],
                    )
                    return count
                # A new window: sweep the expired counters (an index range on ``expires``)
                # so the table holds about one row per live client; Django's own culling
                # could drop live counters instead.
                cursor.execute(
                    f"DELETE FROM {table} WHERE {expires_column} < %s",
                    [connection.ops.adapt_datetimefield_value(now)],
                )
                cursor.execute(
                    f"INSERT INTO {table} ({key_column}, {value_column}, {expires_column}) "
                    f"VALUES (%s, %s, %s) ON CONFLICT ({key_column}) DO NOTHING",
                    [
                        key,
                        self._encode(delta),
                        connection.ops.adapt_datetimefield_value(now + timedelta(seconds=timeout)),
                    ],
                )
                if cursor.rowcount:
                    return delta
                # Another worker created this counter between our UPDATE and INSERT (on
                # PostgreSQL the INSERT waited for its commit): go round and raise it.

    def _encode(self, value: int) -> str:
        # The same encoding as Django's own set(), so get() reads the counter back.
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    @staticmethod
    def _decode(connection, stored) -> int:
        return pickle.loads(base64.b64decode(connection.ops.process_clob(stored).encode()))

    @staticmethod
    def _expires_from_db(connection, expires) -> datetime:
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(
            expression
        ) + expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return expires


class RedisCache(DjangoRedisCache):
    """django-redis plus ``count_up``: the same counter as Django's ``add`` then ``incr``,
    in one round trip to Redis instead of two.

    ``SET key 0 EX timeout NX`` (creates the counter with its expiry, only if absent) and
    ``INCRBY`` go in one ``MULTI`` pipeline, so Redis runs them back to back and no other
    client's command comes between. The value is a plain integer, as django-redis stores
    integers, so ``get`` reads it back.
    """

    def count_up(self, key: str, timeout: int, delta: int = 1, version=None) -> int:
        """Add ``delta`` to the integer at ``key`` (0 when absent or expired) and return it;
        a new counter expires ``timeout`` seconds from now."""
        key = self.client.make_key(key, version=version)
        pipeline = self.client.get_client(write=True).pipeline(transaction=True)
        pipeline.set(key, 0, ex=timeout, nx=True)
        pipeline.incrby(key, delta)
        return int(pipeline.execute()[1])


class FixedWindowMixin:
    """``allow_request`` and ``wait`` of a ``SimpleRateThrottle`` on a per-window counter."""

    def get_ident(self, request) -> str:
        """The client's address, decided in one place (see ``factcheck.security``)."""
        return client_address(request)

    def _window_key(self) -> str:
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        return f"{self.key}:{window}"

    def _count_up(self, key: str) -> int:
        try:
            return self._count_up_in_cache(key)
        except CACHE_UNREACHABLE as exc:
            raise CounterStoreUnavailable() from exc

    def _count_up_in_cache(self, key: str) -> int:
        timeout = self.duration + 1
        count_up = getattr(self.cache, "count_up", None)
        if count_up is not None:  # our DatabaseCache or RedisCache: one atomic step
            return count_up(key, timeout)
        # add() creates the counter only if absent; incr() then raises it atomically in the
        # cache (Redis increments on the server; LocMem holds a lock).
        self.cache.add(key, 0, timeout)
        try:
            return self.cache.incr(key)
        except ValueError:  # expired between add() and incr()
            self.cache.set(key, 1, timeout)
            return 1

    def allow_request(self, request, view) -> bool:
        """Count this request in the client's window; false once past the allowance."""
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        return self._count_up(self._window_key()) <= self.num_requests

    def wait(self) -> float:
        """Seconds until the window ends and the count starts again (``Retry-After``)."""
        return max(0.0, self.window_end - self.now)


class AnonThrottle(FixedWindowMixin, AnonRateThrottle):
    """Anonymous clients, by address: ``DEFAULT_THROTTLE_RATES["anon"]`` per window."""


class UserThrottle(FixedWindowMixin, UserRateThrottle):
    """Logged-in users and tokens, by user: ``DEFAULT_THROTTLE_RATES["user"]`` per window."""


class AuthFailureThrottle(FixedWindowMixin, SimpleRateThrottle):
    """Failed authentications, by client address: ``DEFAULT_THROTTLE_RATES["auth_failure"]``
    per window. Not a view throttle: ``TokenAuthentication`` asks it before and tells it
    after each token check."""

    scope = "auth_failure"

    def get_cache_key(self, request, view=None) -> str:
        """One counter per client address."""
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def refuse_if_exhausted(self, request) -> None:
        """Raise ``Throttled`` (429, ``Retry-After``) if this address used up its failures."""
        if self.rate is None:
            return
        self.key = self.get_cache_key(request)
        try:
            failures = self.cache.get(self._window_key(), 0)
        except CACHE_UNREACHABLE as exc:
            raise CounterStoreUnavailable() from exc
        if failures >= self.num_requests:
            log_auth_throttled(request, failures, self.wait())
            raise exceptions.Throttled(wait=self.wait(), detail=self.refusal(self.wait()))

    def record_failure(self, request) -> None:
        """Count one failed authentication from this request's address."""
        if self.rate is None:
            return
        self.key = self.get_cache_key(request)
        self._count_up(self._window_key())

    def refusal(self, wait: float) -> str:
        """What a refused client is told."""
        return (
            f"Too many failed authentications from your address ({self.num_requests} per "
            f"{int(self.duration)} s). Expected available in {int(wait) + 1} seconds."
        )


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, refused for a while to an address that keeps failing.

    Only requests that present a token are checked, so anonymous and session requests pay
    nothing; a request with a token pays one cache read.
    """

    def authenticate(self, request):
        """Check the failure allowance, then the token; a bad token counts one failure."""
        header = authentication.get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() != self.keyword.lower().encode():
            # ``Authorization: Bearer …`` is what most API clients send by default: say which
            # scheme this API takes instead of "credentials were not provided".
            scheme = header[0].decode(errors="replace")[:20]
            raise exceptions.AuthenticationFailed(
                f"The “{scheme}” authorization scheme is not accepted here. Send your API "
                f"token in the {self.keyword} scheme: “Authorization: {self.keyword} <key>”."
            )
        failures = AuthFailureThrottle()
        failures.refuse_if_exhausted(request)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            failures.record_failure(request)
            raise

    def authenticate_credentials(self, key):
        """DRF's check (the token with its user, in one query; refused when unknown or the
        user is inactive), with the query prepared once (``factcheck.prepared``) instead of
        built on every request: a millisecond of every API request."""
        token_model = _token_models()[0]
        # A key no token can have is refused unasked: longer than the column, or with a NUL
        # byte, which PostgreSQL cannot take in a parameter (a 500 before this check).
        if len(key) > token_model._meta.get_field("key").max_length or "\x00" in key:
            raise exceptions.AuthenticationFailed(gettext("Invalid token."))
        rows = _token_with_user.rows(key)
        if not rows:
            raise exceptions.AuthenticationFailed(gettext("Invalid token."))
        token, user = _token_and_user(rows[0])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(gettext("User inactive or deleted."))
        return (user, token)


@cache
def _token_models():
    """(token model, user model, the token's columns, the user's), in model order, which
    ``from_db`` takes. Imported here: this module is loaded with the cache, before models."""
    from rest_framework.authtoken.models import Token

    user_model = Token._meta.get_field("user").related_model
    return (
        Token,
        user_model,
        [field.attname for field in Token._meta.concrete_fields],
        [field.attname for field in user_model._meta.concrete_fields],
    )


def _token_and_user(row: tuple):
    """A token and its user as model instances, from one row of ``_token_with_user``."""
    token_model, user_model, token_names, user_names = _token_models()
    token = token_model.from_db(DEFAULT_DB_ALIAS, token_names, row[: len(token_names)])
    token.user = user_model.from_db(DEFAULT_DB_ALIAS, user_names, row[len(token_names) :])
    return token, token.user


def _token_query(key):
    token_model, _, token_names, user_names = _token_models()
    return token_model.objects.filter(key=key).values_list(
        *token_names, *(f"user__{name}" for name in user_names)
    )


_token_with_user = Prepared(_token_query, "prepared:not-a-token")  # keys are 40 hex digits
