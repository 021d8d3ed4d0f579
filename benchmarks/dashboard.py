"""Funder dashboard benchmark on PostgreSQL: the page of a program of 2 million units.

Set-up (not timed, in its own process): a fresh database (PG_BENCH_DATABASE, default
passnum_bench_report), the communes of Lot-et-Garonne, one Pass numérique of this year
(10 EUR vouchers, Europe/Paris), 30 prescribers, 200 structures, two tracks; then, in bulk SQL
(INSERT ... SELECT generate_series, none of it through the ledger): 200,000 people spread over
the communes and five public categories, one carnet of 10 units each issued evenly from
1 January to today, 0 to 10 of its units used two days apart by one structure (not after
now), one carnet in seven of the first two months expired (its unused units EXPIRED), the
ISSUED / CONSUMED / EXPIRED events of every unit as the ledger writes them, one accepted
pricing line per use, the lines before this month paid in one batch (a transfer per
structure), entry and exit diagnostics and surveys for one person in twenty, and the program's
budget counters as the ledger leaves them. --quick: 20,000 units.

Timed (in a second process, the Django test client logged in as the lead funder): the funder
dashboard page of the current month rendered, once to warm up, then ROUNDS times; the median
is the figure (target: under 500 ms); the first render (closed months not yet in the cache) is
printed too. The year's page is timed the same way, for information. Ceiling, in the same run: the same aggregates as hand-written SQL over psycopg
(one query per figure, no ORM, no template), warmed up then timed the same way; ratio =
ceiling / page.

Last line on stdout: one JSON object with the figures.

    python benchmarks/dashboard.py [--quick] [--keep]
"""

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("PG_URL_BASE", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = os.environ.get("PG_BENCH_DATABASE", "passnum_bench_report")
TARGET_MS = 500
ROUNDS = 5
UNITS_PER_CARNET = 10
UNIT_CENTS = 1000
DEPARTEMENT = "47"
ZONE = "Europe/Paris"
CATEGORIES = ['["senior"]', '["job_seeker"]', '["senior", "low_income"]', "[]", '["isolated_area"]']


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def django_setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


def _month_start(today: dt.date) -> dt.date:
    return today.replace(day=1)


# --- Set-up ----------------------------------------------------------------------------------


def setup(units: int) -> None:
    django_setup()
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    from accounts.services import membership_create, organisation_create, user_create
    from programs import services as p
    from territories.models import Commune
    from territories.services import communes_load

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    communes_load(departements=[DEPARTEMENT])
    communes = list(Commune.objects.order_by("code").values_list("code", flat=True))
    year = dt.date.today().year
    funder = organisation_create(actor=None, name="Département", kinds=["funder"], rna="W470000001")
    user = user_create(email="financeur@example.org", password=None)
    membership_create(actor=None, user=user, organisation=funder, role="admin")
    prescribers = [
        organisation_create(
            actor=None, name=f"Prescripteur {i + 1}", kinds=["prescriber"], rna=f"W4710{i:05d}"
        ).pk
        for i in range(30)
    ]
    structures = [
        organisation_create(
            actor=None,
            name=f"Structure {i + 1}",
            kinds=["structure"],
            rna=f"W4720{i:05d}",
            commune=Commune.objects.get(code=communes[i % len(communes)]),
        ).pk
        for i in range(200)
    ]
    program = p.program_create(
        actor=None,
        lead_funder=funder,
        name=f"Pass numérique {year}",
        slug=f"pass-{year}",
        unit_kind="money",
        unit_value_cents=UNIT_CENTS,
        starts_on=dt.date(year, 1, 1),
        ends_on=dt.date(year, 12, 31),
        time_zone=ZONE,
        carnet_sizes=[UNITS_PER_CARNET],
        validity_end_on=dt.date(year, 12, 31),
        target_beneficiaries_per_year=units // UNITS_PER_CARNET,
        tracks=[{"name": "Généraliste", "themes": ""}, {"name": "Démarches", "themes": ""}],
    )
    tracks = list(program.tracks.order_by("pk").values_list("pk", flat=True))
    funded = units * UNIT_CENTS * 12 // 10
    p.commitment_add(
        actor=None, program=program, funder=funder, category="departement", amount_cents=funded
    )
    connection.close()

    carnets = units // UNITS_PER_CARNET
    params = {
        "n": carnets,
        "program": program.pk,
        "user": user.pk,
        "prescribers": prescribers,
        "structures": structures,
        "communes": communes,
        "categories": CATEGORIES,
        "tracks": tracks,
        "year_start": dt.datetime(year, 1, 1, 10, tzinfo=dt.UTC),
        "now": dt.datetime.now(dt.UTC),
        "paid_before": dt.datetime.combine(_month_start(dt.date.today()), dt.time(), dt.UTC),
        "cents": UNIT_CENTS,
        "per_carnet": UNITS_PER_CARNET,
    }
    with psycopg.connect(os.environ["DATABASE_URL"]) as pg, pg.cursor() as cur:
        for sql in SETUP_SQL:
            cur.execute(sql, params)
        pg.commit()
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE")
        pg.execute("CHECKPOINT")
        counts = pg.execute(
            "SELECT (SELECT COUNT(*) FROM vouchers_unit), (SELECT COUNT(*) FROM vouchers_unitevent)"
        ).fetchone()
    print(
        json.dumps(
            {
                "setup_seconds": round(time.perf_counter() - started, 1),
                "units": counts[0],
                "events": counts[1],
            }
        )
    )


SETUP_SQL = [
    # People: prescriber, commune and situation spread evenly.
    """
    INSERT INTO beneficiaries_beneficiary
        (prescriber_id, first_name, last_name, search_name, birth_date, identity_key, commune_id,
         phone, email, categories, consent_text_version, consent_given_at, consent_method,
         consent_collected_by_id, created_at, uuid, age_band)
    SELECT (%(prescribers)s::bigint[])[1 + g %% cardinality(%(prescribers)s::bigint[])],
           'Personne' || g, 'Bench', 'bench personne' || g,
           date '1950-01-01' + (g %% 20000), 'bench-' || lpad(g::text, 12, '0'),
           (%(communes)s::text[])[1 + g %% cardinality(%(communes)s::text[])], '', '',
           ((%(categories)s::text[])[1 + g %% 5])::jsonb, '2026-11', %(year_start)s, 'paper',
           %(user)s, %(year_start)s, gen_random_uuid(), ''
    FROM generate_series(0, %(n)s - 1) g
    """,
    # One carnet each, issued evenly from 1 January to now; one in seven of the first two
    # months expired.
    """
    CREATE TEMP TABLE bench_carnet AS
    SELECT g, b.id AS beneficiary_id, b.prescriber_id,
           %(year_start)s::timestamptz
             + ((g::bigint * EXTRACT(EPOCH FROM %(now)s::timestamptz - %(year_start)s)::bigint)
                / %(n)s) * interval '1 second' AS issued_at
    FROM (SELECT id, prescriber_id, row_number() OVER (ORDER BY id) - 1 AS g
          FROM beneficiaries_beneficiary WHERE last_name = 'Bench') b
    """,
    """
    INSERT INTO vouchers_carnet
        (program_id, beneficiary_id, prescriber_id, track_id, number, units_count,
         unit_value_cents, program_year, issued_at, valid_until, accepted_until, delivery,
         link_token_hash, access_code_hash, status, issued_by_id, access_failed_attempts)
    SELECT %(program)s, beneficiary_id, prescriber_id,
           CASE WHEN g %% 3 = 0 THEN NULL
                ELSE (%(tracks)s::bigint[])[1 + g %% cardinality(%(tracks)s::bigint[])] END,
           'BENCH-C' || lpad(g::text, 8, '0'), %(per_carnet)s, %(cents)s,
           EXTRACT(YEAR FROM %(year_start)s)::int, issued_at,
           make_date(EXTRACT(YEAR FROM %(year_start)s)::int, 12, 31),
           make_date(EXTRACT(YEAR FROM %(year_start)s)::int + 1, 1, 31), 'paper',
           md5('link' || g), repeat('0', 64),
           CASE WHEN g %% 7 = 0 AND issued_at < %(year_start)s + interval '60 days'
                THEN 'expired' ELSE 'active' END,
           %(user)s, 0
    FROM bench_carnet
    """,
    # Units: 0 to 10 used, two days apart after the issue, by one structure, never after now.
    """
    CREATE TEMP TABLE bench_unit AS
    SELECT c.id AS carnet_id, c.prescriber_id, c.issued_at, c.status AS carnet_status,
           pos, bc.g,
           c.issued_at + (2 * pos) * interval '1 day' + pos * interval '1 hour' AS used_at,
           (%(structures)s::bigint[])[1 + bc.g %% cardinality(%(structures)s::bigint[])]
             AS structure_id
    FROM vouchers_carnet c
    JOIN bench_carnet bc ON bc.beneficiary_id = c.beneficiary_id
    CROSS JOIN generate_series(1, %(per_carnet)s) pos
    """,
    "ALTER TABLE bench_unit ADD COLUMN state text",
    """
    UPDATE bench_unit SET state = CASE
        WHEN pos <= g %% 11 AND used_at <= %(now)s THEN 'consumed'
        WHEN carnet_status = 'expired' THEN 'expired'
        ELSE 'issued' END
    """,
    """
    INSERT INTO vouchers_unit
        (carnet_id, program_id, serial, position, code_hash, value_cents, minutes_left, state,
         failed_attempts, consumed_at, consumed_by_id)
    SELECT carnet_id, %(program)s, 'BENCH' || lpad(carnet_id::text, 8, '0') || '-' || pos, pos,
           repeat('0', 64), %(cents)s, CASE WHEN state = 'consumed' THEN 0 ELSE 60 END, state, 0,
           CASE WHEN state = 'consumed' THEN used_at END,
           CASE WHEN state = 'consumed' THEN structure_id END
    FROM bench_unit
    """,
    # The ledger's events of every unit.
    """
    INSERT INTO vouchers_unitevent
        (unit_id, program_id, carnet_id, kind, at, actor_id, organisation_id, reason, minutes,
         amount_cents, data)
    SELECT u.id, u.program_id, u.carnet_id, 'issued', b.issued_at, %(user)s, b.prescriber_id,
           '', 0, 0, '{}'::jsonb
    FROM vouchers_unit u JOIN bench_unit b ON b.carnet_id = u.carnet_id AND b.pos = u.position
    UNION ALL
    SELECT u.id, u.program_id, u.carnet_id, 'consumed', b.used_at, NULL, b.structure_id, '', 0,
           %(cents)s, '{}'::jsonb
    FROM vouchers_unit u JOIN bench_unit b ON b.carnet_id = u.carnet_id AND b.pos = u.position
    WHERE b.state = 'consumed'
    UNION ALL
    SELECT u.id, u.program_id, u.carnet_id, 'expired', b.issued_at + interval '70 days', NULL,
           NULL, 'fin de validité', 0, 0, '{}'::jsonb
    FROM vouchers_unit u JOIN bench_unit b ON b.carnet_id = u.carnet_id AND b.pos = u.position
    WHERE b.state = 'expired'
    """,
    # Payment: one batch, a transfer per structure, for the lines before this month.
    """
    INSERT INTO settlement_paymentbatch
        (until, message_id, status, total_cents, created_at, created_by_id, sent_at, paid_at)
    VALUES (%(paid_before)s::date - 1, 'BENCH-BATCH-1', 'paid', 1, %(paid_before)s, %(user)s,
            %(paid_before)s, %(paid_before)s)
    """,
    """
    INSERT INTO settlement_transfer
        (batch_id, structure_id, holder, iban, bic, amount_cents, end_to_end_id, status,
         reject_reason)
    SELECT (SELECT id FROM settlement_paymentbatch WHERE message_id = 'BENCH-BATCH-1'), s,
           'Structure', 'FR7630004000010001000000102', 'BNPAFRPP', 1, 'BENCH-T' || s, 'paid', ''
    FROM unnest(%(structures)s::bigint[]) s
    """,
    """
    INSERT INTO settlement_pricingline
        (event_id, structure_id, program_id, amount_cents, happened_at, status, review_reason,
         contest_note, transfer_id, created_at)
    SELECT e.id, e.organisation_id, %(program)s, e.amount_cents, e.at, 'accepted', '', '',
           CASE WHEN e.at < %(paid_before)s THEN t.id END, e.at
    FROM vouchers_unitevent e
    JOIN settlement_transfer t ON t.structure_id = e.organisation_id
    WHERE e.kind = 'consumed'
    """,
    """
    UPDATE settlement_transfer t SET amount_cents = s.total
    FROM (SELECT transfer_id, SUM(amount_cents) AS total FROM settlement_pricingline
          WHERE transfer_id IS NOT NULL GROUP BY transfer_id) s
    WHERE s.transfer_id = t.id
    """,
    """
    DELETE FROM settlement_transfer t
    WHERE NOT EXISTS (SELECT 1 FROM settlement_pricingline l WHERE l.transfer_id = t.id)
    """,
    """
    UPDATE settlement_paymentbatch
    SET total_cents = (SELECT SUM(amount_cents) FROM settlement_transfer)
    WHERE message_id = 'BENCH-BATCH-1'
    """,
    # Diagnostics at entry and exit, and the end-of-path survey, for one person in twenty.
    """
    INSERT INTO beneficiaries_diagnostic
        (beneficiary_id, program_id, kind, answers, score, max_score, level, override_reason,
         created_by_id, created_at)
    SELECT bc.beneficiary_id, %(program)s, kind.k,
           jsonb_build_object('device', CASE WHEN kind.k = 'exit' THEN 2 ELSE 0 END,
                              'smartphone', 1, 'email', CASE WHEN kind.k = 'exit' THEN 1 ELSE 0 END,
                              'web_search', 1, 'procedures', 0, 'security', 1,
                              'video_call', 0, 'documents', 1, 'payment', 0, 'health', 0),
           CASE WHEN kind.k = 'exit' THEN 7 ELSE 4 END, 20, 'beginner', '', %(user)s,
           bc.issued_at + CASE WHEN kind.k = 'exit' THEN interval '25 days' ELSE interval '0' END
    FROM bench_carnet bc CROSS JOIN (VALUES ('entry'), ('exit')) kind(k)
    WHERE bc.g %% 20 = 0 AND bc.issued_at + interval '25 days' <= %(now)s
    """,
    """
    INSERT INTO accompaniments_satisfactionsurvey
        (beneficiary_id, program_id, helped, confident, recommend, created_at)
    SELECT beneficiary_id, %(program)s, 1 + g %% 4, 1 + (g / 20) %% 4, g %% 3 > 0,
           issued_at + interval '26 days'
    FROM bench_carnet WHERE g %% 20 = 0 AND issued_at + interval '26 days' <= %(now)s
    """,
    # The budget as the ledger leaves it.
    """
    UPDATE programs_program SET
        committed_cents = (SELECT COUNT(*) FROM vouchers_unit
                           WHERE program_id = %(program)s AND state = 'issued') * %(cents)s,
        consumed_cents = (SELECT COUNT(*) FROM vouchers_unit
                          WHERE program_id = %(program)s AND state = 'consumed') * %(cents)s,
        released_cents = (SELECT COUNT(*) FROM vouchers_unit
                          WHERE program_id = %(program)s AND state = 'expired') * %(cents)s,
        reimbursed_cents = (SELECT COALESCE(SUM(amount_cents), 0) FROM settlement_transfer)
    WHERE id = %(program)s
    """,
]


# --- Timed run -------------------------------------------------------------------------------

_PEOPLE = "\n    JOIN beneficiaries_beneficiary b ON b.id = c.beneficiary_id"


def _breakdown_sql(key: str, cohort: bool) -> list[str]:
    """The ceiling's queries of one breakdown: the period's people and amount per `key` (a
    column of the event e, the carnet c or the person b), then, when the dimension has them,
    the carnets issued in the period per `key`. The person is joined only for b's columns."""
    people = _PEOPLE if key.startswith("b.") else ""
    uses = f"""
    SELECT {key}, COUNT(DISTINCT c.beneficiary_id), SUM(e.amount_cents)
    FROM vouchers_unitevent e JOIN vouchers_unit u ON u.id = e.unit_id
    JOIN vouchers_carnet c ON c.id = u.carnet_id{people}
    WHERE u.program_id = %(program)s AND e.kind IN ('consumed', 'reversed')
      AND e.at >= %(start)s AND e.at < %(end)s
    GROUP BY 1
    """
    carnets = f"""
    SELECT {key}, COUNT(*) FROM vouchers_carnet c{people}
    WHERE c.program_id = %(program)s AND c.replaces_id IS NULL
      AND c.issued_at >= %(start)s AND c.issued_at < %(end)s GROUP BY 1
    """
    return [uses, carnets] if cohort else [uses]


# The dashboard's breakdowns: the key of each, and whether it counts carnets issued (a carnet
# has no structure).
BREAKDOWNS = [
    ("b.commune_id", True),
    ("c.prescriber_id", True),
    ("e.organisation_id", False),
    ("c.track_id", True),
    ("b.categories", True),
]

CEILING_SQL = [
    # People, units and amount of the period's uses.
    """
    SELECT COUNT(DISTINCT c.beneficiary_id) FILTER (WHERE e.kind = 'consumed'),
           SUM(CASE WHEN e.kind = 'reversed' THEN -1 ELSE 1 END),
           SUM(CASE WHEN e.kind = 'reversed' THEN -e.minutes ELSE e.minutes END),
           SUM(e.amount_cents)
    FROM vouchers_unitevent e JOIN vouchers_unit u ON u.id = e.unit_id
    JOIN vouchers_carnet c ON c.id = u.carnet_id
    WHERE u.program_id = %(program)s AND e.kind IN ('consumed', 'reversed')
      AND e.at >= %(start)s AND e.at < %(end)s
    """,
    # The carnets issued in the period: started, finished, expired, rate, committed.
    """
    SELECT COUNT(*), COUNT(*) FILTER (WHERE used > 0), COUNT(*) FILTER (WHERE done = n),
           COUNT(*) FILTER (WHERE gone > 0), SUM(live), SUM(minutes), SUM(value)
    FROM (SELECT c.id, c.units_count AS n,
                 COUNT(*) FILTER (WHERE u.minutes_left < 60) AS used,
                 COUNT(*) FILTER (WHERE u.state IN ('consumed', 'reimbursed')) AS done,
                 COUNT(*) FILTER (WHERE u.state = 'expired') AS gone,
                 COUNT(*) FILTER (WHERE u.state <> 'cancelled') AS live,
                 SUM(60 - u.minutes_left) FILTER (WHERE u.state <> 'cancelled') AS minutes,
                 SUM(u.value_cents) AS value
          FROM vouchers_carnet c JOIN vouchers_unit u ON u.carnet_id = c.id
          WHERE c.program_id = %(program)s AND c.replaces_id IS NULL
            AND c.issued_at >= %(start)s AND c.issued_at < %(end)s
          GROUP BY c.id) per_carnet
    """,
    # Reimbursed and given back in the period.
    """
    SELECT SUM(l.amount_cents) FROM settlement_pricingline l
    JOIN settlement_transfer t ON t.id = l.transfer_id
    JOIN settlement_paymentbatch b ON b.id = t.batch_id
    WHERE l.program_id = %(program)s AND t.status = 'paid'
      AND b.paid_at >= %(start)s AND b.paid_at < %(end)s
    """,
    """
    SELECT SUM(u.value_cents * u.minutes_left / 60) FROM vouchers_unitevent e
    JOIN vouchers_unit u ON u.id = e.unit_id
    WHERE u.program_id = %(program)s AND e.kind = 'expired'
      AND e.at >= %(start)s AND e.at < %(end)s
    """,
    # Burn-down: uses per month over the program.
    """
    SELECT date_trunc('month', e.at AT TIME ZONE 'Europe/Paris'), SUM(e.amount_cents)
    FROM vouchers_unitevent e JOIN vouchers_unit u ON u.id = e.unit_id
    WHERE u.program_id = %(program)s AND e.kind IN ('consumed', 'reversed')
      AND e.at >= %(program_start)s
    GROUP BY 1
    """,
    # Breakdowns of the period's uses and carnets (see BREAKDOWNS).
    *(sql for key, cohort in BREAKDOWNS for sql in _breakdown_sql(key, cohort)),
    # Progress and satisfaction.
    """
    SELECT x.beneficiary_id, x.answers, x.score, n.answers, n.score
    FROM beneficiaries_diagnostic x JOIN beneficiaries_diagnostic n
      ON n.beneficiary_id = x.beneficiary_id AND n.program_id = x.program_id
     AND n.kind = 'entry'
    WHERE x.program_id = %(program)s AND x.kind = 'exit'
      AND x.created_at >= %(start)s AND x.created_at < %(end)s
    """,
    """
    SELECT helped, COUNT(*), AVG(confident), COUNT(*) FILTER (WHERE recommend)
    FROM accompaniments_satisfactionsurvey
    WHERE program_id = %(program)s AND created_at >= %(start)s AND created_at < %(end)s
    GROUP BY helped
    """,
]


def _ceiling_once(cur, params) -> float:
    started = time.perf_counter()
    for sql in CEILING_SQL:
        cur.execute(sql, params).fetchall()
    return time.perf_counter() - started


def _timed(function, rounds: int) -> list[float]:
    """The times of `rounds` runs after a warm-up run (whose time is the list's first item)."""
    started = time.perf_counter()
    function()
    times = [time.perf_counter() - started]
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def run() -> None:
    django_setup()
    import psycopg
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from programs.models import Program
    from reporting.periods import period_parse

    # The test client's host; staff's second factor is not what is measured here.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.PASSNUM_REQUIRE_OTP_FOR_STAFF = False
    program = Program.objects.get()
    client = Client()
    client.force_login(User.objects.get(email="financeur@example.org"))
    url = reverse("reporting:funder", args=[program.slug])
    month = period_parse(source=program)
    year = period_parse(source=program, kind="annee", value=str(month.first_day.year))

    def page(period):
        def get():
            response = client.get(url, period.query())
            assert response.status_code == 200, response.status_code
            return response

        return get

    month_times = _timed(page(month), ROUNDS)
    year_times = _timed(page(year), 1)
    with CaptureQueriesContext(connection) as queries:
        page(month)()

    params = {
        "program": program.pk,
        "start": month.start,
        "end": month.end,
        "program_start": dt.datetime.combine(program.starts_on, dt.time(), month.start.tzinfo),
    }
    with psycopg.connect(os.environ["DATABASE_URL"]) as pg, pg.cursor() as cur:
        ceiling_times = _timed(lambda: _ceiling_once(cur, params), ROUNDS)
        year_params = params | {"start": year.start, "end": year.end}
        ceiling_year = _timed(lambda: _ceiling_once(cur, year_params), 1)

    first_ms = month_times.pop(0) * 1000  # closed months not yet in the cache
    year_times.pop(0)
    ceiling_times.pop(0)
    ceiling_year.pop(0)
    page_ms = statistics.median(month_times) * 1000
    ceiling_ms = statistics.median(ceiling_times) * 1000
    print(
        json.dumps(
            {
                "period": month.value,
                "page_ms": round(page_ms, 1),
                "page_ms_all": [round(t * 1000, 1) for t in month_times],
                "first_page_ms": round(first_ms, 1),
                "queries": len(queries),
                "year_page_ms": round(statistics.median(year_times) * 1000, 1),
                "ceiling_ms": round(ceiling_ms, 1),
                "ceiling_year_ms": round(statistics.median(ceiling_year) * 1000, 1),
                "ratio": round(ceiling_ms / page_ms, 3),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20,000 units")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time a database kept before")
    parser.add_argument("--setup", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup(args.setup)
        return
    if args.run:
        run()
        return

    units = 20_000 if args.quick else 2_000_000
    env = dict(
        os.environ,
        DATABASE_URL=f"{PG_SERVER}/{PG_DATABASE}",
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DEBUG="false",
        PYTHONPATH=str(ROOT),
    )
    setup_figures = {}
    if not args.reuse:
        pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        pg_admin(f"CREATE DATABASE {PG_DATABASE}")
    try:
        if not args.reuse:
            done = subprocess.run(
                [sys.executable, __file__, "--setup", str(units)],
                env=env,
                cwd=ROOT,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            )
            setup_figures = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"set-up: {setup_figures}", file=sys.stderr)
        done = subprocess.run(
            [sys.executable, __file__, "--run"],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if not args.keep and not args.reuse:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    result = {
        "benchmark": "dashboard",
        "quick": args.quick,
        **setup_figures,
        **figures,
        "target_ms": TARGET_MS,
    }
    result["target_met"] = result["page_ms"] < TARGET_MS
    print(json.dumps(result))


if __name__ == "__main__":
    main()
