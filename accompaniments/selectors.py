import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from accompaniments.enums import SessionKind, SessionStatus
from accompaniments.models import Participant, SatisfactionSurvey, Session
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


AGENDA_DAYS = 90
AGENDA_MAX = 500


def workshops_agenda(
    *,
    place_ids: list[int] | None = None,
    departement_code: str = "",
    program_id: int | None = None,
    theme: str = "",
) -> list[Session]:
    """Collective workshops to come (the next 90 days, soonest first) for the public agenda:
    in the given places or département, of a program, on a theme (a session's themes or its
    track). Nothing about the participants or the mediator is read."""
    now = timezone.now()
    qs = Session.objects.filter(
        kind=SessionKind.COLLECTIVE,
        status=SessionStatus.PLANNED,
        starts_at__gte=now,
        starts_at__lt=now + dt.timedelta(days=AGENDA_DAYS),
    )
    if place_ids is not None:
        qs = qs.filter(place_id__in=place_ids)
    if departement_code:
        qs = qs.filter(place__commune_ref__departement_id=departement_code)
    if program_id:
        qs = qs.filter(program_id=program_id)
    workshops = list(
        qs.select_related("program", "place", "track").order_by("starts_at", "pk")[:AGENDA_MAX]
    )
    if theme:
        # JSON "contains" is not portable (SQLite): the list is short, filter it here.
        workshops = [w for w in workshops if theme in (w.themes or [])]
    return workshops


def workshops_agenda_choices() -> tuple[list[tuple[str, str]], list[tuple[int, str]]]:
    """The départements and programs that have workshops to come, for the agenda's filters."""
    now = timezone.now()
    rows = (
        Session.objects.filter(
            kind=SessionKind.COLLECTIVE,
            status=SessionStatus.PLANNED,
            starts_at__gte=now,
            starts_at__lt=now + dt.timedelta(days=AGENDA_DAYS),
        )
        .order_by()
        .values_list(
            "place__commune_ref__departement_id",
            "place__commune_ref__departement__name",
            "program_id",
            "program__name",
        )
        .distinct()
    )
    departements, programs = {}, {}
    for code, name, program_id, program_name in rows:
        if code:
            departements[code] = f"{name} ({code})"
        programs[program_id] = program_name
    return sorted(departements.items()), sorted(programs.items(), key=lambda item: item[1])


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


def beneficiary_activity(*, beneficiary_ids) -> list[tuple[int, int, dt.datetime]]:
    """(person, program, start of their last session booked) of these people."""
    rows = (
        Participant.objects.filter(beneficiary_id__in=beneficiary_ids)
        .values("beneficiary_id", "session__program_id")
        .annotate(at=Max("session__starts_at"))
        .order_by()
    )
    return [(row["beneficiary_id"], row["session__program_id"], row["at"]) for row in rows]


def beneficiary_participations(*, beneficiary, structures=None) -> QuerySet[Participant]:
    """A person's sessions, newest first; only those of `structures` when given."""
    participations = Participant.objects.filter(beneficiary=beneficiary).select_related(
        "session__structure", "session__place", "session__program"
    )
    if structures is not None:
        participations = participations.filter(session__structure__in=structures)
    return participations.order_by("-session__starts_at", "-pk")


def beneficiary_export_items(*, beneficiary) -> dict:
    """A person's sessions and end-of-path answers (right of access)."""
    return {
        "séances": [
            {
                "date": participant.session.starts_at.isoformat(),
                "titre": participant.session.title,
                "structure": participant.session.structure.name,
                "lieu": participant.session.place.nom,
                "programme": participant.session.program.name,
                "présence": participant.get_status_display(),
                "minutes utilisées": participant.consumed_minutes,
            }
            for participant in beneficiary_participations(beneficiary=beneficiary)
        ],
        "avis de fin de parcours": [
            {
                "date": survey.created_at.isoformat(),
                "programme": survey.program.name,
                "m'a aidé (1 à 4)": survey.helped,
                "plus à l'aise (1 à 4)": survey.confident,
                "je le conseillerais": survey.recommend,
            }
            for survey in SatisfactionSurvey.objects.filter(beneficiary=beneficiary)
            .select_related("program")
            .order_by("pk")
        ],
    }


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
