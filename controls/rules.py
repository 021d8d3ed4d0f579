"""The controls a pricing line goes through before it can be paid (DOMAIN.md: fraud controls
with reasons that a person can check).

One function per rule. Each takes the lines to control (settlement.PricingLine instances, or
a queryset of them) and returns a Finding for each line it holds, with a French explanation
naming the facts an operator can check (dates, counts, names). A line a rule returns nothing
for is OK under that rule; reversal lines (negative amounts) are never held. Days and months
are those of the program's time zone.

Every rule reads what it needs in bulk, once for all the lines (by chunks of CHUNK ids),
never one query per line: the settlement benchmark controls 500,000 lines. The lines are read
once, as plain values (`Line`), by `Facts`, which also reads what several rules need
(carnets, organisation names, local days) once and which the service shares between the
rules. Rules that compare a line with other uses (many units on a day, many structures in a
week) first ask the database which carnets or people could break them, and look closely at
those only."""

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet, Sum, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

from accompaniments.models import Session
from accounts.models import Organisation
from controls.enums import Rule, Verdict
from core.money import format_euros
from core.text import of
from programs.enums import AgreementStatus
from programs.models import Agreement, Program
from programs.selectors import agreement_active, agreement_last_day, program_territory_communes
from settlement.enums import LineStatus
from settlement.models import PricingLine
from vouchers.enums import UnitEventKind
from vouchers.models import Carnet, UnitEvent

# MANY_UNITS_ONE_DAY: more than this many units of one carnet used on one day is SUSPICIOUS
# (a carnet is meant for several sessions, not spent at once).
MAX_UNITS_PER_CARNET_PER_DAY = 3

# MANY_STRUCTURES_IN_A_WEEK: one person (identity key, across carnets and programs) whose
# units were used by this many different structures or more within STRUCTURES_WINDOW is
# SUSPICIOUS (a person follows an accompaniment near home).
MANY_STRUCTURES = 3
STRUCTURES_WINDOW = dt.timedelta(days=7)

# VOLUME_JUMP: a structure's total in a program for the line's month above VOLUME_FACTOR
# times the average of its VOLUME_HISTORY_MONTHS previous months is SUSPICIOUS, only when
# that average is at least VOLUME_MIN_AVERAGE_CENTS (100 EUR: small structures may grow fast
# without fraud). Totals count every line but the rejected ones, reversals included.
VOLUME_FACTOR = 3
VOLUME_HISTORY_MONTHS = 3
VOLUME_MIN_AVERAGE_CENTS = 10_000

# SELF_ISSUED: a unit used less than SELF_ISSUED_DELAY after its carnet was issued, by the
# organisation that issued it (a prescriber that is also a structure), is SUSPICIOUS.
SELF_ISSUED_DELAY = dt.timedelta(hours=1)

# Ids per bulk query: far under the parameter limits of SQLite (32,766) and PostgreSQL.
CHUNK = 5000

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
NAMES_SHOWN = 8
EXPLANATION_MAX = 500


@dataclass(frozen=True)
class Finding:
    """What one rule says of one line."""

    line_id: int
    rule: str
    verdict: str
    explanation: str


@dataclass(frozen=True)
class CarnetFacts:
    number: str
    issued_at: dt.datetime
    prescriber_id: int
    identity_key: str
    commune_code: str
    commune_name: str


