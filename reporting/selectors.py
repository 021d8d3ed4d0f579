"""The figures of the dashboards, all read from the unit ledger and the rows around it by
aggregate queries: nothing here writes. Every amount is in cents, every duration in minutes.

Definitions (the page "Colonnes des exports" says them in French):
- people reached: distinct people with at least one unit used (a CONSUMED event) in the period;
- carnets issued: carnets handed out in the period, replacements of a lost carnet excepted
  (they carry the old units' value); of these, started: at least one unit used (hours: a
  minute), finished: every unit used up, expired: at least one unit expired;
- consumption rate: the share of the issued carnets' units (hours: minutes) used so far;
- budget in the period: committed by the units issued, consumed (uses less corrections),
  reimbursed (lines paid to structures), given back (value of the units that expired, credited
  to the funders at the program's closing)."""

import datetime as dt
import functools
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from operator import itemgetter
from statistics import mean
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncMonth

from accompaniments.enums import ParticipantStatus, SessionStatus
from accompaniments.models import Participant, SatisfactionSurvey, Session
from accounts.models import Organisation
from accounts.selectors import organisations_of
from beneficiaries.enums import DiagnosticKind
from beneficiaries.models import Beneficiary, Diagnostic
from beneficiaries.services import diagnostic_skills
from programs.enums import PublicCategory
from programs.models import Program, Track
from programs.selectors import program_today, programs_visible_to
from reporting.periods import Period, months_between
from settlement.enums import BatchStatus, LineStatus, TransferStatus
from settlement.models import PaymentBatch, PricingLine
from territories.models import Commune
from vouchers.enums import CarnetStatus, UnitEventKind, UnitState
from vouchers.models import Carnet, UnitEvent

USED_STATES = (UnitState.CONSUMED, UnitState.REIMBURSED)
USE_KINDS = (UnitEventKind.CONSUMED, UnitEventKind.REVERSED)

DIMENSION_LABELS = {
    "commune": "Commune de la personne",
    "prescriber": "Prescripteur",
    "structure": "Structure",
    "track": "Parcours",
    "category": "Public",
    "theme": "Thème des séances",
}


def _signed(column: str):
    """A use counts plus, its correction minus."""
    return Case(
        When(kind=UnitEventKind.REVERSED, then=-F(column)),
        default=F(column),
        output_field=BigIntegerField(),
    )


_UNITS_SIGNED = Case(
    When(kind=UnitEventKind.REVERSED, then=Value(-1)),
    default=Value(1),
    output_field=IntegerField(),
)


def _uses(program: Program, period: Period) -> QuerySet[UnitEvent]:
    return UnitEvent.objects.filter(
        program=program, kind__in=USE_KINDS, at__gte=period.start, at__lt=period.end
    )


def uses_detail(*, program: Program, period: Period) -> QuerySet:
    """Every use and correction of the period, oldest first, as the rows of a table."""
    return (
        _uses(program, period)
        .order_by("at", "pk")
        .values(
            "at",
            "kind",
            "unit__serial",
            "carnet__number",
            "organisation__name",
            "carnet__beneficiary__commune",
            "minutes",
            "amount_cents",
        )
    )


def use_totals():
    return {
        "people": Count(
            "carnet__beneficiary",
            distinct=True,
            filter=Q(kind=UnitEventKind.CONSUMED),
        ),
        "units": Coalesce(Sum(_UNITS_SIGNED), 0),
        "minutes": Coalesce(Sum(_signed("minutes")), 0),
        "amount_cents": Coalesce(Sum("amount_cents"), 0),
    }


def _cohort(program: Program, period: Period) -> QuerySet[Carnet]:
    return Carnet.objects.filter(
        program=program,
        replaces__isnull=True,
        issued_at__gte=period.start,
        issued_at__lt=period.end,
    )


@dataclass(frozen=True)
class Carnets:
    issued: int
    started: int
    finished: int
    expired: int
    units: int
    minutes_used: int
    committed_cents: int

    @property
    def rate(self) -> float:
        """The share of the cohort's units used so far (hours: minutes)."""
        return self.minutes_used / (60 * self.units) if self.units else 0.0


