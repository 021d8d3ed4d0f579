"""The dashboard's figures computed another way: by walking the unit ledger's events one by
one in Python, in the program's time zone, with none of reporting's queries."""

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from settlement.models import PricingLine
from vouchers.models import UnitEvent


def _day(moment: dt.datetime, zone: str) -> dt.date:
    return moment.astimezone(ZoneInfo(zone)).date()


def ledger_figures(program, first_day: dt.date, last_day: dt.date) -> dict:
    zone = program.time_zone
    events = list(
        UnitEvent.objects.filter(unit__program=program)
        .select_related("unit__carnet__beneficiary")
        .order_by("at", "pk")
    )

    def inside(event):
        return first_day <= _day(event.at, zone) <= last_day

    # Every unit's history, to now.
    minutes_used = defaultdict(int)  # hours: minutes; vouchers: 60 once used
    uses = defaultdict(int)
    expired_units = set()
    for event in events:
        unit = event.unit
        if event.kind == "consumed":
            uses[unit.pk] += 1
            minutes_used[unit.pk] += event.minutes if program.is_hours else 60
        elif event.kind == "reversed":
            uses[unit.pk] -= 1
            minutes_used[unit.pk] -= event.minutes if program.is_hours else 60
        elif event.kind == "expired":
            expired_units.add(unit.pk)

    figures = {
        "people": set(),
        "units": 0,
        "minutes": 0,
        "amount": 0,
        "released": 0,
        "by": {
            d: defaultdict(lambda: defaultdict(int))
            for d in ("commune", "prescriber", "track", "structure")
        },
    }
    people_by = {d: defaultdict(set) for d in figures["by"]}
    cohort = defaultdict(list)  # carnet -> its units, for carnets issued in the period
    committed = 0
    for event in events:
        unit, carnet = event.unit, event.unit.carnet
        keys = {
            "commune": carnet.beneficiary.commune_id,
            "prescriber": carnet.prescriber_id,
            "track": carnet.track_id,
            "structure": event.organisation_id,
        }
        if event.kind == "issued" and "replaces" not in event.data and inside(event):
            cohort[carnet.pk].append(unit)
            committed += unit.value_cents
        if not inside(event):
            continue
        if event.kind in ("consumed", "reversed"):
            sign = 1 if event.kind == "consumed" else -1
            figures["units"] += sign
            figures["minutes"] += sign * event.minutes
            figures["amount"] += event.amount_cents
            if event.kind == "consumed":
                figures["people"].add(carnet.beneficiary_id)
            for dimension, key in keys.items():
                row = figures["by"][dimension][key]
                row["units"] += sign
                row["minutes"] += sign * event.minutes
                row["amount_cents"] += event.amount_cents
                if event.kind == "consumed":
                    people_by[dimension][key].add(carnet.beneficiary_id)
        elif event.kind == "expired":
            figures["released"] += unit.value_cents * (60 - minutes_used[unit.pk]) // 60
    for dimension, rows in people_by.items():
        for key, people in rows.items():
            figures["by"][dimension][key]["people"] = len(people)
    carnets_issued = defaultdict(lambda: defaultdict(int))
    for units in cohort.values():
        carnet = units[0].carnet
        for dimension, key in (
            ("commune", carnet.beneficiary.commune_id),
            ("prescriber", carnet.prescriber_id),
            ("track", carnet.track_id),
        ):
            carnets_issued[dimension][key] += 1
    for dimension, rows in carnets_issued.items():
        for key, count in rows.items():
            figures["by"][dimension][key]["carnets"] = count
    live = [u for units in cohort.values() for u in units if u.state != "cancelled"]
    figures["cohort"] = {
        "issued": len(cohort),
        "started": sum(any(minutes_used[u.pk] > 0 for u in units) for units in cohort.values()),
        "finished": sum(all(minutes_used[u.pk] == 60 for u in units) for units in cohort.values()),
        "expired": sum(any(u.pk in expired_units for u in units) for units in cohort.values()),
        "units": len(live),
        "minutes_used": sum(minutes_used[u.pk] for u in live),
        "committed": committed,
    }
    figures["people"] = len(figures["people"])
    figures["reimbursed"] = sum(
        line.event.amount_cents
        for line in PricingLine.objects.filter(program=program).select_related(
            "event", "transfer__batch"
        )
        if line.transfer
        and line.transfer.status == "paid"
        and first_day <= _day(line.transfer.batch.paid_at, zone) <= last_day
    )
    figures["by"] = {
        dimension: {key: dict(row) for key, row in rows.items()}
        for dimension, rows in figures["by"].items()
    }
    return figures