def chunks(values: Iterable, size: int = CHUNK) -> Iterable[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


class Line(NamedTuple):
    """What the rules read of a pricing line and of its event, as plain values."""

    pk: int
    structure_id: int
    program: Program
    amount_cents: int
    happened_at: dt.datetime
    reversal: bool  # a negative line, or the line of a REVERSED event
    at: dt.datetime  # when the event was recorded
    carnet_id: int
    session_id: int | None  # the session an hours event names

    @property
    def program_id(self) -> int:
        return self.program.pk


LINE_VALUES = (
    "pk",
    "structure_id",
    "program_id",
    "amount_cents",
    "happened_at",
    "event__kind",
    "event__at",
    "event__unit__carnet_id",
    KeyTextTransform("session", "event__data"),
)


def lines_load(lines) -> list[Line]:
    """The lines as `Line` values: a queryset is read in one pass (by pk), instances are read
    again by chunks of ids and keep their order."""
    programs: dict[int, Program] = {}

    def program(pk: int) -> Program:
        if pk not in programs:
            programs[pk] = Program.objects.get(pk=pk)
        return programs[pk]

    if isinstance(lines, QuerySet):
        rows = lines.order_by("pk").values_list(*LINE_VALUES).iterator(chunk_size=CHUNK)
    else:
        order = [line.pk for line in lines]
        found = {}
        for chunk in chunks(order):
            found.update(
                (row[0], row)
                for row in PricingLine.objects.filter(pk__in=chunk).values_list(*LINE_VALUES)
            )
        rows = [found[pk] for pk in order if pk in found]
    reversed_kind = UnitEventKind.REVERSED.value
    return [
        Line(
            pk,
            structure_id,
            program(program_id),
            amount,
            happened_at,
            amount < 0 or kind == reversed_kind,
            at,
            carnet_id,
            int(session) if session else None,
        )
        for pk, structure_id, program_id, amount, happened_at, kind, at, carnet_id, session in rows
    ]


def is_reversal(line: Line) -> bool:
    return line.reversal


class Facts:
    """The lines under control (read once, see `lines_load`) and what several rules read
    about them, each read once."""

    def __init__(self, lines):
        self.lines = lines_load(lines)
        self._names: dict[int, str] = {}
        self._days: dict[int, dt.date] = {}
        self._zones: dict[int, ZoneInfo] = {}

    @cached_property
    def consumptions(self) -> list[Line]:
        """The lines a rule may hold: every line but reversals."""
        return [line for line in self.lines if not line.reversal]

    @cached_property
    def carnets(self) -> dict[int, CarnetFacts]:
        ids = sorted({line.carnet_id for line in self.consumptions})
        found = {}
        for chunk in chunks(ids):
            for pk, *facts in Carnet.objects.filter(pk__in=chunk).values_list(
                "pk",
                "number",
                "issued_at",
                "prescriber_id",
                "beneficiary__identity_key",
                "beneficiary__commune_id",
                "beneficiary__commune__name",
            ):
                found[pk] = CarnetFacts(*facts)
        return found

    def carnet(self, line: Line) -> CarnetFacts:
        return self.carnets[line.carnet_id]

    def names(self, ids: Iterable[int]) -> dict[int, str]:
        """Organisation names, read once each."""
        missing = sorted(set(ids) - self._names.keys())
        for chunk in chunks(missing):
            self._names.update(Organisation.objects.filter(pk__in=chunk).values_list("pk", "name"))
        return self._names

    def name(self, organisation_id: int) -> str:
        return self.names([organisation_id]).get(
            organisation_id, f"organisation n° {organisation_id}"
        )

    def zone(self, line: Line) -> ZoneInfo:
        """The time zone of the line's program."""
        zone = self._zones.get(line.program.pk)
        if zone is None:
            zone = self._zones[line.program.pk] = ZoneInfo(line.program.time_zone)
        return zone

    def local(self, line: Line) -> dt.datetime:
        """When the line's event happened, in its program's time zone."""
        return line.happened_at.astimezone(self.zone(line))

    def day(self, line: Line) -> dt.date:
        """The day the line's event happened, in its program's time zone."""
        day = self._days.get(line.pk)
        if day is None:
            day = self._days[line.pk] = self.local(line).date()
        return day


def in_zone(moment: dt.datetime, zone: str) -> dt.datetime:
    return moment.astimezone(ZoneInfo(zone))


def _facts(lines, facts: Facts | None) -> Facts:
    return facts if facts is not None else Facts(lines)


def _finding(line: Line, rule: Rule, verdict: Verdict, explanation: str) -> Finding:
    return Finding(line.pk, rule.value, verdict.value, explanation[:EXPLANATION_MAX])


def _uses(*, field: str, values: Iterable, start: dt.datetime, end: dt.datetime, columns):
    """Rows (`columns`) of the CONSUMED events whose `field` is one of `values`, from `start`
    to `end` (excluded), less those given back since by a REVERSED event."""
    rows, given_back = [], set()
    for chunk in chunks(sorted(set(values))):
        events = UnitEvent.objects.filter(**{f"{field}__in": chunk}, at__gte=start)
        rows += events.filter(kind=UnitEventKind.CONSUMED, at__lt=end).values_list("pk", *columns)
        given_back.update(
            events.filter(kind=UnitEventKind.REVERSED).values_list("data__reverses", flat=True)
        )
    return [row[1:] for row in rows if row[0] not in given_back]


def _month_label(month: dt.date) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}"


