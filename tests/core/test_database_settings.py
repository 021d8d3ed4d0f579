"""The database settings keep what DATABASE_URL says."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_options_of_the_database_url_are_kept_beside_prepared_statements():
    url = "postgres://passnum@db.example:5432/passnum?sslmode=verify-full&connect_timeout=5"
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config.settings import base; print(sorted(base.DATABASES['default']['OPTIONS'].items()))",
        ],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=url),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "('sslmode', 'verify-full')" in shown and "('connect_timeout', 5)" in shown
    assert "('server_side_binding', True)" in shown and "('prepare_threshold', 5)" in shown
