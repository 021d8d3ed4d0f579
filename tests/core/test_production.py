"""The production setup as it runs: gunicorn with config/gunicorn.py and the production
settings against PostgreSQL, static files from WhiteNoise, and the task worker."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from core.services import send_after_commit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until(check, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    return check()


@pytest.fixture
def production_env(tmp_path):
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY="production-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DATABASE_URL=database_url(),
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(tmp_path / "static"),
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        PORT=str(free_port()),
        WEB_CONCURRENCY="2",
        PYTHONDONTWRITEBYTECODE="1",
    )


def test_gunicorn_serves_pages_and_static_files_and_the_worker_sends(production_env, settings):
    env = production_env
    worker = subprocess.Popen(
        [
            str(BIN / "python"),
            "manage.py",
            "tasks_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.2",
            "--schedule-interval",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = None
    try:
        subprocess.run(
            [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{env['PORT']}"
        https = {"X-Forwarded-Proto": "https"}

        def health():
            try:
                return httpx.get(f"{base}/sante/", timeout=2)
            except httpx.TransportError:
                return None

        response = wait_until(health, 20)
        assert response is not None and response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}

        # Behind the proxy: plain HTTP is sent to HTTPS; pages come with HSTS.
        plain = httpx.get(f"{base}/", follow_redirects=False)
        assert plain.status_code == 301 and plain.headers["location"].startswith("https://")
        home = httpx.get(f"{base}/", headers=https)
        assert home.status_code == 200 and "passnum" in home.text
        assert "max-age=31536000" in home.headers["strict-transport-security"]
        places = httpx.get(f"{base}/lieux/", headers=https)
        assert places.status_code == 200
        assert httpx.get(f"{base}/pas-une-page/", headers=https).status_code == 404

        # Static files: hashed names, served compressed and cached for good by WhiteNoise.
        css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', home.text)
        assert css, "no hashed stylesheet in the home page"
        static = httpx.get(f"{base}{css.group(1)}", headers={**https, "Accept-Encoding": "gzip"})
        assert static.status_code == 200 and static.headers["content-encoding"] == "gzip"
        assert "immutable" in static.headers["cache-control"]

        # A message queued in the database is sent by the worker; the schedule is queued too.
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        send_after_commit(subject="Essai", text="Message du test de production", emails=["a@b.fr"])
        sent = wait_until(
            lambda: DBTaskResult.objects.filter(
                task_path="core.tasks.email_send", status="SUCCESSFUL"
            ).exists(),
            20,
        )
        assert sent
        scheduled = wait_until(
            lambda: DBTaskResult.objects.filter(
                task_path="core.tasks.command_run",
                args_kwargs__kwargs__name="accompaniments_daily",
                status="SUCCESSFUL",
            ).exists(),
            20,
        )
        assert scheduled
    finally:
        if server:
            server.terminate()
            server.wait(10)
        worker.terminate()
        output = worker.communicate(timeout=10)[0]
    assert "Message du test de production" in output