def _from_month(month: dt.date) -> str:
    return of(_month_label(month))


def _add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _listing(items: list[str]) -> str:
    shown = items[:NAMES_SHOWN]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" et {more} autre(s)" if more else "")


# --- The rules ------------------------------------------------------------------------------


def many_units_one_day(lines, facts: Facts | None = None) -> list[Finding]:
    """MANY_UNITS_ONE_DAY: more than MAX_UNITS_PER_CARNET_PER_DAY units of one carnet used
    on one day, counting the uses already controlled that day."""
    facts = _facts(lines, facts)
    todo = facts.consumptions
    if not todo:
        return []
    start = min(line.happened_at for line in todo) - dt.timedelta(days=1)
    end = max(line.happened_at for line in todo) + dt.timedelta(days=1)
    zone_of = {line.carnet_id: line.program.time_zone for line in todo}
    busy = _busy_carnets(todo, start, end) & zone_of.keys()
    units_on: dict[tuple[int, dt.date], set[int]] = defaultdict(set)
    for carnet_id, unit_id, at in _uses(
        field="unit__carnet_id",
        values=busy,
        start=start,
        end=end,
        columns=("unit__carnet_id", "unit_id", "at"),
    ):
        units_on[carnet_id, in_zone(at, zone_of[carnet_id]).date()].add(unit_id)
    findings = []
    for line in todo:
        if line.carnet_id not in busy:
            continue
        day = facts.day(line)
        count = len(units_on[line.carnet_id, day])
        if count > MAX_UNITS_PER_CARNET_PER_DAY:
            findings.append(
                _finding(
                    line,
                    Rule.MANY_UNITS_ONE_DAY,
                    Verdict.SUSPICIOUS,
                    f"{count} {line.program.unit_word(count)} du carnet {facts.carnet(line).number} "
                    f"{line.program.unit_agree('utilisé', count)} le "
                    f"{day:%d/%m/%Y} : plus de {MAX_UNITS_PER_CARNET_PER_DAY} le même jour.",
                )
            )
    return findings


def _busy_carnets(todo: list[Line], start: dt.datetime, end: dt.datetime) -> set[int]:
    """The carnets (of the lines' programs) with more than MAX_UNITS_PER_CARNET_PER_DAY
    units used on one day of their program's zone between `start` and `end`, counted by the
    database; reversals are not deducted, so this is every carnet the rule could hold."""
    programs_in: dict[str, set[int]] = defaultdict(set)
    for line in todo:
        programs_in[line.program.time_zone].add(line.program_id)
    busy = set()
    for zone, program_ids in programs_in.items():
        busy.update(
            UnitEvent.objects.filter(
                kind=UnitEventKind.CONSUMED,
                unit__program_id__in=program_ids,
                at__gte=start,
                at__lt=end,
            )
            .annotate(day=TruncDate("at", tzinfo=ZoneInfo(zone)))
            .order_by()
            .values("unit__carnet_id", "day")
            .annotate(units=Count("unit_id", distinct=True))
            .filter(units__gt=MAX_UNITS_PER_CARNET_PER_DAY)
            .values_list("unit__carnet_id", flat=True)
        )
    return busy


def outside_agreement(lines, facts: Facts | None = None) -> list[Finding]:
    """OUTSIDE_AGREEMENT: the event's day is not covered by the structure's agreement for the
    program (programs.selectors.agreement_active, tolerance month included)."""
    facts = _facts(lines, facts)
    todo = facts.consumptions
    if not todo:
        return []
    program_ids = sorted({line.program_id for line in todo})
    structure_ids = sorted({line.structure_id for line in todo})
    agreements: dict[tuple[int, int], list[Agreement]] = defaultdict(list)
    for chunk in chunks(structure_ids):
        for agreement in Agreement.objects.filter(
            program_id__in=program_ids, structure_id__in=chunk
        ).order_by("-starts_on", "-pk"):
            agreements[agreement.program_id, agreement.structure_id].append(agreement)
    gaps: dict[tuple[int, int, dt.date], str | None] = {}
    findings = []
    for line in todo:
        day = facts.day(line)
        key = (line.program_id, line.structure_id, day)
        if key not in gaps:
            gaps[key] = _agreement_gap(
                line, day, agreements[line.program_id, line.structure_id], facts
            )
        if gaps[key]:
            findings.append(_finding(line, Rule.OUTSIDE_AGREEMENT, Verdict.KO, gaps[key]))
    return findings


