"""Places benchmark: importing three overlapping sources, deduplicating them, searching the
merged directory.

Generates N synthetic source records across France (25,000; 2,000 with --quick) in three
sources (files of the standard v1.0.2) that overlap: 30 % of the records are the same place as
a record of another source, written differently (case, accents, abbreviations, a typo, a
position a few metres away or none, another date). Imports the three files one after the other
(each import scores its records against the others and merges), then times searches within
20 km of random communes with two filters through the public search view, on SQLite and on
PostgreSQL. Prints the import rate, the deduplication time and its precision and recall against
the known duplicates, the search p50/p95, and for each a ceiling measured in the same run:
the same rows inserted with raw SQL (executemany, no parsing), the same scoring with no database
(places.dedup on in-memory records), the same bounding-box query in raw SQL with the distance in
Python (no view, no template); ratio = ceiling seconds / passnum seconds. Last line: one JSON
object with the figures and the targets.

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
TARGETS = {
    "search_p95_ms_max": 50,
    "import_rows_per_s_min": 2000,
    "dedup_precision_min": 0.98,
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


KINDS = [
    "Médiathèque",
    "Espace public numérique",
    "Cyber-base",
    "Maison France Services",
    "Centre social",
    "Association",
    "Tiers-lieu",
    "Mairie annexe",
    "Point numérique CAF",
    "Fablab",
]
_NAMES = (
    "Jean Moulin|Les Tamarins|Victor Hugo|Aimé Césaire|Les Lilas|Simone Veil|Pasteur|"
    "Les Hauts|Bellevue|La Source|Marie Curie|Les Camélias|Jules Ferry|Le Moufia|Beaufonds|"
    "Flamboyants|Colibri|Louise Michel|Les Pins|Sud Ouest|Bois de Nèfles|Rivière des Galets|"
    "Albert Camus|Le Verger|Champ Fleuri|Roland Garros|Georges Brassens|Les Aubépines"
)
NAMES = _NAMES.split("|")
STREETS = ["rue", "avenue", "chemin", "boulevard", "place", "allée"]
STREET_NAMES = [
    "de la République",
    "du Général de Gaulle",
    "Jean Jaurès",
    "des Écoles",
    "de la Gare",
    "Pasteur",
    "du Stade",
    "des Lilas",
    "Victor Hugo",
    "du Marché",
]
SOURCES = ["departement", "conseillers-numeriques", "hub-regional"]


def _plain(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _variant(row: dict, rng: random.Random) -> dict:
    """The same place as another source would publish it."""
    copy = dict(row)
    name = row["nom"]
    change = rng.randrange(5)
    if change == 1:
        name = name.upper()
    elif change == 2:
        name = _plain(name)
    elif change == 3:
        name = name.replace("Saint-", "St ").replace("Cyber-base", "Cyberbase")
    elif change == 4:
        words = name.split()
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        if len(words[longest]) > 5:
            cut = rng.randrange(1, len(words[longest]) - 1)
            words[longest] = words[longest][:cut] + words[longest][cut + 1 :]
        name = " ".join(words)
    copy["nom"] = name
    address = row["adresse"]
    copy["adresse"] = rng.choice(
        [address, address.lower(), address.replace("rue", "r.").replace("avenue", "av.")]
    )
    if rng.random() < 0.8:
        copy["latitude"] = f"{float(row['latitude']) + rng.uniform(-0.0002, 0.0002):.6f}"
        copy["longitude"] = f"{float(row['longitude']) + rng.uniform(-0.0002, 0.0002):.6f}"
    else:
        copy["latitude"] = copy["longitude"] = ""
    copy["date_maj"] = rng.choice(["2025-03-01", "2026-06-15", "2026-10-01"])
    return copy


def synthetic_sources(count: int, communes: list, rng: random.Random):
    """Three CSV files with `count` records in all, 30 % of them duplicates of a record of
    another source; and the truth: (source, id) -> place number."""
    from places.enums import Fee, Service, SupportMode
    from places.standard import FIELDS_V1

    services, modes = list(Service.values), list(SupportMode.values)
    duplicates = round(count * 0.3)
    unique = count - duplicates
    weights = [max(c.population, 1) ** 0.5 for c in communes]
    used: set[tuple[str, str, str]] = set()
    places = []
    for index, commune in enumerate(rng.choices(communes, weights=weights, k=unique)):
        while True:
            kind, name = rng.choice(KINDS), rng.choice(NAMES)
            if (commune.code, kind, name) not in used:
                break
            name = f"{name} {rng.randint(2, 99)}"
            if (commune.code, kind, name) not in used:
                break
        used.add((commune.code, kind, name))
        places.append(
            {
                "id": f"p-{index:06d}",
                "pivot": "00000000000000",
                "nom": f"{kind} {name}",
                "commune": commune.name,
                "code_postal": commune.postal_code_list[0],
                "code_insee": commune.code,
                "adresse": f"{rng.randint(1, 200)} {rng.choice(STREETS)} {rng.choice(STREET_NAMES)}",
                "latitude": f"{commune.latitude + rng.uniform(-0.02, 0.02):.6f}",
                "longitude": f"{commune.longitude + rng.uniform(-0.02, 0.02):.6f}",
                "horaires": rng.choice(
                    ["Mo-Fr 09:00-12:00,14:00-17:00", "Tu-Sa 10:00-18:00", "We 14:00-18:00", ""]
                ),
                "date_maj": "2026-01-15",
                "services": "|".join(rng.sample(services, rng.randint(1, 4))),
                "modalites_accompagnement": "|".join(rng.sample(modes, rng.randint(1, 3))),
                "frais_a_charge": rng.choice(list(Fee.values)),
            }
        )
    files: dict[str, list[dict]] = {source: [] for source in SOURCES}
    truth: dict[tuple[str, str], int] = {}
    homes = rng.choices(range(3), weights=[0.4, 0.35, 0.25], k=unique)
    for number, (place, home) in enumerate(zip(places, homes, strict=True)):
        files[SOURCES[home]].append(place)
        truth[(SOURCES[home], place["id"])] = number
    for number in rng.sample(range(unique), duplicates):
        other = rng.choice([i for i in range(3) if i != homes[number]])
        files[SOURCES[other]].append(_variant(places[number], rng))
        truth[(SOURCES[other], places[number]["id"])] = number
    contents = {}
    for source, rows in files.items():
        stream = io.StringIO()
        writer = csv.DictWriter(stream, fieldnames=FIELDS_V1)
        writer.writeheader()
        writer.writerows(rows)
        contents[source] = stream.getvalue().encode()
    return contents, truth


def dedup_quality(truth: dict) -> dict:
    """Pairs of records merged into one public place, against the known duplicates."""
    from itertools import combinations

    from places.models import Place

    public: dict[int, list[int]] = {}
    for pk, source, source_id, head in Place.objects.values_list(
        "pk", "source", "source_id", "merged_into_id"
    ):
        public.setdefault(head or pk, []).append(truth[(source, source_id)])
    merged_pairs = [pair for group in public.values() for pair in combinations(group, 2)]
    right = sum(1 for a, b in merged_pairs if a == b)
    expected = sum(1 for _ in range(len(truth) - len(set(truth.values()))))
    return {
        "public_places": len(public),
        "expected_public_places": len(set(truth.values())),
        "dedup_precision": round(right / len(merged_pairs), 4) if merged_pairs else 1.0,
        "dedup_recall": round(right / expected, 4) if expected else 1.0,
    }


def raw_insert_ceiling(contents: dict) -> float:
    """The same rows stored with no parsing and no framework: executemany into a scratch table."""
    from django.db import connection

    from places.standard import FIELDS_V1

    columns = ", ".join(f'"{name}" text' for name in FIELDS_V1)
    rows = [
        [row[name] for name in FIELDS_V1]
        for content in contents.values()
        for row in csv.DictReader(io.StringIO(content.decode()))
    ]
    marks = ", ".join(["%s"] * len(FIELDS_V1))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_raw_places ({columns})")
        started = time.perf_counter()
        cursor.executemany(f"INSERT INTO bench_raw_places VALUES ({marks})", rows)  # noqa: S608
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_raw_places")
    return elapsed


def scoring_ceiling() -> float:
    """The same candidate pairs and scores as the imports, in memory, with no database."""
    from places import dedup
    from places.models import Place

    records = [
        dedup.Record(
            pk=pk,
            source=source,
            name=nom,
            address=adresse,
            insee=insee or ref or "",
            latitude=lat,
            longitude=lon,
            exact_position=not approx,
            pivot=pivot,
            phone=phone,
            commune=commune,
        )
        for pk, source, nom, adresse, insee, ref, lat, lon, approx, pivot, phone, commune in Place.objects.values_list(
            "pk",
            "source",
            "record__nom",
            "record__adresse",
            "code_insee",
            "commune_ref_id",
            "record__latitude",
            "record__longitude",
            "coordinates_approximate",
            "pivot",
            "telephone",
            "commune",
        )
    ]
    by_pk = {record.pk: record for record in records}
    started = time.perf_counter()
    for a, b in dedup.candidate_pairs(records, records):
        dedup.score(by_pk[a], by_pk[b])
    return time.perf_counter() - started


def raw_search(cursor, sql: str, latitude: float, longitude: float, radius_km: float) -> int:
    """The search of the view in raw SQL (bounding box), distance and filters in Python."""
    import math

    from places.selectors import KM_PER_DEGREE, distance_km

    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    cursor.execute(sql, [latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon])
    found = 0
    for lat, lon, services, modes in cursor.fetchall():
        if isinstance(services, str):
            services, modes = json.loads(services), json.loads(modes)
        if "Aide aux démarches administratives" not in services:
            continue
        if "Accompagnement individuel" not in modes:
            continue
        if distance_km(latitude, longitude, lat, lon) <= radius_km:
            found += 1
    return found


def run_one(vendor: str, quick: bool) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from places import services
    from places.models import Place
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
    contents, truth = synthetic_sources(count, communes, rng)
    dedup_seconds = [0.0]
    original = services.places_deduplicate

    def timed(**kwargs):
        started = time.perf_counter()
        try:
            return original(**kwargs)
        finally:
            dedup_seconds[0] += time.perf_counter() - started

    services.places_deduplicate = timed
    started = time.perf_counter()
    reports = {}
    for source, content in contents.items():
        reports[source] = places_import(content=content, name=f"{source}.csv", source=source)
        assert reports[source].rejected == 0, reports[source].summary()
    import_seconds = time.perf_counter() - started
    services.places_deduplicate = original
    quality = dedup_quality(truth)
    ceiling_import = raw_insert_ceiling(contents)
    ceiling_scoring = scoring_ceiling()

    client = Client()
    searches = 60 if quick else 300
    # People search from where they live: origins weighted by population.
    origins = rng.choices(communes, weights=[c.population for c in communes], k=searches + 10)
    timings, results, raw_timings = [], [], []
    table = connection.ops.quote_name(Place._meta.db_table)
    raw_sql = (
        f"SELECT latitude, longitude, services, modalites_accompagnement FROM {table} "  # noqa: S608
        "WHERE closed = false AND merged_into_id IS NULL AND latitude BETWEEN %s AND %s "
        "AND longitude BETWEEN %s AND %s"
    )
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
        started = time.perf_counter()
        with connection.cursor() as cursor:
            raw_found = raw_search(
                cursor,
                raw_sql.replace("closed = %s AND ", "closed = false AND "),
                commune.latitude,
                commune.longitude,
                20,
            )
        raw_elapsed = (time.perf_counter() - started) * 1000
        if i >= 10:  # the first requests warm the caches
            timings.append(elapsed)
            raw_timings.append(raw_elapsed)
            found = COUNT.search(response.content.decode())
            assert found, "no result heading in the page"
            results.append(int(found.group(1)))
            assert raw_found == int(found.group(1)), (raw_found, found.group(1))
    search_p95 = percentile(timings, 0.95)
    raw_p95 = percentile(raw_timings, 0.95)
    return {
        "vendor": vendor,
        "records": count,
        "sources": len(contents),
        **quality,
        "merged_records": sum(r.merged for r in reports.values()),
        "to_review_pairs": sum(r.to_review for r in reports.values()),
        "import_seconds": round(import_seconds, 2),
        "import_rows_per_s": round(count / import_seconds),
        "ceiling_import_seconds": round(ceiling_import, 3),
        "import_ratio": round(ceiling_import / import_seconds, 4),
        "dedup_seconds": round(dedup_seconds[0], 2),
        "ceiling_dedup_seconds": round(ceiling_scoring, 3),
        "dedup_ratio": round(ceiling_scoring / dedup_seconds[0], 4),
        "searches": len(timings),
        "search_p50_ms": round(percentile(timings, 0.5), 1),
        "search_p95_ms": round(search_p95, 1),
        "ceiling_search_p95_ms": round(raw_p95, 1),
        "search_ratio": round(raw_p95 / search_p95, 4),
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
        and f["dedup_precision"] >= TARGETS["dedup_precision_min"]
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
