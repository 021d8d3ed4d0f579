"""Settlement benchmark on PostgreSQL: consumed units priced, controlled, batched and paid by
one SEPA file.

Set-up (not timed, in its own process): a fresh database, the communes of one département,
one money program (10 EUR vouchers, funded by a region and the State capped at 50 %),
S structures each under an active agreement with a valid IBAN/BIC, one beneficiary and one
carnet of 10 units per 10 units, and for every unit its ISSUED event and a CONSUMED event by
its structure (amount 1,000 cents) spread over the last full month, copied in with COPY and
with no pricing line: pricing is part of the timed work. 5,000 structures and 500,000 units
(200 and 20,000 with --quick).

Timed (in a second process): settlement.services.batch_build(actor=None, until=<last day of
the month>), which prices the missing events, builds the claims, runs the controls
(core.registry.LINE_CHECKS) and builds one transfer per structure, then
settlement.exports.sepa_xml(batch=...) written to a temporary file. Each phase is timed by
wrapping the module functions batch_build calls (no application code changes), with the
queries and the time spent in the database per phase.

Ceiling, in the same run, before: the same aggregation in raw SQL over psycopg on the same
tables in a transaction rolled back (INSERT ... SELECT of one accepted pricing line per
consumed event, foreign keys checked, then SUM/COUNT per structure), run once to warm the
caches and once timed; ratio = ceiling seconds / passnum seconds.

On stderr: the statements that took the most database time in each phase. Last line on
stdout: one JSON object with the figures.

    python benchmarks/settlement.py [--quick] [--keep] [--profile FILE] [--analyze]

--keep keeps the database (PG_BENCH_DATABASE, default passnum_bench_settlement); --profile
writes a cProfile of the timed work (use it with --quick); --analyze is an experiment, not
the benchmark: it runs ANALYZE on the pricing lines after pricing and after the controls.

Figures on this machine (2 CPUs shared with other work: the ceiling itself went from 13 s to
31-36 s with the load, so compare ratios): before the set-based batch, 641 s for a 13 s
ceiling (ratio 0.020, peak RSS 3.3 GB), 294 s with ANALYZE in batch_build; on 25 November
2026 at a load average of 11 to 13, 139.5 s for a 31.4 s ceiling (ratio 0.225) and 149.3 s
for a 36.1 s ceiling (ratio 0.242), peak RSS 387 MB: about 54 to 58 s at the 13 s ceiling.
In the last run: pricing 49 s (23 s of statements, the rest the foreign keys checked at
commit), controls 48 s (16 s in the database), transfers 32 s (the one UPDATE of 500,000
lines, each rewritten with its indexes), SEPA file 11 s (xmlschema validation mostly);
--quick 8.1 s for a 1.5 s ceiling (ratio 0.186).
"""

