"""gunicorn's settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.
Each value can come from the environment (PORT, WEB_CONCURRENCY, GUNICORN_TIMEOUT…)."""

import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Two processes per core: a request mostly waits for PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1))))
# One thread per process: with more, the processes' threads contend for Python's lock and
# benchmarks/consume.py measured fewer consumptions per second (2 workers: 359/s with 1 thread,
# 226 to 256/s with 2 or 4).
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# A process is replaced after this many requests (a leak cannot grow for ever).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Loaded once before forking: less memory, and a broken setting stops the start at once.
preload_app = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No access log unless asked for: URLs can hold a search typed by a person.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "warning").lower()