def carnets_issued(*, program: Program, period: Period) -> Carnets:
    live = ~Q(units__state=UnitState.CANCELLED)
    per_carnet = (
        _cohort(program, period)
        .annotate(
            used=Count("units", filter=Q(units__minutes_left__lt=60)),
            done=Count("units", filter=Q(units__state__in=USED_STATES)),
            gone=Count("units", filter=Q(units__state=UnitState.EXPIRED)),
            live_units=Count("units", filter=live),
            used_minutes=Coalesce(Sum(60 - F("units__minutes_left"), filter=live), 0),
            value=Coalesce(Sum("units__value_cents"), 0),
        )
        .order_by()
    )
    totals = per_carnet.aggregate(
        issued=Count("pk"),
        started=Count("pk", filter=Q(used__gt=0)),
        finished=Count("pk", filter=Q(done=F("units_count"))),
        expired=Count("pk", filter=Q(gone__gt=0)),
        units=Coalesce(Sum("live_units"), 0),
        minutes_used=Coalesce(Sum("used_minutes"), 0),
        committed_cents=Coalesce(Sum("value"), 0),
    )
    return Carnets(**totals)


@dataclass(frozen=True)
class Budget:
    committed_cents: int
    consumed_cents: int
    reimbursed_cents: int
    released_cents: int


def budget_in_period(
    *, program: Program, period: Period, committed_cents: int, consumed_cents: int
) -> Budget:
    """The period's budget: committed by the carnets issued and consumed by the uses (both
    already read by the caller), reimbursed to structures and given back by expiry."""
    reimbursed = sum(_paid_per_batch(program, period).values())
    released = UnitEvent.objects.filter(
        program=program,
        kind=UnitEventKind.EXPIRED,
        at__gte=period.start,
        at__lt=period.end,
    ).aggregate(
        total=Coalesce(
            Sum(
                ExpressionWrapper(
                    F("unit__value_cents") * F("unit__minutes_left") / 60,
                    output_field=BigIntegerField(),
                )
            ),
            0,
        )
    )["total"]
    return Budget(committed_cents, consumed_cents, reimbursed, released)


CLOSED_MONTHS_SECONDS = 3600  # how long the cache keeps what never changes (closed months…)


def _paid_per_batch(program: Program, period: Period) -> dict[int, int]:
    """What each batch paid in the period paid for the program's lines. A paid batch never
    changes (only a pending transfer can be rejected, and lines leave only a rejected one):
    its total is kept in the cache, and only the batches not seen yet are added up."""
    batches = list(
        PaymentBatch.objects.filter(
            status=BatchStatus.PAID, paid_at__gte=period.start, paid_at__lt=period.end
        ).values_list("pk", flat=True)
    )
    keys = {pk: f"reporting:paid:{program.pk}:{pk}" for pk in batches}
    found = cache.get_many(keys.values())
    totals = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [pk for pk in batches if pk not in totals]
    if missing:
        read = dict.fromkeys(missing, 0) | dict(
            PricingLine.objects.filter(
                program=program,
                transfer__status=TransferStatus.PAID,
                transfer__batch__in=missing,
            )
            .values_list("transfer__batch")
            .annotate(total=Sum("amount_cents"))
            .order_by()
            .values_list("transfer__batch", "total")
        )
        cache.set_many({keys[pk]: total for pk, total in read.items()}, CLOSED_MONTHS_SECONDS)
        totals |= read
    return totals


@dataclass(frozen=True)
class BurnPoint:
    month: dt.date
    consumed_cents: int  # in the month
    remaining_cents: int | None  # funded less everything consumed by the month's end
    planned_cents: int  # what would remain if the budget were spent evenly over the program


