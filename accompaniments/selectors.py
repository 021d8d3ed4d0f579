import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accompaniments.enums import SessionKind, SessionStatus
from accompaniments.models import Session
from beneficiaries.selectors import orientations_waiting_count
from core.timezones import local_midnight
from places.models import Place
from vouchers.enums import UnitEventKind
from vouchers.models import UnitEvent


def workshops_upcoming(*, place) -> QuerySet[Session]:
    """Collective workshops of a place still to come, for its public page."""
    return Session.objects.filter(
        place=place,
        kind=SessionKind.COLLECTIVE,
        status=SessionStatus.PLANNED,
        starts_at__gte=timezone.now(),
    ).select_related("program", "place")


def sessions_bookable(*, structure, program) -> QuerySet[Session]:
    """The structure's sessions of a program that still take people: today's and later."""
    start_of_day = local_midnight(program)
    return Session.objects.filter(
        structure=structure,
        program=program,
        status=SessionStatus.PLANNED,
        starts_at__gte=start_of_day,
    ).select_related("place", "program")[:20]


def sessions_today_of(*, structure) -> QuerySet[Session]:
    """The structure's sessions of today, in its zone (a voucher can be linked to one)."""
    zone = structure_time_zone(structure=structure)
    start_of_day = local_midnight(zone)
    return (
        Session.objects.filter(
            structure=structure,
            starts_at__gte=start_of_day,
            starts_at__lt=start_of_day + dt.timedelta(days=1),
        )
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("place", "program")
    )


def sessions_of(*, structure, days_back: int = 30) -> QuerySet[Session]:
    since = timezone.now() - dt.timedelta(days=days_back)
    return Session.objects.filter(structure=structure, starts_at__gte=since).select_related(
        "place", "program", "mediator"
    )


@dataclass
class Dashboard:
    today_sessions: list
    units_this_month: int
    minutes_this_month: int
    amount_due_cents: int
    orientations_waiting: int


def structure_time_zone(*, structure) -> str:
    """The zone of the structure's commune, or else of its places."""
    if structure.commune_id:
        return structure.time_zone
    place = Place.objects.filter(structure=structure).only("code_insee", "commune_ref").first()
    return place.time_zone if place else structure.time_zone


def structure_dashboard(*, structure, now: dt.datetime | None = None) -> Dashboard:
    start_of_day = local_midnight(structure_time_zone(structure=structure), now)
    month_start = start_of_day.replace(day=1)
    consumed = UnitEvent.objects.filter(
        organisation=structure, kind=UnitEventKind.CONSUMED, at__gte=month_start
    ).aggregate(units=Count("id"), minutes=Sum("minutes"), amount=Sum("amount_cents"))
    today = list(
        Session.objects.filter(
            structure=structure,
            starts_at__gte=start_of_day,
            starts_at__lt=start_of_day + dt.timedelta(days=1),
        )
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("place", "program")
    )
    return Dashboard(
        today_sessions=today,
        units_this_month=consumed["units"] or 0,
        minutes_this_month=consumed["minutes"] or 0,
        amount_due_cents=consumed["amount"] or 0,
        orientations_waiting=orientations_waiting_count(structure=structure),
    )


def sessions_needing_reminder(*, now: dt.datetime | None = None) -> QuerySet[Session]:
    now = now or timezone.now()
    return Session.objects.filter(
        status=SessionStatus.PLANNED,
        reminder_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + dt.timedelta(hours=48),
    )


def sessions_page(
    *, structure, program_slug: str = "", since=None, after: Session | None = None, limit: int
) -> tuple[list[Session], bool]:
    """A page of the structure's sessions by start then creation (the partner API's cursor:
    the last session of the page before). Returns the page and whether more follow."""
    qs = Session.objects.filter(structure=structure).select_related(
        "program", "place", "mediator", "track"
    )
    if program_slug:
        qs = qs.filter(program__slug=program_slug)
    if since is not None:
        qs = qs.filter(starts_at__date__gte=since)
    if after is not None:
        qs = qs.filter(
            Q(starts_at__gt=after.starts_at) | Q(starts_at=after.starts_at, pk__gt=after.pk)
        )
    page = list(qs.order_by("starts_at", "pk")[: limit + 1])
    return page[:limit], len(page) > limit
