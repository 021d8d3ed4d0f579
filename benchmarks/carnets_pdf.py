"""Carnet PDF benchmark: issues a batch of carnets of 10 units, then times the A4 PDF of the
whole batch (cover + one voucher with its QR code per unit) as the issuing page draws it; the
ceiling is the same pages drawn with every row already in memory
(no database work while drawing). Runs on a temporary SQLite file. Last line: one JSON object
with the figures, the ceiling, the ratio and the target.

    python benchmarks/carnets_pdf.py [--quick]
"""

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_CARNETS_PER_S = 50


def carnets_reloaded(issued):
    """The carnets just issued, read again with their program, funder and person in one query
    (the codes in clear exist only in the issuing request)."""
    from dataclasses import replace

    from vouchers.models import Carnet

    rows = Carnet.objects.select_related("program__lead_funder", "beneficiary").in_bulk(
        [item.carnet.pk for item in issued]
    )
    return [replace(item, carnet=rows[item.carnet.pk]) for item in issued]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 carnets instead of 1,000")
    args = parser.parse_args()
    count = 100 if args.quick else 1000
    folder = tempfile.mkdtemp()
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.services import membership_create, organisation_create, user_create
    from beneficiaries.services import beneficiary_create
    from programs.services import commitment_add, program_create, quota_set
    from territories.models import Commune
    from territories.services import communes_load
    from vouchers.pdf import carnets_pdf
    from vouchers.services import carnet_issue

    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    communes_load(departements=["974"])
    year = dt.date.today().year
    funder = organisation_create(actor=None, name="Région", kinds=["funder"], rna="W974000001")
    prescriber = organisation_create(
        actor=None, name="CCAS", kinds=["prescriber"], rna="W974000002"
    )
    user = user_create(email="bench@example.org", password="bench-password-2026")
    membership_create(actor=None, user=user, organisation=prescriber, role="admin")
    program = program_create(
        actor=None,
        lead_funder=funder,
        name=f"Pass numérique {year}",
        slug=f"pass-numerique-{year}",
        unit_kind="money",
        unit_value_cents=1000,
        starts_on=dt.date(year, 1, 1),
        ends_on=dt.date(year, 12, 31),
        carnet_sizes=[10],
        validity_end_on=dt.date(year, 12, 31),
    )
    commitment_add(
        actor=None, program=program, funder=funder, category="region", amount_cents=10**10
    )
    quota_set(actor=None, program=program, prescriber=prescriber, units=10 * count)
    commune = Commune.objects.get(code="97410")
    people = [
        beneficiary_create(
            actor=user,
            prescriber=prescriber,
            first_name=f"Prénom{i}",
            last_name="Bench",
            birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=i),
            commune=commune,
            consent_method="paper",
        )
        for i in range(count)
    ]
    program.refresh_from_db()
    started = time.perf_counter()
    issued = [
        carnet_issue(
            actor=user,
            prescriber=prescriber,
            beneficiary=p,
            program=program,
            units=10,
            delivery="paper",
        )
        for p in people
    ]
    issue_seconds = time.perf_counter() - started
    carnets_pdf(issued[:10])  # warm-up: fonts, QR encoder
    # As the issuing page does: the carnets just issued, drawn (with what they read).
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        pdf = carnets_pdf(issued)
    pdf_seconds = time.perf_counter() - started
    # The ceiling: the same pages with every row read beforehand (no database work).
    in_memory = carnets_reloaded(issued)
    with CaptureQueriesContext(connection) as none:
        started = time.perf_counter()
        ceiling_pdf = carnets_pdf(in_memory)
        ceiling_seconds = time.perf_counter() - started
    assert not none.captured_queries, none.captured_queries[:3]
    assert len(ceiling_pdf) > 0.9 * len(pdf)
    figures = {
        "benchmark": "carnets_pdf",
        "quick": args.quick,
        "carnets": count,
        "units_per_carnet": 10,
        "pdf_seconds": round(pdf_seconds, 2),
        "pdf_carnets_per_s": round(count / pdf_seconds, 1),
        "pdf_queries": len(queries.captured_queries),
        "ceiling_pdf_seconds": round(ceiling_seconds, 2),
        "ceiling_pdf_carnets_per_s": round(count / ceiling_seconds, 1),
        "pdf_to_ceiling_ratio": round(ceiling_seconds / pdf_seconds, 2),
        "pdf_megabytes": round(len(pdf) / 1e6, 2),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "issue_carnets_per_s_sqlite": round(count / issue_seconds, 1),
        "target_pdf_carnets_per_s_min": TARGET_CARNETS_PER_S,
    }
    figures["target_met"] = figures["pdf_carnets_per_s"] >= TARGET_CARNETS_PER_S
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