def _uses_per_month(program: Program, since: dt.datetime, until: dt.datetime | None) -> dict:
    events = UnitEvent.objects.filter(program=program, kind__in=USE_KINDS, at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    return {
        _as_date(month): total
        for month, total in events.annotate(
            month=TruncMonth("at", tzinfo=ZoneInfo(program.time_zone))
        )
        .values("month")
        .annotate(total=Sum("amount_cents"))
        .values_list("month", "total")
        .order_by()
    }


def burn_down(*, program: Program, this_month_cents: int | None = None) -> list[BurnPoint]:
    """Month by month over the program's dates, the budget left against an even spending.
    A month already over never changes (ledger events are written when they happen): its
    totals are kept an hour in the cache, and only the current month is read each time
    (`this_month_cents`: what it consumed so far, when the caller has read it already)."""
    months = months_between(program.starts_on, program.ends_on)
    start = Period("dates", program.starts_on, program.ends_on, program.time_zone).start
    this_month = program_today(program).replace(day=1)
    month_start = dt.datetime.combine(this_month, dt.time(), tzinfo=ZoneInfo(program.time_zone))
    per_month = {}
    if month_start > start:
        key = f"reporting:closed-months:{program.pk}:{this_month:%Y-%m}"
        per_month = cache.get(key)
        if per_month is None:
            per_month = _uses_per_month(program, start, month_start)
            cache.set(key, per_month, CLOSED_MONTHS_SECONDS)
    if this_month_cents is None:
        per_month = per_month | _uses_per_month(program, max(start, month_start), None)
    else:
        per_month = per_month | {this_month: this_month_cents}
    today = program_today(program)
    span = (program.ends_on - program.starts_on).days + 1
    points, spent = [], sum(t for m, t in per_month.items() if m < months[0]) if months else 0
    for month in months:
        spent += per_month.get(month, 0)
        month_end = min(
            (month + dt.timedelta(days=32)).replace(day=1),
            program.ends_on + dt.timedelta(days=1),
        )
        elapsed = max(0, (month_end - program.starts_on).days)
        points.append(
            BurnPoint(
                month=month,
                consumed_cents=per_month.get(month, 0),
                remaining_cents=program.funded_cents - spent if month <= today else None,
                planned_cents=program.funded_cents - program.funded_cents * elapsed // span,
            )
        )
    return points


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


@dataclass
class Row:
    key: object
    label: str
    people: int = 0
    carnets: int = 0
    units: int = 0
    minutes: int = 0
    amount_cents: int = 0
    extra: dict = field(default_factory=dict)


def _labels(dimension: str, keys) -> dict:
    keys = [k for k in keys if k is not None]
    if dimension == "commune":
        return {
            c.code: c
            for c in Commune.objects.filter(code__in=keys).only("name", "latitude", "longitude")
        }
    if dimension in ("prescriber", "structure"):
        return {o.pk: o.name for o in Organisation.objects.filter(pk__in=keys).only("name")}
    if dimension == "track":
        return {t.pk: t.name for t in Track.objects.filter(pk__in=keys).only("name")}
    return {}


class UseGroup(NamedTuple):
    """The period's uses (less corrections) of one person's carnet at one structure."""

    beneficiary: int
    commune: str
    categories: tuple
    prescriber: int
    track: int | None
    structure: int | None
    consumed: int  # CONSUMED events (a person with none was only corrected)
    units: int
    minutes: int
    amount_cents: int


# The period's uses added up per carnet and structure from the index of the program's
# events alone (vouchers' unitevent_program_kind_at), and only then joined to their carnets
# and people: the joins touch one row per group, not one per event. Plain SQL that SQLite
# and PostgreSQL both read; the ORM cannot join a grouped subquery. (PostgreSQL adds up
# bigints as numeric: the amount is cast back, so every figure is an int.)
_PERIOD_USES_SQL = """
SELECT c.beneficiary_id, b.commune_id, CAST(b.categories AS TEXT), c.prescriber_id,
       c.track_id, x.organisation_id, x.consumed, x.units, x.minutes, x.amount_cents
FROM (
    SELECT e.carnet_id, e.organisation_id,
           SUM(CASE WHEN e.kind = %(consumed)s THEN 1 ELSE 0 END) AS consumed,
           SUM(CASE WHEN e.kind = %(reversed)s THEN -1 ELSE 1 END) AS units,
           SUM(CASE WHEN e.kind = %(reversed)s THEN -e.minutes ELSE e.minutes END) AS minutes,
           CAST(SUM(e.amount_cents) AS BIGINT) AS amount_cents
    FROM {events} e
    WHERE e.program_id = %(program)s AND e.kind IN (%(consumed)s, %(reversed)s)
      AND e.at >= %(start)s AND e.at < %(end)s
    GROUP BY e.carnet_id, e.organisation_id
) x
JOIN {carnets} c ON c.id = x.carnet_id
JOIN {people} b ON b.id = c.beneficiary_id
"""


def period_uses(*, program: Program, period: Period) -> list[UseGroup]:
    """One read of the period's uses (less corrections), grouped finely enough for every total
    and split: per carnet and structure."""
    sql = _PERIOD_USES_SQL.format(
        events=UnitEvent._meta.db_table,
        carnets=Carnet._meta.db_table,
        people=Beneficiary._meta.db_table,
    )
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "program": program.pk,
        "consumed": UnitEventKind.CONSUMED.value,
        "reversed": UnitEventKind.REVERSED.value,
        "start": adapt(period.start),
        "end": adapt(period.end),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            UseGroup(r[0], r[1], _categories(r[2]), r[3], r[4], r[5], r[6], r[7], r[8], r[9])
            for r in cursor.fetchall()
        ]


