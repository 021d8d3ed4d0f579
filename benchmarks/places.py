"""Places benchmark: import rate of a synthetic national file and server time of a search.

Generates N synthetic places across France (25,000; 2,000 with --quick), imports them as a CSV of
the standard v1.0.2, then times searches within 20 km of random communes with two filters
(a service and an accompaniment modality) through the public search view, on SQLite and on
PostgreSQL. Last line: one JSON object with the figures and the targets.

    python benchmarks/places.py [--quick] [--only sqlite|postgresql] [--national]
"""

import argparse
import csv
import io
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("PG_URL_BASE", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = "passnum_bench_places"
COUNT = re.compile(r'id="resultats-titre">(\d+) lieu')
TARGETS = {"search_p95_ms_max": 50, "import_rows_per_s_min": 2000}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def synthetic_csv(count: int, communes: list, rng: random.Random) -> bytes:
    from places.enums import Fee, Service, SupportMode
    from places.standard import FIELDS_V1

    services, modes = list(Service.values), list(SupportMode.values)
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=FIELDS_V1)
    writer.writeheader()
    weights = [max(c.population, 1) ** 0.5 for c in communes]
    for index, commune in enumerate(rng.choices(communes, weights=weights, k=count)):
        writer.writerow(
            {
                "id": f"bench-{index:06d}",
                "pivot": "00000000000000",
                "nom": f"Lieu numérique {index} de {commune.name}",
                "commune": commune.name,
                "code_postal": commune.postal_code_list[0],
                "code_insee": commune.code,
                "adresse": f"{rng.randint(1, 200)} rue de la Mairie",
                "latitude": f"{commune.latitude + rng.uniform(-0.02, 0.02):.6f}",
                "longitude": f"{commune.longitude + rng.uniform(-0.02, 0.02):.6f}",
                "horaires": rng.choice(
                    ["Mo-Fr 09:00-12:00,14:00-17:00", "Tu-Sa 10:00-18:00", "We 14:00-18:00", ""]
                ),
                "date_maj": "2026-10-01",
                "services": "|".join(rng.sample(services, rng.randint(1, 4))),
                "modalites_accompagnement": "|".join(rng.sample(modes, rng.randint(1, 3))),
                "frais_a_charge": rng.choice(list(Fee.values)),
            }
        )
    return stream.getvalue().encode()


def run_one(vendor: str, quick: bool) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from places.services import places_import
    from territories.models import Commune
    from territories.services import communes_load

    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    communes_load()
    communes = list(
        Commune.objects.filter(latitude__isnull=False, departement__isnull=False)
        .exclude(postal_codes="")
        .order_by("code")
    )
    rng = random.Random(2026)
    count = 2000 if quick else 25000
    content = synthetic_csv(count, communes, rng)
    started = time.perf_counter()
    report = places_import(content=content, name="bench.csv", source="bench")
    import_seconds = time.perf_counter() - started
    assert report.imported == count and report.rejected == 0, report.summary()

    client = Client()
    searches = 60 if quick else 300
    # People search from where they live: origins weighted by population.
    origins = rng.choices(communes, weights=[c.population for c in communes], k=searches + 10)
    timings, results = [], []
    for i, commune in enumerate(origins):
        params = {
            "commune": commune.code,
            "radius": "20",
            "services": "Aide aux démarches administratives",
            "support_modes": "Accompagnement individuel",
        }
        started = time.perf_counter()
        response = client.get("/lieux/", params, HTTP_HOST="127.0.0.1")
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200
        if i >= 10:  # the first requests warm the caches
            timings.append(elapsed)
            found = COUNT.search(response.content.decode())
            assert found, "no result heading in the page"
            results.append(int(found.group(1)))
    return {
        "vendor": vendor,
        "places": count,
        "import_seconds": round(import_seconds, 2),
        "import_rows_per_s": round(count / import_seconds),
        "searches": len(timings),
        "search_p50_ms": round(percentile(timings, 0.5), 1),
        "search_p95_ms": round(percentile(timings, 0.95), 1),
        "mean_results_per_search": round(statistics.mean(results), 1),
    }


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def child(vendor: str, quick: bool) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.dev", PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory() as folder:
        if vendor == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        else:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            pg_admin(f"CREATE DATABASE {PG_DATABASE}")
            env["DATABASE_URL"] = f"{PG_SERVER}/{PG_DATABASE}"
        try:
            args = [sys.executable, __file__, "--child", vendor] + (["--quick"] if quick else [])
            output = subprocess.run(
                args, env=env, cwd=ROOT, check=True, capture_output=True, text=True
            )
        finally:
            if vendor == "postgresql":
                pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument(
        "--national",
        action="store_true",
        help="search the national dataset on PostgreSQL (benchmarks/national.py), with the "
        "raw-SQL ceiling and EXPLAIN of the bounding-box query",
    )
    args = parser.parse_args()
    if args.national:
        import national

        figures = national.places(args.quick)
        met = figures["search_p95_ms"] < TARGETS["search_p95_ms_max"]
        print(
            json.dumps(
                {
                    "benchmark": "places",
                    "national": True,
                    "quick": args.quick,
                    **figures,
                    "targets": {"search_p95_ms_max": TARGETS["search_p95_ms_max"]},
                    "targets_met": met and figures["bbox_query_uses_index"],
                }
            )
        )
        return
    if args.child:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(run_one(args.child, args.quick)))
        return
    figures = {}
    for vendor in [args.only] if args.only else ["sqlite", "postgresql"]:
        figures[vendor] = child(vendor, args.quick)
        print(f"{vendor}: {figures[vendor]}", file=sys.stderr)
    met = all(
        f["search_p95_ms"] < TARGETS["search_p95_ms_max"]
        and f["import_rows_per_s"] > TARGETS["import_rows_per_s_min"]
        for f in figures.values()
    )
    print(
        json.dumps(
            {
                "benchmark": "places",
                "quick": args.quick,
                **figures,
                "targets": TARGETS,
                "targets_met": met,
            }
        )
    )


if __name__ == "__main__":
    main()
