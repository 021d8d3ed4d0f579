"""Demo data benchmark: times `load_demo --wet-run` (accounts, places, programs, then a year of
activity of both programs through the services) on a temporary SQLite file with the communes
of La Réunion and Lot-et-Garonne loaded, then, as a ceiling, the same rows written with no
framework: every table the demo filled, copied by raw SQL (INSERT … SELECT) into a copy of the
database as it was before the demo. Last line: one JSON object with the figures, the ceiling,
the ratio and the target (under 30 s).

    python benchmarks/demo.py [--quick]
"""

import argparse
import io
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 30


def _raw_copy(source: Path, target: Path, tables: list[str]) -> tuple[float, int]:
    """Seconds to insert every row of `tables` from `source` into `target` with raw SQL."""
    connection = sqlite3.connect(target)
    # The rows were checked when the demo wrote them; the checks call Django's SQL functions.
    connection.execute("PRAGMA ignore_check_constraints = ON")
    connection.execute("ATTACH DATABASE ? AS demo", (str(source),))
    rows = 0
    started = time.perf_counter()
    with connection:
        for table in tables:
            cursor = connection.execute(f'INSERT INTO main."{table}" SELECT * FROM demo."{table}"')  # noqa: S608
            rows += cursor.rowcount
    seconds = time.perf_counter() - started
    connection.close()
    return seconds, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="70 people instead of 380")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    database = folder / "demo.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from demo import activity
    from territories.services import communes_load

    settings.DEBUG = True
    if args.quick:
        activity.KAP_PEOPLE, activity.PASS_PEOPLE = 40, 30
    call_command("migrate", verbosity=0)
    communes_load(departements=["974", "47"])
    with connection.cursor() as cursor:
        before = {
            table: cursor.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in connection.introspection.table_names(cursor)
        }
    connection.close()
    empty = folder / "before-demo.sqlite3"
    shutil.copyfile(database, empty)

    started = time.perf_counter()
    call_command("load_demo", "--wet-run", stdout=io.StringIO())
    demo_seconds = time.perf_counter() - started

    filled = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            count = cursor.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            if count != before.get(table, 0) and before.get(table, 0) == 0:
                filled.append(table)
    connection.close()
    raw_seconds, rows = _raw_copy(database, empty, filled)
    figures = {
        "benchmark": "demo",
        "quick": args.quick,
        "people": activity.KAP_PEOPLE + activity.PASS_PEOPLE + 5,
        "tables": len(filled),
        "rows": rows,
        "load_demo_seconds": round(demo_seconds, 2),
        "raw_sql_same_rows_seconds": round(raw_seconds, 3),
        "ratio": round(demo_seconds / raw_seconds, 1) if raw_seconds else None,
        "target_seconds_max": TARGET_SECONDS,
    }
    figures["target_met"] = demo_seconds < TARGET_SECONDS
    shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