@functools.lru_cache(maxsize=256)
def _categories(text: str | None) -> tuple:
    """A person's situations, from the JSON text the grouping read (few distinct values)."""
    return tuple(json.loads(text)) if text else ()


def cohort_groups(*, program: Program, period: Period) -> list[tuple]:
    """Carnets issued in the period by (commune, categories, prescriber, track): count."""
    rows = (
        _cohort(program, period)
        .annotate(categories_text=Cast("beneficiary__categories", TextField()))
        .values_list("beneficiary__commune", "categories_text", "prescriber", "track")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [(commune, _categories(text), *rest) for commune, text, *rest in rows]


# Where each dimension's key is in a cohort group (commune, categories, prescriber, track, n).
_COHORT_KEY = {"commune": 0, "category": 1, "prescriber": 2, "track": 3}


def _split(dimension: str, uses: list[UseGroup], cohort: list[tuple]) -> dict:
    """One pass over the period's uses and one over the cohort: the totals of each key of the
    dimension (a person counts once per key; in each of their categories). Plain indexes into
    the groups: the year's page goes through a few hundred thousand of them."""
    sums: dict = defaultdict(lambda: [0, 0, 0, 0])  # carnets, units, minutes, amount_cents
    if dimension == "category":
        people = {(k, use[0]) for use in uses if use[6] for k in use[2] or ("",)}
        for use in uses:
            for key in use[2] or ("",):
                row = sums[key]
                row[1] += use[7]
                row[2] += use[8]
                row[3] += use[9]
        for group in cohort:
            for key in group[1] or ("",):
                sums[key][0] += group[4]
    else:
        index = UseGroup._fields.index(dimension)
        people = {(use[index], use[0]) for use in uses if use[6]}
        for use in uses:
            row = sums[use[index]]
            row[1] += use[7]
            row[2] += use[8]
            row[3] += use[9]
        if dimension in _COHORT_KEY:
            index = _COHORT_KEY[dimension]
            for group in cohort:
                sums[group[index]][0] += group[4]
    reached = Counter(map(itemgetter(0), people))
    return {
        key: {
            "carnets": carnets,
            "units": units,
            "minutes": minutes,
            "amount_cents": amount,
            "people": reached[key],
        }
        for key, (carnets, units, minutes, amount) in sums.items()
    }


def breakdown(
    *,
    program: Program,
    period: Period,
    dimension: str,
    uses: list[UseGroup] | None = None,
    cohort: list[tuple] | None = None,
) -> list[Row]:
    """The period's figures split by commune, prescriber, structure, track or public category
    (a person may count in several categories): people reached, units and minutes used and
    their amount (uses less corrections), carnets issued. `uses` and `cohort` are
    period_uses and cohort_groups when the caller already read them."""
    if uses is None:
        uses = period_uses(program=program, period=period)
    if cohort is None:
        cohort = cohort_groups(program=program, period=period)
    rows = _split(dimension, uses, cohort)
    if dimension == "category":
        labels = dict(PublicCategory.choices)
        result = [
            Row(key=key, label=labels.get(key, key or "non renseigné"), **values)
            for key, values in rows.items()
        ]
        return sorted(result, key=lambda r: (-r.people, -r.carnets, r.label))
    labels = _labels(dimension, rows)
    result = []
    for key, values in rows.items():
        label = labels.get(key)
        row = Row(key=key, label="", **values)
        if dimension == "commune" and label is not None:
            row.label = label.name
            row.extra = {"lat": label.latitude, "lon": label.longitude}
        else:
            row.label = label or ("sans parcours" if dimension == "track" else "—")
        result.append(row)
    return sorted(result, key=lambda r: (-r.people, -r.carnets, r.label))


def breakdown_by_category(*, program: Program, period: Period, **read) -> list[Row]:
    return breakdown(program=program, period=period, dimension="category", **read)


def breakdown_by_theme(*, program: Program, period: Period) -> list[Row]:
    """Sessions held in the period by theme: sessions (in `carnets`' place: `extra`), people
    present, minutes given."""
    rows: dict[str, Row] = {}
    sessions = Session.objects.filter(
        program=program, starts_at__gte=period.start, starts_at__lt=period.end
    ).exclude(status=SessionStatus.CANCELLED)
    present = dict(
        Participant.objects.filter(session__in=sessions, status=ParticipantStatus.PRESENT)
        .values_list("session")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("session", "n")
    )
    for pk, themes, minutes, anonymous in sessions.values_list(
        "pk", "themes", "duration_minutes", "anonymous_count"
    ):
        for theme in themes or ["sans thème"]:
            row = rows.setdefault(theme, Row(key=theme, label=theme, extra={"sessions": 0}))
            row.extra["sessions"] += 1
            row.people += present.get(pk, 0) + anonymous
            row.minutes += minutes
    return sorted(rows.values(), key=lambda r: (-r.extra["sessions"], r.label))


@dataclass(frozen=True)
class SkillProgress:
    key: str
    label: str
    people: int
    progressed: int

    @property
    def share(self) -> float:
        return self.progressed / self.people if self.people else 0.0


@dataclass(frozen=True)
class Progress:
    people: int  # with an exit diagnostic in the period and an entry one before it
    progressed: int  # whose score went up
    skills: list[SkillProgress]

    @property
    def share(self) -> float:
        return self.progressed / self.people if self.people else 0.0


def skill_progress(*, program: Program, period: Period) -> Progress:
    """Between each person's entry diagnostic and their exit one made in the period: who
    progressed overall, and per skill."""
    exits = Diagnostic.objects.filter(
        program=program,
        kind=DiagnosticKind.EXIT,
        created_at__gte=period.start,
        created_at__lt=period.end,
    ).order_by("beneficiary_id", "created_at")
    fields = ("beneficiary_id", "answers", "score", "created_at")
    # The last exit of each person (rows come oldest first), then their first entry before it.
    last_exit = {row[0]: row for row in exits.values_list(*fields)}
    entries = {}
    for entry in (
        Diagnostic.objects.filter(
            program=program,
            kind=DiagnosticKind.ENTRY,
            beneficiary_id__in=exits.values("beneficiary_id"),
        )
        .order_by("beneficiary_id", "created_at")
        .values_list(*fields)
    ):
        if entry[0] not in entries and entry[3] <= last_exit[entry[0]][3]:
            entries[entry[0]] = entry
    skills = diagnostic_skills(program)
    counts = {key: [0, 0] for key, _label in skills}
    people = progressed = 0
    for beneficiary_id, (_b, after, after_score, _at) in last_exit.items():
        entry = entries.get(beneficiary_id)
        if entry is None:
            continue
        _b, before, before_score, _at = entry
        people += 1
        progressed += after_score > before_score
        for key, _label in skills:
            if key in before and key in after:
                counts[key][0] += 1
                counts[key][1] += after[key] > before[key]
    return Progress(
        people=people,
        progressed=progressed,
        skills=[SkillProgress(key, label, *counts[key]) for key, label in skills],
    )


@dataclass(frozen=True)
class Satisfaction:
    answers: int
    helped_mean: float | None
    confident_mean: float | None
    recommend: int
    helped_counts: dict[int, int]

    @property
    def recommend_share(self) -> float:
        return self.recommend / self.answers if self.answers else 0.0


def satisfaction(*, program: Program, period: Period) -> Satisfaction:
    rows = list(
        SatisfactionSurvey.objects.filter(
            program=program, created_at__gte=period.start, created_at__lt=period.end
        ).values_list("helped", "confident", "recommend")
    )
    helped_counts = dict.fromkeys((1, 2, 3, 4), 0)
    for helped, _confident, _recommend in rows:
        helped_counts[helped] += 1
    return Satisfaction(
        answers=len(rows),
        helped_mean=mean(r[0] for r in rows) if rows else None,
        confident_mean=mean(r[1] for r in rows) if rows else None,
        recommend=sum(1 for r in rows if r[2]),
        helped_counts=helped_counts,
    )


@dataclass(frozen=True)
class Dashboard:
    program: Program
    period: Period
    people: int
    target: int  # people expected over the period, from the yearly target
    units_used: int
    minutes_used: int
    carnets: Carnets
    budget: Budget

    @property
    def target_share(self) -> float:
        return self.people / self.target if self.target else 0.0


def program_dashboard(
    *, program: Program, period: Period, uses: list[UseGroup] | None = None
) -> Dashboard:
    """The headline figures of a program over a period."""
    if uses is None:
        uses = period_uses(program=program, period=period)
    carnets = carnets_issued(program=program, period=period)
    return Dashboard(
        program=program,
        period=period,
        people=len({use.beneficiary for use in uses if use.consumed}),
        target=round(program.target_beneficiaries_per_year * period.days / 365),
        units_used=sum(use.units for use in uses),
        minutes_used=sum(use.minutes for use in uses),
        carnets=carnets,
        budget=budget_in_period(
            program=program,
            period=period,
            committed_cents=carnets.committed_cents,
            consumed_cents=sum(use.amount_cents for use in uses),
        ),
    )


def funder_programs(*, user) -> QuerySet[Program]:
    """Programs whose dashboard the user may see: those of the funders they work for (lead or
    co-funder), every program for operators."""
    organisations = list(organisations_of(user=user))
    return programs_visible_to(organisations=organisations).order_by("-starts_on", "name")


# --- Structures and prescribers --------------------------------------------------------------


@dataclass
class OrganisationRow:
    program: Program
    people: int = 0
    sessions: int = 0
    units: int = 0
    minutes: int = 0
    amount_cents: int = 0
    claimed_cents: int = 0
    paid_cents: int = 0
    carnets: int = 0
    started: int = 0
    unused: int = 0


def _rows_by_program(keyed: dict[int, dict]) -> list[OrganisationRow]:
    programs = Program.objects.in_bulk(list(keyed))
    rows = [OrganisationRow(program=programs[pk], **values) for pk, values in keyed.items()]
    return sorted(rows, key=lambda row: row.program.name)


def structure_figures(*, structure: Organisation, period: Period) -> list[OrganisationRow]:
    """A structure's own figures per program: people it accompanied, sessions it held,
    units and hours it used (less corrections), amounts it claimed and was paid."""
    keyed: dict[int, dict] = defaultdict(dict)
    for values in (
        UnitEvent.objects.filter(
            organisation=structure, kind__in=USE_KINDS, at__gte=period.start, at__lt=period.end
        )
        .values(key=F("program"))
        .annotate(**use_totals())
        .order_by()
    ):
        key = values.pop("key")
        keyed[key] |= values
    for key, count in (
        Session.objects.filter(
            structure=structure, starts_at__gte=period.start, starts_at__lt=period.end
        )
        .exclude(status=SessionStatus.CANCELLED)
        .values_list("program")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("program", "n")
    ):
        keyed[key]["sessions"] = count
    lines = PricingLine.objects.filter(structure=structure)
    for key, total in (
        lines.filter(happened_at__gte=period.start, happened_at__lt=period.end)
        .exclude(status=LineStatus.REJECTED)
        .values_list("program")
        .annotate(total=Sum("amount_cents"))
        .order_by()
        .values_list("program", "total")
    ):
        keyed[key]["claimed_cents"] = total
    for key, total in (
        lines.filter(
            transfer__status=TransferStatus.PAID,
            transfer__batch__paid_at__gte=period.start,
            transfer__batch__paid_at__lt=period.end,
        )
        .values_list("program")
        .annotate(total=Sum("amount_cents"))
        .order_by()
        .values_list("program", "total")
    ):
        keyed[key]["paid_cents"] = total
    return _rows_by_program(keyed)


def _given(prescriber: Organisation, period: Period) -> QuerySet[Carnet]:
    return Carnet.objects.filter(
        prescriber=prescriber,
        replaces__isnull=True,
        issued_at__gte=period.start,
        issued_at__lt=period.end,
    )


_USED_UNITS = Count("units", filter=Q(units__minutes_left__lt=60))


def prescriber_figures(*, prescriber: Organisation, period: Period) -> list[OrganisationRow]:
    """Carnets a prescriber gave in the period per program: given, started (a unit used),
    unused (none used yet and still valid)."""
    keyed: dict[int, dict] = defaultdict(lambda: {"carnets": 0, "started": 0, "unused": 0})
    for program_id, status, used in (
        _given(prescriber, period)
        .annotate(used=_USED_UNITS)
        .values_list("program", "status", "used")
    ):
        row = keyed[program_id]
        row["carnets"] += 1
        row["started"] += used > 0
        row["unused"] += used == 0 and status == CarnetStatus.ACTIVE
    return _rows_by_program(keyed)


def carnets_unused(*, prescriber: Organisation, period: Period) -> QuerySet[Carnet]:
    """The carnets a prescriber gave in the period that no one has used yet and that are
    still valid: the people to call back. Oldest first."""
    return (
        _given(prescriber, period)
        .filter(status=CarnetStatus.ACTIVE)
        .annotate(used=_USED_UNITS)
        .filter(used=0)
        .select_related("beneficiary", "program", "follow_up")
        .order_by("issued_at", "pk")
    )


def carnet_is_unused(*, carnet: Carnet) -> bool:
    return (
        carnet.status == CarnetStatus.ACTIVE
        and not carnet.units.filter(minutes_left__lt=60).exists()
    )