import argparse
import cProfile
import datetime as dt
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("PG_URL_BASE", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = os.environ.get("PG_BENCH_DATABASE", "passnum_bench_settlement")
TARGET_SECONDS = 60
UNITS_PER_CARNET = 10
UNIT_CENTS = 1000
DEPARTEMENT = "35"
ZONE = ZoneInfo("Europe/Paris")


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


def bench_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last full month before today: (first day, last day)."""
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


# --- Set-up ----------------------------------------------------------------------------------


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _next_id(cursor, table: str) -> int:
    return cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0]


def _sync_sequence(cursor, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
    )


def setup(structures: int, units: int) -> None:
    """Everything the timed run needs, in bulk (COPY), none of it through the ledger."""
    django_setup()
    import psycopg
    from django.core.management import call_command
    from django.db import connection
    from schwifty import IBAN

    from accounts.services import organisation_create, user_create
    from programs import services as p
    from territories.models import Commune
    from territories.services import communes_load

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    communes_load(departements=[DEPARTEMENT])
    commune_ids = list(Commune.objects.order_by("code").values_list("code", flat=True))
    first_day, last_day = bench_month(dt.date.today())
    year = first_day.year
    region = organisation_create(actor=None, name="Région", kinds=["funder"], rna="W350000001")
    state = organisation_create(actor=None, name="État", kinds=["funder"], rna="W350000002")
    prescriber = organisation_create(
        actor=None, name="CCAS", kinds=["prescriber"], rna="W350000003"
    )
    user = user_create(email="bench@example.org", password=None)
    program = p.program_create(
        actor=None,
        lead_funder=region,
        name=f"Pass numérique {year}",
        slug=f"pass-{year}",
        unit_kind="money",
        unit_value_cents=UNIT_CENTS,
        starts_on=dt.date(year, 1, 1),
        ends_on=dt.date(year, 12, 31),
        carnet_sizes=[UNITS_PER_CARNET],
        validity_end_on=dt.date(year, 12, 31),
        operator_fee_purchase_bp=300,
    )
    funded = units * UNIT_CENTS * 12 // 10  # enough for every unit, 20 % to spare
    p.commitment_add(
        actor=None, program=program, funder=region, category="region", amount_cents=funded * 6 // 10
    )
    p.commitment_add(
        actor=None,
        program=program,
        funder=state,
        category="state",
        amount_cents=funded - funded * 6 // 10,
        share_cap_bp=5000,
    )
    connection.close()

    dsn = os.environ["DATABASE_URL"]
    now = dt.datetime.now(dt.UTC)
    carnets = units // UNITS_PER_CARNET
    days = (last_day - first_day).days + 1
    issued_at = dt.datetime.combine(first_day - dt.timedelta(days=20), dt.time(10), ZONE)
    with psycopg.connect(dsn) as pg, pg.cursor() as cur:
        org0 = _next_id(cur, "accounts_organisation")
        structure_ids = [org0 + i for i in range(structures)]
        _copy(
            cur,
            "accounts_organisation",
            (
                "id",
                "name",
                "is_operator",
                "is_funder",
                "is_prescriber",
                "is_structure",
                "rna",
                "commune_id",
                "created_at",
                "habilitation",
                "habilitation_reason",
                "signup_ip_hash",
            ),
            (
                (
                    sid,
                    f"Structure de médiation numérique n° {i + 1}",
                    False,
                    False,
                    False,
                    True,
                    f"W{900000000 + i:09d}",
                    commune_ids[i % len(commune_ids)],
                    now,
                    "validated",
                    "",
                    "",
                )
                for i, sid in enumerate(structure_ids)
            ),
        )
        agreement0 = _next_id(cur, "programs_agreement")
        _copy(
            cur,
            "programs_agreement",
            (
                "id",
                "program_id",
                "structure_id",
                "starts_on",
                "ends_on",
                "iban",
                "bic",
                "status",
                "status_reason",
                "created_at",
                "uuid",
            ),
            (
                (
                    agreement0 + i,
                    program.pk,
                    sid,
                    program.starts_on,
                    program.ends_on,
                    str(
                        IBAN.generate("FR", bank_code="30004", account_code=f"{i + 1:011d}").compact
                    ),
                    "BNPAFRPP",
                    "active",
                    "",
                    now,
                    uuid.uuid4(),
                )
                for i, sid in enumerate(structure_ids)
            ),
        )
        beneficiary0 = _next_id(cur, "beneficiaries_beneficiary")
        _copy(
            cur,
            "beneficiaries_beneficiary",
            (
                "id",
                "prescriber_id",
                "first_name",
                "last_name",
                "search_name",
                "birth_date",
                "identity_key",
                "commune_id",
                "phone",
                "email",
                "categories",
                "consent_text_version",
                "consent_given_at",
                "consent_method",
                "consent_collected_by_id",
                "created_at",
                "uuid",
                "age_band",
            ),
            (
                (
                    beneficiary0 + c,
                    prescriber.pk,
                    f"Personne{c}",
                    "Bench",
                    f"personne{c} bench",
                    dt.date(1940, 1, 1) + dt.timedelta(days=c % 25000),
                    f"bench-{c:012d}",
                    commune_ids[c % len(commune_ids)],
                    "",
                    "",
                    "[]",
                    "2026-01",
                    issued_at,
                    "paper",
                    user.pk,
                    issued_at,
                    uuid.uuid4(),
                    "",
                )
                for c in range(carnets)
            ),
        )
        carnet0 = _next_id(cur, "vouchers_carnet")
        _copy(
            cur,
            "vouchers_carnet",
            (
                "id",
                "program_id",
                "beneficiary_id",
                "prescriber_id",
                "number",
                "units_count",
                "unit_value_cents",
                "program_year",
                "issued_at",
                "valid_until",
                "accepted_until",
                "delivery",
                "link_token_hash",
                "access_code_hash",
                "status",
                "issued_by_id",
                "access_failed_attempts",
            ),
            (
                (
                    carnet0 + c,
                    program.pk,
                    beneficiary0 + c,
                    prescriber.pk,
                    f"BENCH-C{c:08d}",
                    UNITS_PER_CARNET,
                    UNIT_CENTS,
                    year,
                    issued_at,
                    dt.date(year, 12, 31),
                    dt.date(year + 1, 1, 31),
                    "paper",
                    f"{c:064x}",
                    "0" * 64,
                    "active",
                    user.pk,
                    0,
                )
                for c in range(carnets)
            ),
        )

        def consumption(c: int, position: int) -> tuple[int, dt.datetime]:
            """The structure of the carnet and when the unit was used: every unit of a carnet
            on a different day (3 * position is distinct modulo 28 to 31), 09:00 to 17:59."""
            day = first_day + dt.timedelta(days=(c + 3 * position) % days)
            at = dt.datetime.combine(
                day,
                dt.time(9 + (7 * c + position) % 9, (13 * c + 7 * position) % 60, c % 60),
                ZONE,
            )
            return structure_ids[c % structures], at

        unit0 = _next_id(cur, "vouchers_unit")

        def unit_rows():
            for c in range(carnets):
                for position in range(1, UNITS_PER_CARNET + 1):
                    index = c * UNITS_PER_CARNET + position - 1
                    structure_id, at = consumption(c, position)
                    yield (
                        unit0 + index,
                        carnet0 + c,
                        program.pk,
                        f"BENCH{index:010d}",
                        position,
                        "0" * 64,
                        UNIT_CENTS,
                        0,
                        "consumed",
                        0,
                        at,
                        structure_id,
                    )

        _copy(
            cur,
            "vouchers_unit",
            (
                "id",
                "carnet_id",
                "program_id",
                "serial",
                "position",
                "code_hash",
                "value_cents",
                "minutes_left",
                "state",
                "failed_attempts",
                "consumed_at",
                "consumed_by_id",
            ),
            unit_rows(),
        )
        event0 = _next_id(cur, "vouchers_unitevent")

        def event_rows():
            # What the ledger writes: the ISSUED event of every unit, then its CONSUMED event.
            for index in range(units):
                yield (
                    event0 + index,
                    unit0 + index,
                    program.pk,
                    carnet0 + index // UNITS_PER_CARNET,
                    "issued",
                    issued_at,
                    user.pk,
                    prescriber.pk,
                    "",
                    0,
                    0,
                    "{}",
                )
            for c in range(carnets):
                for position in range(1, UNITS_PER_CARNET + 1):
                    index = c * UNITS_PER_CARNET + position - 1
                    structure_id, at = consumption(c, position)
                    yield (
                        event0 + units + index,
                        unit0 + index,
                        program.pk,
                        carnet0 + c,
                        "consumed",
                        at,
                        None,
                        structure_id,
                        "",
                        0,
                        UNIT_CENTS,
                        "{}",
                    )

        _copy(
            cur,
            "vouchers_unitevent",
            (
                "id",
                "unit_id",
                "program_id",
                "carnet_id",
                "kind",
                "at",
                "actor_id",
                "organisation_id",
                "reason",
                "minutes",
                "amount_cents",
                "data",
            ),
            event_rows(),
        )
        for table in (
            "accounts_organisation",
            "programs_agreement",
            "beneficiaries_beneficiary",
            "vouchers_carnet",
            "vouchers_unit",
            "vouchers_unitevent",
        ):
            _sync_sequence(cur, table)
        # The budget as the ledger leaves it: every issued unit consumed.
        cur.execute(
            "UPDATE programs_program SET committed_cents = 0, consumed_cents = %s WHERE id = %s",
            (units * UNIT_CENTS, program.pk),
        )
        pg.commit()
    with psycopg.connect(dsn, autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE")
        pg.execute("CHECKPOINT")  # the load's writes are not paid by the timed run
    print(json.dumps({"setup_seconds": round(time.perf_counter() - started, 1)}))


# --- Timed run -------------------------------------------------------------------------------


def ceiling(dsn: str, cutoff: dt.datetime) -> dict:
    """The same aggregation in raw SQL, on the same tables, rolled back; run twice, the first
    time to warm the caches for both contenders, the second timed."""
    for _ in range(2):
        figures = _ceiling_once(dsn, cutoff)
        with psycopg_connect(dsn, autocommit=True) as pg:
            pg.execute("VACUUM ANALYZE settlement_pricingline")  # no dead rows left behind
            pg.execute("CHECKPOINT")
    return figures


def psycopg_connect(dsn: str, **options):
    import psycopg

    return psycopg.connect(dsn, **options)


def _ceiling_once(dsn: str, cutoff: dt.datetime) -> dict:
    with psycopg_connect(dsn) as pg, pg.cursor() as cur:
        started = time.perf_counter()
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # foreign keys checked, as at a commit
        # The pricing table is empty: planned as such, the anti-join becomes a nested loop that
        # rescans the rows this very INSERT adds (quadratic: minutes at 500,000 lines).
        cur.execute("SET LOCAL enable_nestloop = off")
        cur.execute(
            """
            INSERT INTO settlement_pricingline
                (event_id, structure_id, program_id, amount_cents, happened_at, status,
                 review_reason, contest_note, created_at)
            SELECT e.id, e.organisation_id, u.program_id, e.amount_cents, e.at, 'accepted',
                   '', '', now()
            FROM vouchers_unitevent e JOIN vouchers_unit u ON u.id = e.unit_id
            WHERE e.kind IN ('consumed', 'reversed') AND e.organisation_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM settlement_pricingline l WHERE l.event_id = e.id)
            """
        )
        inserted = cur.rowcount
        middle = time.perf_counter()
        rows = cur.execute(
            """
            SELECT structure_id, SUM(amount_cents), COUNT(*) FROM settlement_pricingline
            WHERE status = 'accepted' AND transfer_id IS NULL AND happened_at < %s
            GROUP BY structure_id ORDER BY structure_id
            """,
            (cutoff,),
        ).fetchall()
        ended = time.perf_counter()
        pg.rollback()
    return {
        "seconds": ended - started,
        "insert_seconds": middle - started,
        "aggregate_seconds": ended - middle,
        "lines": inserted,
        "structures": len(rows),
        "total_cents": int(sum(row[1] for row in rows)),
    }


class Clock:
    """Marks along the run: wall time, and queries and time spent in the database."""

    def __init__(self):
        self.queries = 0
        self.db_seconds = 0.0
        self.marks = [("begin", time.perf_counter(), 0, 0.0)]
        self.statements: dict[tuple[int, str], list] = {}

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.db_seconds += elapsed
            self.queries += 1
            # Per phase (the segment after the last mark) and statement (its start).
            shape = (len(self.marks), " ".join(sql.split())[:110])
            figures = self.statements.setdefault(shape, [0, 0.0])
            figures[0] += 1
            figures[1] += elapsed

    def slowest(self, per_phase: int = 4) -> list[str]:
        """The statements that took the most database time in each phase."""
        report = []
        for segment, (name, *_rest) in enumerate(self.marks[1:], start=1):
            rows = sorted(
                (
                    (figures, sql)
                    for (seg, sql), figures in self.statements.items()
                    if seg == segment
                ),
                key=lambda row: -row[0][1],
            )
            for (count, seconds), sql in rows[:per_phase]:
                report.append(f"{name:>16} {seconds:8.2f} s {count:6d} x  {sql}")
        return report

    def mark(self, name: str) -> None:
        self.marks.append((name, time.perf_counter(), self.queries, self.db_seconds))

    def phases(self) -> tuple[dict, dict, dict]:
        seconds, queries, db = {}, {}, {}
        for (_, t0, q0, d0), (name, t1, q1, d1) in zip(self.marks, self.marks[1:], strict=False):
            seconds[name] = round(seconds.get(name, 0) + t1 - t0, 3)
            queries[name] = queries.get(name, 0) + q1 - q0
            db[name] = round(db.get(name, 0) + d1 - d0, 3)
        return seconds, queries, db


def run(profile_path: str | None, analyze: bool) -> None:
    dsn = os.environ["DATABASE_URL"]
    first_day, last_day = bench_month(dt.date.today())
    cutoff = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), ZONE)
    raw = ceiling(dsn, cutoff)

    django_setup()
    from django.db import connection
    from django.db.models import Count

    from controls.models import ControlFinding
    from settlement import exports
    from settlement import services as s
    from settlement.models import PricingLine
    from vouchers.models import Unit, UnitEvent

    units = Unit.objects.count()
    structures = UnitEvent.objects.filter(kind="consumed").values("organisation_id").distinct()
    structures = structures.count()
    clock = Clock()
    rule_seconds: dict[str, float] = {}

    def marked(function, before: str | None, after: str):
        def wrapper(*args, **kwargs):
            if before:
                clock.mark(before)
            result = function(*args, **kwargs)
            clock.mark(after)
            return result

        return wrapper

    def timed_rule(rule):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return rule(*args, **kwargs)
            finally:
                rule_seconds[rule.__name__] = round(
                    rule_seconds.get(rule.__name__, 0) + time.perf_counter() - started, 3
                )

        return wrapper

    # Instrument what batch_build calls (module globals), not the application code.
    if analyze:
        # Experiment (--analyze): fresh planner statistics on the pricing lines once pricing
        # and the controls have changed them, timed inside those phases.
        def analyzed(function):
            def wrapper(*args, **kwargs):
                result = function(*args, **kwargs)
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE settlement_pricingline")
                return result

            return wrapper

        s.lines_price_missing = analyzed(s.lines_price_missing)
        s.lines_control = analyzed(s.lines_control)
    s.lines_price_missing = marked(s.lines_price_missing, None, "price_missing")
    s.claims_build = marked(s.claims_build, None, "claims_build")
    s.lines_control = marked(s.lines_control, "control_load", "controls")
    s._transfers_match_lines = marked(s._transfers_match_lines, "batch_transfers", "batch_check")
    s.funder_documents_for_batch = marked(s.funder_documents_for_batch, None, "funder_documents")
    try:
        import controls.services as control_services

        control_services.RULES = tuple(timed_rule(rule) for rule in control_services.RULES)
    except (ImportError, AttributeError):
        pass

    profiler = cProfile.Profile() if profile_path else None
    sepa_path = Path(tempfile.mkdtemp()) / "sepa.xml"
    with connection.execute_wrapper(clock):
        clock.marks = [("begin", time.perf_counter(), 0, 0.0)]
        if profiler:
            profiler.enable()
        outcome = s.batch_build(actor=None, until=last_day)
        clock.mark("batch_audit")
        assert outcome.batch is not None, outcome.held_back
        sepa_path.write_bytes(exports.sepa_xml(batch=outcome.batch))
        clock.mark("sepa_xml")
        if profiler:
            profiler.disable()
    total = clock.marks[-1][1] - clock.marks[0][1]
    if profiler:
        profiler.dump_stats(profile_path)
        pstats.Stats(profile_path, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profile_path, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    seconds, queries, db = clock.phases()
    print("slowest statements per phase (database seconds):", file=sys.stderr)
    print("\n".join(clock.slowest()), file=sys.stderr)
    batch = outcome.batch
    lines = PricingLine.objects.filter(transfer__batch=batch).count()
    statuses = dict(PricingLine.objects.order_by().values_list("status").annotate(n=Count("pk")))
    transfers = batch.transfers.count()
    print(
        json.dumps(
            {
                "structures": structures,
                "units": units,
                "phases": seconds,
                "phase_queries": queries,
                "phase_db_seconds": db,
                "control_rules": rule_seconds,
                "total_seconds": round(total, 2),
                "ceiling_seconds": round(raw["seconds"], 3),
                "ceiling_insert_seconds": round(raw["insert_seconds"], 3),
                "ceiling_aggregate_seconds": round(raw["aggregate_seconds"], 3),
                "ratio": round(raw["seconds"] / total, 4),
                "transfers": transfers,
                "lines": lines,
                "lines_by_status": statuses,
                "findings": ControlFinding.objects.count(),
                "held_back": len(outcome.held_back),
                "batch_total_cents": batch.total_cents,
                "ceiling_total_cents": raw["total_cents"],
                "sepa_bytes": sepa_path.stat().st_size,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


# --- Driver ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200 structures, 20,000 units")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the timed work into FILE")
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="experiment: ANALYZE the pricing lines after pricing and after the controls",
    )
    parser.add_argument("--setup", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup(*args.setup)
        return
    if args.run:
        run(args.profile, args.analyze)
        return

    structures, units = (200, 20_000) if args.quick else (5_000, 500_000)
    env = dict(
        os.environ,
        DATABASE_URL=f"{PG_SERVER}/{PG_DATABASE}",
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DEBUG="false",
        PYTHONPATH=str(ROOT),
    )
    pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    pg_admin(f"CREATE DATABASE {PG_DATABASE}")
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--setup", str(structures), str(units)],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        setup_seconds = json.loads(done.stdout.strip().splitlines()[-1])["setup_seconds"]
        print(f"set-up: {setup_seconds} s", file=sys.stderr)
        command = [sys.executable, __file__, "--run"]
        if args.profile:
            command += ["--profile", args.profile]
        if args.analyze:
            command += ["--analyze"]
        done = subprocess.run(
            command, env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if not args.keep:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    result = {
        "benchmark": "settlement",
        "quick": args.quick,
        "analyze_experiment": args.analyze,
        "structures": figures.pop("structures"),
        "units": figures.pop("units"),
        "phases": figures.pop("phases"),
        "total_seconds": figures.pop("total_seconds"),
        "ceiling_seconds": figures.pop("ceiling_seconds"),
        "ratio": figures.pop("ratio"),
        "target_seconds": TARGET_SECONDS,
        "peak_rss_mb": figures.pop("peak_rss_mb"),
        **figures,
        "setup_seconds": setup_seconds,
    }
    result["target_met"] = result["total_seconds"] < TARGET_SECONDS
    print(json.dumps(result))


if __name__ == "__main__":
    main()