def _agreement_gap(line, day: dt.date, found: list[Agreement], facts: Facts) -> str | None:
    """Why no agreement covers the day, or None when one does. The agreements were read in
    bulk; a day they do not cover is confirmed by agreement_active, the one rule."""
    program = line.program
    if any(
        a.status == AgreementStatus.ACTIVE and a.starts_on <= day <= agreement_last_day(a, program)
        for a in found
    ):
        return None
    if agreement_active(program=program, structure=line.structure_id, on=day):
        return None
    name = facts.name(line.structure_id)
    if not found:
        detail = f"{name} n'a aucune convention pour ce programme"
    else:
        latest = found[0]
        if latest.status != AgreementStatus.ACTIVE:
            detail = f"la convention {of(name)} est « {latest.get_status_display()} »"
            if latest.status_reason:
                detail += f" (motif : {latest.status_reason})"
        else:
            detail = (
                f"la convention {of(name)} couvre du {latest.starts_on:%d/%m/%Y} au "
                f"{agreement_last_day(latest, program):%d/%m/%Y}"
            )
    return f"Unité utilisée le {day:%d/%m/%Y} hors convention pour {program.name} : {detail}."


def outside_territory(lines, facts: Facts | None = None) -> list[Finding]:
    """OUTSIDE_TERRITORY: the beneficiary's commune is not in the program's territory (a
    program with no territory set covers every commune)."""
    facts = _facts(lines, facts)
    territories: dict[int, set[str]] = {}
    findings = []
    for line in facts.consumptions:
        program = line.program
        if program.pk not in territories:
            territories[program.pk] = set(
                program_territory_communes(program=program)
                .order_by()
                .values_list("code", flat=True)
            )
        territory = territories[program.pk]
        if not territory:
            continue
        carnet = facts.carnet(line)
        if carnet.commune_code not in territory:
            findings.append(
                _finding(
                    line,
                    Rule.OUTSIDE_TERRITORY,
                    Verdict.SUSPICIOUS,
                    f"La personne du carnet {carnet.number} habite à {carnet.commune_name} "
                    f"({carnet.commune_code}), hors du territoire de {program.name}.",
                )
            )
    return findings


def hours_before_start(lines, facts: Facts | None = None) -> list[Finding]:
    """HOURS_BEFORE_START: hours of an hours program (the event names its session) recorded
    before the session's start."""
    facts = _facts(lines, facts)
    todo = [line for line in facts.consumptions if line.program.is_hours and line.session_id]
    sessions = {}
    for chunk in chunks(sorted({line.session_id for line in todo})):
        sessions.update(
            (pk, (starts_at, title))
            for pk, starts_at, title in Session.objects.filter(pk__in=chunk).values_list(
                "pk", "starts_at", "title"
            )
        )
    findings = []
    for line in todo:
        session_id = line.session_id
        if session_id not in sessions:
            continue
        starts_at, title = sessions[session_id]
        if line.at >= starts_at:
            continue
        zone = line.program.time_zone
        label = f"« {title} »" if title else f"n° {session_id}"
        findings.append(
            _finding(
                line,
                Rule.HOURS_BEFORE_START,
                Verdict.KO,
                f"Heures notées le {in_zone(line.at, zone):%d/%m/%Y à %H:%M} pour la "
                f"séance {label} qui commençait le {in_zone(starts_at, zone):%d/%m/%Y à %H:%M} : "
                "avant son début.",
            )
        )
    return findings


