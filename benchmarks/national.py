"""The national dataset for the benchmarks (`--national`): a PostgreSQL database built once by
`generate_national` (about 400,000 people, 2,000,000 units, 25,000 places; see demo/national.py)
and kept between runs. Its name: PG_NATIONAL_DATABASE (default passnum_bench_national).

    python benchmarks/national.py            # builds it if missing, prints its size and time
    python benchmarks/national.py --rebuild  # drops it and builds it again

Also here: EXPLAIN of a benchmark's main queries, and whether PostgreSQL reads them through an
index (the benchmarks print it and fail their targets otherwise)."""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("PG_URL_BASE", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("PG_NATIONAL_DATABASE", "passnum_bench_national")
URL = f"{PG_SERVER}/{DATABASE}"


def _admin(sql: str):
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        cursor = connection.execute(sql)
        return cursor.fetchall() if sql.startswith("SELECT") else None


def _has_carnets() -> bool:
    import psycopg

    if not _admin(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"):  # noqa: S608
        return False
    with psycopg.connect(URL) as connection:
        exists = connection.execute("SELECT to_regclass('vouchers_carnet')").fetchone()[0]
        return bool(exists) and bool(
            connection.execute("SELECT EXISTS (SELECT 1 FROM vouchers_carnet)").fetchone()[0]
        )


def ensure(*, rebuild: bool = False, log=print) -> dict:
    """The national database, built if missing (migrate, communes, generate_national)."""
    if not rebuild and _has_carnets():
        return {"database": DATABASE, "built": False}
    _admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DATABASE}")
    env = dict(os.environ, DATABASE_URL=URL, DJANGO_SETTINGS_MODULE="config.settings.dev")
    manage = [sys.executable, str(ROOT / "manage.py")]
    started = time.perf_counter()
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    subprocess.run([*manage, "load_communes", "--wet-run"], env=env, cwd=ROOT, check=True)
    prepared = time.perf_counter()
    subprocess.run([*manage, "generate_national", "--wet-run"], env=env, cwd=ROOT, check=True)
    done = time.perf_counter()
    figures = {
        "database": DATABASE,
        "built": True,
        "migrate_and_communes_seconds": round(prepared - started, 1),
        "generate_national_seconds": round(done - prepared, 1),
    }
    log(json.dumps(figures))
    return figures


def explain(sql: str, params=()) -> str:
    """PostgreSQL's plan for a query on the national database."""
    import psycopg

    with psycopg.connect(URL) as connection:
        rows = connection.execute(f"EXPLAIN {sql}", params).fetchall()  # noqa: S608
    return "\n".join(row[0] for row in rows)


def index_used(plan: str, table: str) -> bool:
    """The plan reads `table` through an index, never by scanning it whole."""
    return f"Seq Scan on {table}" not in plan and (
        "Index Scan" in plan or "Index Only Scan" in plan or "Bitmap Index Scan" in plan
    )


def sizes() -> dict:
    import psycopg

    tables = {
        "beneficiaries": "beneficiaries_beneficiary",
        "carnets": "vouchers_carnet",
        "units": "vouchers_unit",
        "events": "vouchers_unitevent",
        "places": "places_place",
        "programs": "programs_program",
    }
    with psycopg.connect(URL) as connection:
        figures = {
            name: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for name, table in tables.items()
        }
        figures["database_megabytes"] = round(
            connection.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 1e6
        )
    return figures


PLACES_RAW = """
SELECT id, nom, distance FROM (
    SELECT id, nom, 2 * 6371 * asin(sqrt(
        power(sin(radians(latitude - %(lat)s) / 2), 2)
        + cos(radians(%(lat)s)) * cos(radians(latitude))
        * power(sin(radians(longitude - %(lon)s) / 2), 2))) AS distance
    FROM places_place
    WHERE latitude BETWEEN %(lat_min)s AND %(lat_max)s
      AND longitude BETWEEN %(lon_min)s AND %(lon_max)s
      AND services ?| %(services)s AND modalites_accompagnement ?| %(modes)s
) AS near WHERE distance <= %(radius)s ORDER BY distance, nom
"""


def places_search(quick: bool) -> dict:
    """Search timings on the national places through the public search view (commune, 20 km,
    a service and a support mode), the same search in raw SQL (bounding box, filters and
    distance sort in SQL: the ceiling), and the plan of the view's bounding-box query. Runs in a
    process whose DATABASE_URL is the national database."""
    import math
    import random
    import re
    import statistics

    import django
    import psycopg

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from places.models import Place
    from places.selectors import KM_PER_DEGREE
    from territories.models import Commune

    settings.DEBUG = False
    service, mode = "Aide aux démarches administratives", "Accompagnement individuel"
    # People search from where they live, in the départements of the dataset.
    covered = Commune.objects.filter(code__in=Place.objects.values("code_insee"))
    communes = list(
        Commune.objects.filter(
            latitude__isnull=False, departement__in=covered.values("departement")
        ).order_by("code")
    )
    rng = random.Random(2026)
    searches = 60 if quick else 300
    origins = rng.choices(communes, weights=[c.population for c in communes], k=searches + 10)
    client = Client()
    timings, raw_timings, counts = [], [], []
    count_pattern = re.compile(r'id="resultats-titre">(\d+) lieu')
    bbox_sql = ""
    with psycopg.connect(os.environ["DATABASE_URL"]) as raw:
        for index, commune in enumerate(origins):
            params = {
                "commune": commune.code,
                "radius": "20",
                "services": service,
                "support_modes": mode,
            }
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get("/lieux/", params, HTTP_HOST="127.0.0.1")
                elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200
            if not bbox_sql:
                bbox_sql = next(
                    (q["sql"] for q in queries.captured_queries if "BETWEEN" in q["sql"]), ""
                )
            dlat = 20 / KM_PER_DEGREE
            dlon = 20 / (KM_PER_DEGREE * max(math.cos(math.radians(commune.latitude)), 0.01))
            started = time.perf_counter()
            rows = raw.execute(
                PLACES_RAW,
                {
                    "lat": commune.latitude,
                    "lon": commune.longitude,
                    "lat_min": commune.latitude - dlat,
                    "lat_max": commune.latitude + dlat,
                    "lon_min": commune.longitude - dlon,
                    "lon_max": commune.longitude + dlon,
                    "services": [service],
                    "modes": [mode],
                    "radius": 20,
                },
            ).fetchall()
            raw_elapsed = (time.perf_counter() - started) * 1000
            if index >= 10:  # the first requests warm the caches
                timings.append(elapsed)
                raw_timings.append(raw_elapsed)
                found = count_pattern.search(response.content.decode())
                counts.append(int(found.group(1)) if found else len(rows))
    plan = explain(bbox_sql) if bbox_sql else ""
    print(plan, file=sys.stderr)
    search_p95 = percentile(timings, 0.95)
    raw_p95 = percentile(raw_timings, 0.95)
    return {
        "places": sizes()["places"],
        "searches": len(timings),
        "search_p50_ms": round(percentile(timings, 0.5), 1),
        "search_p95_ms": round(search_p95, 1),
        "mean_results_per_search": round(statistics.mean(counts), 1),
        "ceiling_search_p50_ms": round(percentile(raw_timings, 0.5), 1),
        "ceiling_search_p95_ms": round(raw_p95, 1),
        "search_ratio": round(raw_p95 / search_p95, 3),
        "bbox_query_uses_index": index_used(plan, "places_place"),
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def places(quick: bool) -> dict:
    """benchmarks/places.py --national: builds the dataset if missing, then searches it."""
    ensure(log=lambda text: print(text, file=sys.stderr))
    env = dict(os.environ, DATABASE_URL=URL, DJANGO_SETTINGS_MODULE="config.settings.dev")
    args = [sys.executable, __file__, "--places-child"] + (["--quick"] if quick else [])
    output = subprocess.run(args, env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--places-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.places_child:
        print(json.dumps(places_search(args.quick)))
        return
    figures = ensure(rebuild=args.rebuild, log=lambda text: print(text, file=sys.stderr))
    print(json.dumps({"benchmark": "national", **figures, **sizes()}))


if __name__ == "__main__":
    main()
