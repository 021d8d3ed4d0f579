"""Open data: monthly indicators per program and commune, with every count under 5 hidden and
no hidden count recomputable by difference from the program's monthly total.

Rule (statistical disclosure control, per program, month and indicator):
1. primary: a count under 5 (0 included) is hidden;
2. secondary: while the hidden counts of a group are a single one, or add up to less than 5,
   the smallest count still shown is hidden too; if none is left, the total is hidden.
So a hidden count is never alone in its group and the hidden ones together are never a small
group: the total less what is shown gives only their sum, never one of them."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, F
from django.db.models.functions import TruncMonth

from programs.models import Program
from programs.selectors import program_today
from reporting.periods import Period
from reporting.selectors import USE_KINDS, use_totals
from territories.models import Commune
from vouchers.models import Carnet, UnitEvent

THRESHOLD = 5
TOTAL = "total"
MEASURES = ("personnes", "carnets_remis", "unites_utilisees", "heures_utilisees")
FIELDS = (
    ("programme", "string", "Identifiant court (slug) du programme."),
    ("programme_nom", "string", "Nom du programme."),
    ("mois", "string", "Mois, au format AAAA-MM, à l'heure du programme."),
    (
        "code_commune",
        "string",
        "Code INSEE de la commune où habitent les personnes ; « total » pour tout le programme.",
    ),
    ("commune", "string", "Nom de la commune (vide sur la ligne du total)."),
    (
        "personnes",
        "integer",
        "Personnes qui ont utilisé au moins un chèque ou une heure dans le mois.",
    ),
    ("carnets_remis", "integer", "Carnets remis dans le mois (remplacements exceptés)."),
    (
        "unites_utilisees",
        "integer",
        "Chèques ou heures utilisés dans le mois, corrections déduites.",
    ),
    ("heures_utilisees", "integer", "Heures utilisées dans le mois (programmes en heures)."),
)


@dataclass
class Cell:
    value: int
    hidden: bool = False


def suppress(cells: dict[str, Cell], total: Cell) -> None:
    """Applies the rule to one group (one program, month and indicator): `cells` by commune,
    `total` their sum. Changes `hidden` in place."""
    for cell in [*cells.values(), total]:
        cell.hidden = cell.value < THRESHOLD
    while True:
        hidden = [c for c in cells.values() if c.hidden]
        shown = sorted((c for c in cells.values() if not c.hidden), key=lambda c: c.value)
        if not hidden or total.hidden:
            return
        if len(hidden) >= 2 and sum(c.value for c in hidden) >= THRESHOLD:
            return
        if not shown:
            total.hidden = True
            return
        shown[0].hidden = True


def _closed_months(program: Program) -> tuple[dt.date, dt.date] | None:
    """From the program's first month to the last month already over."""
    this_month = program_today(program).replace(day=1)
    last = min(program.ends_on.replace(day=1), this_month - dt.timedelta(days=1))
    if last < program.starts_on.replace(day=1):
        return None
    return program.starts_on.replace(day=1), last.replace(day=1)


def _month_end(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def program_months(program: Program) -> dict:
    """Raw counts by (month, commune) for the program's closed months."""
    span = _closed_months(program)
    if span is None:
        return {}
    zone = ZoneInfo(program.time_zone)
    period = Period("dates", span[0], _month_end(span[1]), program.time_zone)
    counts: dict = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    uses = (
        UnitEvent.objects.filter(
            program=program, kind__in=USE_KINDS, at__gte=period.start, at__lt=period.end
        )
        .annotate(month=TruncMonth("at", tzinfo=zone))
        .values("month", commune=F("carnet__beneficiary__commune"))
        .annotate(**use_totals())
        .order_by()
    )
    for row in uses:
        key = (_as_date(row["month"]), row["commune"])
        counts[key]["personnes"] = row["people"]
        counts[key]["unites_utilisees"] = row["units"]
        counts[key]["heures_utilisees"] = max(0, row["minutes"]) // 60
    issued = (
        Carnet.objects.filter(
            program=program,
            replaces__isnull=True,
            issued_at__gte=period.start,
            issued_at__lt=period.end,
        )
        .annotate(month=TruncMonth("issued_at", tzinfo=zone))
        .values("month", commune=F("beneficiary__commune"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in issued:
        counts[(_as_date(row["month"]), row["commune"])]["carnets_remis"] = row["n"]
    return counts


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def monthly_indicators(programs=None) -> list[dict]:
    """The published rows: per program, month and commune, then the program's total for the
    month; a hidden count is None."""
    programs = list(programs if programs is not None else Program.objects.order_by("slug"))
    rows = []
    names = {}
    for program in programs:
        counts = program_months(program)
        names.update(
            Commune.objects.filter(code__in={c for _m, c in counts}).values_list("code", "name")
        )
        by_month = defaultdict(dict)
        for (month, commune), values in counts.items():
            by_month[month][commune] = values
        for month in sorted(by_month):
            communes = by_month[month]
            published = {commune: {} for commune in communes}
            totals = {}
            for measure in MEASURES:
                cells = {commune: Cell(values[measure]) for commune, values in communes.items()}
                total = Cell(sum(cell.value for cell in cells.values()))
                suppress(cells, total)
                for commune, cell in cells.items():
                    published[commune][measure] = None if cell.hidden else cell.value
                totals[measure] = None if total.hidden else total.value
            base = {
                "programme": program.slug,
                "programme_nom": program.name,
                "mois": f"{month:%Y-%m}",
            }
            for commune in sorted(communes):
                rows.append(
                    base
                    | {"code_commune": commune, "commune": names.get(commune, "")}
                    | published[commune]
                )
            rows.append(base | {"code_commune": TOTAL, "commune": ""} | totals)
    return rows
