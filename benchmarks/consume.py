"""Consumption benchmark on PostgreSQL.

Concurrent HTTP clients (8) drive the consume endpoint (POST /api/v1/units/consume) served by
gunicorn with 2 worker processes (config/gunicorn.py); then the same service (unit_consume)
runs in-process from 2 processes, with no HTTP; then the ceiling: the same transaction in raw
SQL over psycopg from 2 processes (lock the unit by serial, conditional update, budget, event,
pricing line, person served, idempotency record). The three take turns in 4 rounds, so that
a change of the machine's load weighs on each alike. Prints throughput, p50/p99 latency and
the ratios. Last line: one JSON object with the figures and the targets.

    python benchmarks/consume.py [--quick] [--clients 8] [--national]

--national: on the national dataset (benchmarks/national.py), the vouchers of its largest
program, with EXPLAIN of the unit lock (index use checked); the vouchers used stay used.
"""

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("PG_URL_BASE", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = os.environ.get("PG_BENCH_DATABASE", "passnum_bench_consume")
TARGETS = {"http_to_raw_sql_ratio_min": 0.30, "http_p99_ms_max": 100}
ROUNDS = 4


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def django_setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


def prepare(units_needed: int, out_path: str) -> None:
    """Creates a funded program, a structure under agreement and carnets; writes the codes."""
    django_setup()
    from django.core.management import call_command

    from accounts.services import (
        api_key_create,
        membership_create,
        organisation_create,
        user_create,
    )
    from beneficiaries.services import beneficiary_create
    from places.models import Place
    from places.services import places_import
    from programs import services as p
    from territories.models import Commune
    from territories.services import communes_load
    from vouchers.services import carnet_issue

    call_command("migrate", verbosity=0)
    communes_load(departements=["974"])
    places_import(
        content=(ROOT / "places/data/lieux-974-ultra-num-standard-v1.0.2.csv").read_bytes(),
        source="u",
    )
    year = dt.date.today().year
    funder = organisation_create(actor=None, name="Région", kinds=["funder"], rna="W974000001")
    prescriber = organisation_create(
        actor=None, name="CCAS", kinds=["prescriber"], rna="W974000002"
    )
    structure = organisation_create(
        actor=None, name="Structure", kinds=["structure"], rna="W974000003"
    )
    Place.objects.filter(source_id="ultra-num-974-132").update(structure=structure)
    user = user_create(email="bench@example.org", password="bench-password-2026")
    membership_create(actor=None, user=user, organisation=prescriber, role="admin")
    program = p.program_create(
        actor=None,
        lead_funder=funder,
        name=f"Pass {year}",
        slug=f"pass-{year}",
        unit_kind="money",
        unit_value_cents=1000,
        starts_on=dt.date(year, 1, 1),
        ends_on=dt.date(year, 12, 31),
        carnet_sizes=[10],
        validity_end_on=dt.date(year, 12, 31),
    )
    p.commitment_add(
        actor=None, program=program, funder=funder, category="region", amount_cents=10**11
    )
    p.quota_set(actor=None, program=program, prescriber=prescriber, units=units_needed + 10)
    call = p.call_create(
        actor=None,
        program=program,
        title="Appel",
        text="Appel",
        opens_on=dt.date(year, 1, 1),
        closes_on=dt.date(year + 1, 12, 31),
        criteria=[{"label": "A", "max_points": 1}],
    )
    p.call_publish(actor=None, call=call)
    application = p.application_save(
        actor=None,
        call=call,
        structure=structure,
        rna=structure.rna,
        places=list(Place.objects.filter(structure=structure)),
        services=["Aide aux démarches administratives"],
        weekly_opening_hours=30,
        iban="FR7630004000010001000000102",
        bic="BNPAFRPP",
    )
    p.application_submit(actor=None, application=application)
    p.application_accept(actor=None, application=application)
    program.refresh_from_db()
    commune = Commune.objects.get(code="97410")
    codes = []
    for index in range((units_needed + 9) // 10):
        person = beneficiary_create(
            actor=user,
            prescriber=prescriber,
            first_name=f"P{index}",
            last_name="Bench",
            birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=index),
            commune=commune,
            consent_method="paper",
        )
        issued = carnet_issue(
            actor=user,
            prescriber=prescriber,
            beneficiary=person,
            program=program,
            units=10,
            delivery="paper",
        )
        codes += issued.codes
    _record, key = api_key_create(actor=None, organisation=structure, name="bench")
    from django.conf import settings

    from vouchers.codes import code_normalize, serial_normalize

    Path(out_path).write_text(
        json.dumps(
            {
                "key": key,
                "structure": structure.pk,
                "codes": codes[:units_needed],
                # For the raw-SQL ceiling, which runs without Django.
                "normalized": [
                    [serial_normalize(serial), code_normalize(code)]
                    for serial, code in codes[:units_needed]
                ],
                "hmac_key": settings.PASSNUM_CODE_HMAC_KEY,
            }
        )
    )


def prepare_national(units_needed: int, out_path: str) -> None:
    """On the national dataset: a structure under agreement for the program with the most unused
    vouchers, a new API key, and that many of its unused vouchers (their codes derive from their
    serials). Also the plan of the unit lock, as the service sends it."""
    django_setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from accompaniments.services import unit_consume
    from accounts.services import api_key_create
    from demo.national import voucher_code
    from programs.models import Agreement
    from vouchers.models import Unit

    program_id = (
        Unit.objects.filter(state="issued")
        .values("program")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["program"]
    )
    structure = Agreement.objects.filter(program_id=program_id).order_by("pk").first().structure
    serials = list(
        Unit.objects.filter(program_id=program_id, state="issued")
        .order_by("pk")
        .values_list("serial", flat=True)[:units_needed]
    )
    if len(serials) < units_needed:
        raise SystemExit(
            "Plus assez de chèques inutilisés : python benchmarks/national.py --rebuild"
        )
    codes = [[serial, voucher_code(serial)] for serial in serials]
    with CaptureQueriesContext(connection) as queries:
        unit_consume(
            actor=None, structure=structure, serial=serials[0], code=codes[0][1], test=True
        )
    lock = next(q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"])
    _record, key = api_key_create(actor=None, organisation=structure, name=f"bench {time.time()}")
    Path(out_path).write_text(
        json.dumps(
            {
                "key": key,
                "structure": structure.pk,
                "codes": codes,
                "normalized": codes,
                "hmac_key": settings.PASSNUM_CODE_HMAC_KEY,
                "unit_lock_sql": lock,
            }
        )
    )


RAW_LOCK = (
    "SELECT u.id, u.state, u.code_hash, u.value_cents, u.program_id, c.beneficiary_id, c.id"
    " FROM vouchers_unit u JOIN vouchers_carnet c ON c.id = u.carnet_id"
    " WHERE u.serial = %s FOR UPDATE OF u"
)
RAW_STEPS = (
    "UPDATE vouchers_unit SET state = 'consumed', consumed_at = %(now)s,"
    " consumed_by_id = %(structure)s, failed_attempts = 0, minutes_left = 0"
    " WHERE id = %(unit)s AND state = 'issued'",
    "UPDATE programs_program SET committed_cents = committed_cents - %(value)s,"
    " consumed_cents = consumed_cents + %(value)s"
    " WHERE id = %(program)s AND committed_cents >= %(value)s",
    "INSERT INTO vouchers_unitevent (unit_id, program_id, carnet_id, kind, at, actor_id,"
    " organisation_id, reason, minutes, amount_cents, data) VALUES (%(unit)s, %(program)s,"
    " %(carnet)s, 'consumed', %(now)s, NULL, %(structure)s, '', 0, %(value)s, '{}') RETURNING id",
)
RAW_PRICE = (
    "INSERT INTO settlement_pricingline (event_id, structure_id, program_id, amount_cents,"
    " happened_at, status, review_reason, reviewed_by_id, contest_note, claim_id, transfer_id,"
    " created_at) VALUES (%(event)s, %(structure)s, %(program)s, %(value)s, %(now)s, 'priced',"
    " '', NULL, '', NULL, NULL, %(now)s) ON CONFLICT DO NOTHING"
)
RAW_SERVED = (
    "INSERT INTO beneficiaries_beneficiarystructure (beneficiary_id, structure_id,"
    " first_served_at) VALUES (%(beneficiary)s, %(structure)s, %(now)s) ON CONFLICT DO NOTHING"
)
RAW_IDEMPOTENCY = (
    "INSERT INTO core_idempotencyrecord (organisation_id, key, scope, fingerprint, response,"
    " created_at) VALUES (%(structure)s, %(key)s, 'unit_consume', %(fingerprint)s,"
    " %(response)s, %(now)s)"
)


def raw(data_path: str, start: int, stop: int) -> None:
    """The ceiling: the same transaction as one consumption, in SQL over psycopg, without
    Django: lock the unit by serial, check its code, conditional update, budget, event, pricing
    line, the person served, idempotency record."""
    import hashlib
    import hmac

    import psycopg

    data = json.loads(Path(data_path).read_text())
    key = data["hmac_key"].encode()
    structure = data["structure"]
    ok = 0
    with psycopg.connect(os.environ["DATABASE_URL"]) as connection:
        started = time.perf_counter()
        for index, (serial, code) in enumerate(data["normalized"][start:stop]):
            now = dt.datetime.now(dt.UTC)
            with connection.transaction(), connection.cursor() as cursor:
                unit, state, stored, value, program, beneficiary, carnet = cursor.execute(
                    RAW_LOCK, (serial,)
                ).fetchone()
                digest = hmac.new(key, f"{serial}:{code}".encode(), hashlib.sha256).hexdigest()
                if state != "issued" or not hmac.compare_digest(digest, stored):
                    continue
                values = {
                    "now": now,
                    "structure": structure,
                    "unit": unit,
                    "value": value,
                    "program": program,
                    "carnet": carnet,
                    "beneficiary": beneficiary,
                    "key": f"r{start + index}",
                    "fingerprint": hashlib.sha256(f"{serial}:{code}".encode()).hexdigest(),
                    "response": json.dumps({"outcome": "consumed", "serial": serial}),
                }
                for step in RAW_STEPS:
                    cursor.execute(step, values)
                values["event"] = cursor.fetchone()[0]
                cursor.execute(RAW_PRICE, values)
                cursor.execute(RAW_SERVED, values)
                cursor.execute(RAW_IDEMPOTENCY, values)
                ok += 1
        print(json.dumps({"seconds": time.perf_counter() - started, "ok": ok}))


def direct(data_path: str, start: int, stop: int) -> None:
    """The same service transaction, in-process, no HTTP."""
    django_setup()
    from accompaniments.services import unit_consume
    from accounts.models import Organisation

    data = json.loads(Path(data_path).read_text())
    structure = Organisation.objects.get(pk=data["structure"])
    ok = 0
    started = time.perf_counter()
    for index, (serial, code) in enumerate(data["codes"][start:stop]):
        result = unit_consume(
            actor=None,
            structure=structure,
            serial=serial,
            code=code,
            idempotency_key=f"d{start + index}",
        )
        ok += result.outcome == "consumed"
    print(json.dumps({"seconds": time.perf_counter() - started, "ok": ok}))


async def _post(reader, writer, port: int, key: str, index: int, serial: str, code: str) -> str:
    """One HTTP/1.1 request on a kept-alive connection; a minimal client keeps the machine's
    CPU for the server being measured."""
    body = json.dumps({"serial": serial, "code": code}).encode()
    writer.write(
        (
            f"POST /api/v1/units/consume HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {key}\r\nIdempotency-Key: h{index}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    answer = json.loads(await reader.readexactly(length))
    if "outcome" not in answer:
        raise RuntimeError(f"unexpected answer: {head.split(b' ')[1].decode()} {answer}")
    return answer["outcome"]


async def drive(port: int, key: str, codes, clients: int, first: int = 0):
    queue = asyncio.Queue()
    for index, pair in enumerate(codes, start=first):
        queue.put_nowait((index, pair))
    latencies, outcomes = [], []

    async def worker():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while not queue.empty():
            index, (serial, code) = queue.get_nowait()
            started = time.perf_counter()
            while True:
                try:
                    outcomes.append(await _post(reader, writer, port, key, index, serial, code))
                    break
                except (asyncio.IncompleteReadError, ConnectionError):
                    # The server closed a kept-alive connection: reconnect and resend; the
                    # idempotency key makes the resend safe.
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
            latencies.append((time.perf_counter() - started) * 1000)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - started, latencies, outcomes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def parallel(mode: str, data_path: str, first: int, count: int, processes: int, env) -> dict:
    """Runs `count` consumptions from code `first` on, split over `processes` processes started
    together; returns the consumptions done and the rate (over the slowest process)."""
    share = count // processes
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                f"--{mode}",
                data_path,
                str(first + i * share),
                str(first + (i + 1) * share),
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(processes)
    ]
    results = [json.loads(run.communicate()[0].strip().splitlines()[-1]) for run in runs]
    done = sum(result["ok"] for result in results)
    seconds = max(result["seconds"] for result in results)
    return {"ok": done, "seconds": seconds, "rate": done / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--national",
        action="store_true",
        help="on the national dataset (benchmarks/national.py builds it if missing)",
    )
    parser.add_argument("--prepare", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--prepare-national", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--direct", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--raw", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(int(args.prepare[0]), args.prepare[1])
        return
    if args.prepare_national:
        prepare_national(int(args.prepare_national[0]), args.prepare_national[1])
        return
    if args.direct:
        direct(args.direct[0], int(args.direct[1]), int(args.direct[2]))
        return
    if args.raw:
        raw(args.raw[0], int(args.raw[1]), int(args.raw[2]))
        return

    workers = 2
    http_count = 400 if args.quick else 4000
    direct_count = 400 if args.quick else 2000
    raw_count = 1000 if args.quick else 6000
    folder = tempfile.mkdtemp()
    data_path = f"{folder}/codes.json"
    if args.national:
        import national

        national.ensure(log=lambda text: print(text, file=sys.stderr))
    database_url = national.URL if args.national else f"{PG_SERVER}/{PG_DATABASE}"
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DEBUG="false",
        CONN_MAX_AGE="600",
        ALLOWED_HOSTS="127.0.0.1",
        PYTHONPATH=str(ROOT),
    )
    if not args.national:
        pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        pg_admin(f"CREATE DATABASE {PG_DATABASE}")
    server = None
    try:
        total = 50 + http_count + direct_count + raw_count
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--prepare-national" if args.national else "--prepare",
                str(total),
                data_path,
            ],
            env=env,
            cwd=ROOT,
            check=True,
        )
        data = json.loads(Path(data_path).read_text())
        codes = data["codes"]
        port = free_port()
        # The server counts each request against the key's rate limit, as in production, with
        # a limit far above what the benchmark sends (one key drives every request).
        Path(f"{folder}/bench_settings.py").write_text(
            "from config.settings.dev import *  # noqa: F403\nPASSNUM_API_RATE_PER_MINUTE = 10**9\n"
        )
        server_env = dict(
            env,
            DJANGO_SETTINGS_MODULE="bench_settings",
            PYTHONPATH=os.pathsep.join([str(ROOT), folder]),
            WEB_CONCURRENCY=str(workers),
            GUNICORN_BIND=f"127.0.0.1:{port}",
            LOG_LEVEL="WARNING",
        )
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "config/gunicorn.py",
                "config.wsgi:application",
            ],
            env=server_env,
            cwd=ROOT,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        asyncio.run(drive(port, data["key"], codes[:50], 4))  # warm-up: connections, imports
        # The three measures take turns, ROUNDS times, so that whatever else the machine does
        # weighs on each of them alike (the ratio is the figure that counts).
        elapsed, latencies, outcomes = 0.0, [], []
        direct_run, raw_run = {"ok": 0, "seconds": 0.0}, {"ok": 0, "seconds": 0.0}
        first_http, first_direct, first_raw = (
            50,
            50 + http_count,
            50 + http_count + direct_count,
        )
        for _round in range(ROUNDS):
            seconds, round_latencies, round_outcomes = asyncio.run(
                drive(
                    port,
                    data["key"],
                    codes[first_http : first_http + http_count // ROUNDS],
                    args.clients,
                    first=first_http,
                )
            )
            elapsed += seconds
            latencies += round_latencies
            outcomes += round_outcomes
            first_http += http_count // ROUNDS
            for mode, run, first, count in (
                ("direct", direct_run, first_direct, direct_count),
                ("raw", raw_run, first_raw, raw_count),
            ):
                part = parallel(
                    mode,
                    data_path,
                    first + _round * (count // ROUNDS),
                    count // ROUNDS,
                    workers,
                    env,
                )
                run["ok"] += part["ok"]
                run["seconds"] += part["seconds"]
        direct_run["rate"] = direct_run["ok"] / direct_run["seconds"]
        raw_run["rate"] = raw_run["ok"] / raw_run["seconds"]
    finally:
        if server:
            server.terminate()
        if not args.national:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    http_rate = len(latencies) / elapsed
    figures = {
        "benchmark": "consume",
        "quick": args.quick,
        "clients": args.clients,
        "gunicorn_workers": workers,
        "http_requests": len(latencies),
        "http_consumed": outcomes.count("consumed"),
        "http_consumptions_per_s": round(http_rate, 1),
        "http_p50_ms": round(percentile(latencies, 0.5), 1),
        "http_p99_ms": round(percentile(latencies, 0.99), 1),
        "http_mean_ms": round(statistics.mean(latencies), 1),
        "direct_processes": workers,
        "direct_consumed": direct_run["ok"],
        "direct_consumptions_per_s": round(direct_run["rate"], 1),
        "raw_sql_processes": workers,
        "raw_sql_consumed": raw_run["ok"],
        "raw_sql_consumptions_per_s": round(raw_run["rate"], 1),
        "http_to_direct_ratio": round(http_rate / direct_run["rate"], 2),
        "http_to_raw_sql_ratio": round(http_rate / raw_run["rate"], 2),
        "targets": TARGETS,
    }
    if args.national:
        plan = national.explain(data["unit_lock_sql"])
        figures["national"] = {
            "database": national.DATABASE,
            **national.sizes(),
            "unit_lock_uses_index": national.index_used(plan, "vouchers_unit"),
        }
        print(plan, file=sys.stderr)
    figures["targets_met"] = (
        figures["http_to_raw_sql_ratio"] >= TARGETS["http_to_raw_sql_ratio_min"]
        and figures["http_p99_ms"] <= TARGETS["http_p99_ms_max"]
        and figures["http_consumed"] == figures["http_requests"]
        and figures["raw_sql_consumed"] == raw_count
        and figures.get("national", {}).get("unit_lock_uses_index", True)
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
