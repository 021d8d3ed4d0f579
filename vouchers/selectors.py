import datetime as dt

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from beneficiaries.selectors import TimelineItem
from vouchers.codes import token_hash
from vouchers.enums import CarnetStatus, UnitEventKind, UnitState
from vouchers.models import Carnet, UnitEvent


def carnets_of(*, beneficiary) -> QuerySet[Carnet]:
    return (
        Carnet.objects.filter(beneficiary=beneficiary)
        .select_related("program")
        .annotate(units_left=Count("units", filter=Q(units__state=UnitState.ISSUED)))
    )


def carnet_by_link(*, token: str) -> Carnet | None:
    return (
        Carnet.objects.select_related("program", "beneficiary")
        .filter(link_token_hash=token_hash(token))
        .first()
    )


def carnet_balance(*, carnet: Carnet) -> dict:
    rows = list(carnet.units.order_by("position").values_list("serial", "state", "minutes_left"))
    units = [(serial, state) for serial, state, _minutes in rows]
    left = [serial for serial, state in units if state == UnitState.ISSUED]
    return {
        "units": units,
        "left": len(left),
        "minutes_left": sum(m for _s, state, m in rows if state == UnitState.ISSUED),
        "left_value_cents": len(left) * carnet.unit_value_cents,
        "usable": carnet.status == CarnetStatus.ACTIVE and bool(left),
    }


def carnets_unused(*, prescriber, days: int, now: dt.datetime | None = None) -> QuerySet[Carnet]:
    """Carnets given at least `days` days ago of which nothing has been used yet."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    return (
        Carnet.objects.filter(
            prescriber=prescriber, status=CarnetStatus.ACTIVE, issued_at__lte=since
        )
        .exclude(units__state=UnitState.CONSUMED)
        .select_related("beneficiary", "program")
        .order_by("issued_at")
    )


def blocked_events(*, days: int = 30):
    """Vouchers blocked after repeated wrong codes, most recent first, for the operator."""
    since = timezone.now() - dt.timedelta(days=days)
    return (
        UnitEvent.objects.filter(kind=UnitEventKind.BLOCKED, at__gte=since)
        .select_related("unit", "unit__program", "organisation")
        .order_by("-at")
    )


def beneficiary_timeline_items(*, beneficiary) -> list[TimelineItem]:
    """A person's carnets and what happened to their units, for their page."""
    items = [
        TimelineItem(
            carnet.issued_at,
            f"Carnet {carnet.number} remis : {carnet.units_count} "
            f"{'heures' if carnet.program.is_hours else 'chèques'} de {carnet.program.name}",
        )
        for carnet in Carnet.objects.filter(beneficiary=beneficiary).select_related("program")
    ]
    events = (
        UnitEvent.objects.filter(unit__carnet__beneficiary=beneficiary)
        .exclude(kind=UnitEventKind.ISSUED)
        .select_related("unit", "organisation")
    )
    for event in events:
        where = f" — {event.organisation.name}" if event.organisation else ""
        items.append(
            TimelineItem(event.at, f"{event.unit.serial} {event.get_kind_display()}{where}")
        )
    return items


def beneficiary_activity(*, beneficiary_ids) -> list[tuple[int, int, dt.datetime]]:
    """(person, program, last carnet issued or unit used or given back) of these people."""
    issued = (
        Carnet.objects.filter(beneficiary_id__in=beneficiary_ids)
        .values("beneficiary_id", "program_id")
        .annotate(at=Max("issued_at"))
        .order_by()
    )
    used = (
        UnitEvent.objects.filter(
            unit__carnet__beneficiary_id__in=beneficiary_ids,
            kind__in=[UnitEventKind.CONSUMED, UnitEventKind.REVERSED],
        )
        .values("unit__carnet__beneficiary_id", "unit__carnet__program_id")
        .annotate(at=Max("at"))
        .order_by()
    )
    return [(row["beneficiary_id"], row["program_id"], row["at"]) for row in issued] + [
        (row["unit__carnet__beneficiary_id"], row["unit__carnet__program_id"], row["at"])
        for row in used
    ]


def beneficiary_export_items(*, beneficiary) -> dict:
    """A person's carnets, their units and what happened to them (right of access)."""
    carnets = Carnet.objects.filter(beneficiary=beneficiary).select_related("program", "prescriber")
    events = (
        UnitEvent.objects.filter(unit__carnet__beneficiary=beneficiary)
        .select_related("unit", "organisation")
        .order_by("at", "pk")
    )
    return {
        "carnets": [
            {
                "numéro": carnet.number,
                "programme": carnet.program.name,
                "remis par": carnet.prescriber.name,
                "remis le": carnet.issued_at.isoformat(),
                "unités": carnet.units_count,
                "valable jusqu'au": carnet.valid_until.isoformat(),
                "état": carnet.get_status_display(),
            }
            for carnet in carnets.order_by("pk")
        ],
        "chèques et heures": [
            {
                "date": event.at.isoformat(),
                "numéro": event.unit.serial,
                "événement": event.get_kind_display(),
                "structure": event.organisation.name if event.organisation else "",
            }
            for event in events
        ],
    }
