"""gunicorn settings for factreg's production server, in one place.

`make serve` starts gunicorn with this file, and so does the page benchmark
(bench/pages_bench.py), which only moves the address to a free port. Why these
values is explained in README.md, "Production server".
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Production needs these: without them the settings stop (SECRET_KEY), every request
# gets a 400 (ALLOWED_HOSTS), or the development SQLite file is used (DATABASE_URL).
_missing = [
    name for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL") if not os.environ.get(name)
]
if _missing:
    sys.exit(f"factreg: set {', '.join(_missing)} to start the production server (see README.md).")
# With DEBUG off every page needs collectstatic's manifest; fail now, not on each request.
if not (Path(__file__).resolve().parent / "staticfiles" / "staticfiles.json").exists():
    sys.exit("factreg: run `python manage.py collectstatic` before starting the production server.")

wsgi_app = "factreg.wsgi:application"
# Behind a reverse proxy on the same host; GUNICORN_BIND moves it.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# One process a core (2 on the reference machine): the pages are CPU-bound Python.
# Threads keep a worker answering while a slow request (a whole CSV export, a search
# over 100,000 claims) holds one of them; measured in README.md, "Production server".
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"

# With threads, `timeout` watches the worker's main loop (its heartbeat), not the
# length of a request: a CSV export streaming for minutes is never cut (checked with a
# 5-second timeout and a 15-second export). gunicorn's default is kept.
timeout = 30
# On a restart, requests in progress get this long to finish: the export of a whole
# 100,000-claim registry takes 10-17 s on the reference machine.
graceful_timeout = 120

# The heartbeat file: in memory, so a slow disk cannot make a worker look dead.
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"

accesslog = "-"  # stdout
errorlog = "-"  # stderr

# Recent gunicorn opens a control socket in $HOME for `gunicornc`; factreg does not use it,
# and two servers on one host (say, the benchmark's beside production) would share it.
control_socket_disable = True