def many_structures_in_a_week(lines, facts: Facts | None = None) -> list[Finding]:
    """MANY_STRUCTURES_IN_A_WEEK: the person's units were used by MANY_STRUCTURES different
    structures or more within STRUCTURES_WINDOW around the line, across carnets and
    programs."""
    facts = _facts(lines, facts)
    todo = facts.consumptions
    if not todo:
        return []
    start = min(line.at for line in todo) - STRUCTURES_WINDOW
    end = max(line.at for line in todo) + STRUCTURES_WINDOW + dt.timedelta(seconds=1)
    people = {carnet.identity_key for carnet in facts.carnets.values()}
    per_person: dict[str, list[tuple[dt.datetime, int]]] = defaultdict(list)
    for key, organisation_id, at in _uses(
        field="unit__carnet__beneficiary__identity_key",
        values=_people_at_many_structures(start, end) & people,
        start=start,
        end=end,
        columns=("unit__carnet__beneficiary__identity_key", "organisation_id", "at"),
    ):
        per_person[key].append((at, organisation_id))
    # Only people whose units MANY_STRUCTURES structures or more used are looked at closely.
    several = {}
    for key, uses in per_person.items():
        if len({organisation_id for _, organisation_id in uses}) >= MANY_STRUCTURES:
            uses.sort()
            several[key] = ([at for at, _ in uses], uses)
    watched = {pk for pk, carnet in facts.carnets.items() if carnet.identity_key in several}
    findings = []
    for line in todo:
        if line.carnet_id not in watched:
            continue
        carnet = facts.carnet(line)
        times, uses = several[carnet.identity_key]
        moment = line.at
        first = bisect_left(times, moment - STRUCTURES_WINDOW)
        last = bisect_right(times, moment + STRUCTURES_WINDOW)
        week = _busiest_week(uses[first:last], moment)
        if len(week) < MANY_STRUCTURES:
            continue
        names = facts.names(week)
        zone = line.program.time_zone
        listed = [
            f"{names.get(organisation_id, organisation_id)} ({in_zone(at, zone):%d/%m/%Y})"
            for organisation_id, at in week.items()
        ]
        findings.append(
            _finding(
                line,
                Rule.MANY_STRUCTURES_IN_A_WEEK,
                Verdict.SUSPICIOUS,
                f"Les {line.program.unit_word()} de la personne du carnet {carnet.number} ont été "
                f"{line.program.unit_agree('utilisé')} dans "
                f"{len(week)} structures en {STRUCTURES_WINDOW.days} jours : {_listing(listed)}.",
            )
        )
    return findings


def _people_at_many_structures(start: dt.datetime, end: dt.datetime) -> set[str]:
    """The people (identity keys) whose units MANY_STRUCTURES structures or more used between
    `start` and `end`, counted by the database; reversals are not deducted, so this is every
    person the rule could hold."""
    key = "unit__carnet__beneficiary__identity_key"
    return set(
        UnitEvent.objects.filter(kind=UnitEventKind.CONSUMED, at__gte=start, at__lt=end)
        .order_by()
        .values(key)
        .annotate(structures=Count(Coalesce("organisation_id", Value(0)), distinct=True))
        .filter(structures__gte=MANY_STRUCTURES)
        .values_list(key, flat=True)
    )


def _busiest_week(
    uses: list[tuple[dt.datetime, int]], moment: dt.datetime
) -> dict[int, dt.datetime]:
    """Of the windows of STRUCTURES_WINDOW that contain `moment`, the one with the most
    structures: {structure: its first use in the window}. Such a window can always start at
    a use or at `moment`, so only those starts are tried."""
    starts = {at for at, _ in uses if moment - STRUCTURES_WINDOW <= at <= moment} | {moment}
    best: dict[int, dt.datetime] = {}
    for start in starts:
        seen: dict[int, dt.datetime] = {}
        for at, organisation_id in uses:
            if start <= at <= start + STRUCTURES_WINDOW:
                seen.setdefault(organisation_id, at)
        if len(seen) > len(best):
            best = seen
    return best


