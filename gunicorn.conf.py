"""gunicorn settings for production: `gunicorn factcheck.wsgi` reads this file by itself.

Every value can be overridden from the environment (GUNICORN_*) or the command line.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request is short (a constant handful of SQL queries), and the app is
# CPU-bound between them; 2 × cores + 1 is gunicorn's own rule of thumb.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A CSV export of every claim streams for a while; anything else is far quicker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound. Not often: a
# worker answers up to ~500 kept answers a second, and a recycled one starts with an empty
# answer cache (at 5,000 the benchmark saw a restart every ~10 s and p99 of 300-700 ms).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# Import the app once in the master: a new or recycled worker is a fork, ready at once,
# instead of importing Django, DRF and the app again (~1 s of CPU). No database connection
# is opened at import, so none is shared across the fork.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() != "false"
# Request limits in front of Django's own (DATA_UPLOAD_MAX_MEMORY_SIZE).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Behind a reverse proxy on the same host: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Access logs are the proxy's job; set GUNICORN_ACCESS_LOG=- to have them here too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