def volume_jump(lines, facts: Facts | None = None) -> list[Finding]:
    """VOLUME_JUMP: the structure's total in the program for the line's month is more than
    VOLUME_FACTOR times the average of its VOLUME_HISTORY_MONTHS previous months, that average
    being at least VOLUME_MIN_AVERAGE_CENTS. Totals are summed by the database, per time
    zone, structure, program and month."""
    facts = _facts(lines, facts)
    by_zone: dict[str, list[Line]] = defaultdict(list)
    for line in facts.consumptions:
        by_zone[line.program.time_zone].append(line)
    findings = []
    for zone_name, zone_lines in by_zone.items():
        zone = ZoneInfo(zone_name)
        month_of = {line.pk: facts.day(line).replace(day=1) for line in zone_lines}
        first = _add_months(min(month_of.values()), -VOLUME_HISTORY_MONTHS)
        last = _add_months(max(month_of.values()), 1)
        totals: dict[tuple[int, int, dt.date], int] = defaultdict(int)
        for chunk in chunks(sorted({line.structure_id for line in zone_lines})):
            rows = (
                PricingLine.objects.filter(
                    program_id__in={line.program_id for line in zone_lines},
                    structure_id__in=chunk,
                    happened_at__gte=dt.datetime.combine(first, dt.time(), tzinfo=zone),
                    happened_at__lt=dt.datetime.combine(last, dt.time(), tzinfo=zone),
                )
                .exclude(status=LineStatus.REJECTED)
                .annotate(month=TruncMonth("happened_at", tzinfo=zone))
                .order_by()
                .values("structure_id", "program_id", "month")
                .annotate(total=Sum("amount_cents"))
            )
            for row in rows:
                month = row["month"]
                month = month.date() if isinstance(month, dt.datetime) else month
                totals[row["structure_id"], row["program_id"], month] += row["total"]
        verdicts: dict[tuple[int, int, dt.date], str | None] = {}
        for line in zone_lines:
            key = (line.structure_id, line.program_id, month_of[line.pk])
            if key not in verdicts:
                verdicts[key] = _volume_jump_of(line, key, totals, facts)
            if verdicts[key]:
                findings.append(_finding(line, Rule.VOLUME_JUMP, Verdict.SUSPICIOUS, verdicts[key]))
    return findings


def _volume_jump_of(line, key, totals, facts: Facts) -> str | None:
    structure_id, program_id, month = key
    total = totals[key]
    history = [_add_months(month, -back) for back in range(VOLUME_HISTORY_MONTHS, 0, -1)]
    before = sum(totals[structure_id, program_id, past] for past in history)
    if before < VOLUME_MIN_AVERAGE_CENTS * VOLUME_HISTORY_MONTHS:
        return None
    if total * VOLUME_HISTORY_MONTHS <= VOLUME_FACTOR * before:
        return None
    return (
        f"{facts.name(structure_id)} : {format_euros(total)} pour {line.program.name} en "
        f"{_month_label(month)}, plus de {VOLUME_FACTOR} fois sa moyenne "
        f"{_from_month(history[0])} à {_month_label(history[-1])} "
        f"({format_euros(before // VOLUME_HISTORY_MONTHS)} par mois)."
    )


def self_issued(lines, facts: Facts | None = None) -> list[Finding]:
    """SELF_ISSUED: a unit used less than SELF_ISSUED_DELAY after its carnet was issued, by
    the organisation that issued it."""
    facts = _facts(lines, facts)
    findings = []
    for line in facts.consumptions:
        carnet = facts.carnet(line)
        if carnet.prescriber_id != line.structure_id:
            continue
        delay = line.at - carnet.issued_at
        if delay >= SELF_ISSUED_DELAY:
            continue
        zone = line.program.time_zone
        minutes = max(int(delay.total_seconds() // 60), 0)
        findings.append(
            _finding(
                line,
                Rule.SELF_ISSUED,
                Verdict.SUSPICIOUS,
                f"Carnet {carnet.number} remis par {facts.name(line.structure_id)} le "
                f"{in_zone(carnet.issued_at, zone):%d/%m/%Y à %H:%M} et utilisé par la même "
                f"organisation {minutes} min plus tard "
                f"({in_zone(line.at, zone):%H:%M}).",
            )
        )
    return findings


# The rules in the order the service runs them: refusals (KO) first, so that a rejected
# line's reason is the first refusal found.
RULES: tuple[Callable[..., list[Finding]], ...] = (
    outside_agreement,
    hours_before_start,
    many_units_one_day,
    outside_territory,
    many_structures_in_a_week,
    volume_jump,
    self_issued,
)
