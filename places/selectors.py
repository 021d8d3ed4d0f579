import datetime as dt
import math
from dataclasses import dataclass, field

import opening_hours
from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from core.text import spreadsheet_safe
from core.timezones import commune_zone, local_now
from places import datainclusion
from places.enums import ClaimStatus, MatchStatus, ReportStatus
from places.models import Place, PlaceClaim, PlaceErrorReport, PlaceMatch, PlaceProgram
from places.standard import date_maj_or_last_change, export_row, parse_opening_hours

EARTH_RADIUS_KM = 6371.0
KM_PER_DEGREE = 111.32
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass
class PlaceFilters:
    services: list[str] = field(default_factory=list)
    publics: list[str] = field(default_factory=list)
    fees: list[str] = field(default_factory=list)
    support_modes: list[str] = field(default_factory=list)
    open_now: bool = False
    open_weekday: int | None = None
    program_id: int | None = None


@dataclass
class PlaceResult:
    """A place found by place_search; `place` (the columns a list shows) and `programs` are
    filled by with_places, for the results a page shows."""

    pk: int
    nom: str
    latitude: float
    longitude: float
    distance_km: float
    place: Place | None = None
    programs: list[str] = field(default_factory=list)


def _local_now(code: str, now: dt.datetime | None = None) -> dt.datetime:
    return local_now(commune_zone(code), now)


def place_local_now(place: Place, now: dt.datetime | None = None) -> dt.datetime:
    return _local_now(place.code_insee or place.commune_ref_id or "", now)


def _is_open(horaires: str, code: str, at: dt.datetime | None) -> bool | None:
    hours = parse_opening_hours(horaires)
    if hours is None:
        return None
    return hours.is_open(_local_now(code, at).replace(tzinfo=None))


def place_is_open(place: Place, *, at: dt.datetime | None = None) -> bool | None:
    """None when the hours are unknown or unreadable."""
    return _is_open(place.horaires, place.code_insee or place.commune_ref_id or "", at)


def _open_on_weekday(horaires: str, code: str, weekday: int, now: dt.datetime) -> bool:
    """Open at some time on that day of the coming seven days (seasons and holidays count)."""
    hours = parse_opening_hours(horaires)
    if hours is None:
        return False
    today = _local_now(code, now).date()
    day = today + dt.timedelta(days=(weekday - today.weekday()) % 7)
    start = dt.datetime.combine(day, dt.time())
    return any(
        state == opening_hours.State.OPEN
        for _b, _e, state, _c in hours.intervals(start, start + dt.timedelta(days=1))
    )


def _any(wanted: list[str], values: list[str]) -> bool:
    return not wanted or (isinstance(values, list) and any(value in values for value in wanted))


_LIST_COLUMNS = (
    "nom",
    "adresse",
    "code_postal",
    "commune",
    "latitude",
    "longitude",
    "services",
    "telephone",
)
# Filter group -> (column, PlaceFilters attribute).
_GROUP_COLUMNS = (
    ("services", "services"),
    ("publics_specifiquement_adresses", "publics"),
    ("frais_a_charge", "fees"),
    ("modalites_accompagnement", "support_modes"),
)


def place_search(
    *, latitude: float, longitude: float, radius_km: float, filters: PlaceFilters | None = None
) -> list[PlaceResult]:
    """Places within radius_km, nearest first (then by name, then by id). Within a filter group, a place
    matches if it has at least one of the chosen values. Only what a map needs is read here:
    with_places reads the rest for the results a page shows."""
    filters = filters or PlaceFilters()
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    qs = Place.objects.filter(
        closed=False,
        merged_into__isnull=True,
        latitude__range=(latitude - dlat, latitude + dlat),
        longitude__range=(longitude - dlon, longitude + dlon),
    ).order_by()
    if filters.program_id:
        qs = qs.filter(program_links__program_id=filters.program_id)
    groups = [
        (column, wanted) for column, name in _GROUP_COLUMNS if (wanted := getattr(filters, name))
    ]
    if groups and connection.features.supports_json_field_contains:
        for column, wanted in groups:
            any_of = Q()
            for value in wanted:
                any_of |= Q(**{f"{column}__contains": [value]})
            qs = qs.filter(any_of)
        groups = []
    hours = filters.open_now or filters.open_weekday is not None
    columns = ["pk", "nom", "latitude", "longitude", *(column for column, _ in groups)]
    if hours:
        columns += ["horaires", "code_insee", "commune_ref_id"]
    now = timezone.now()
    results: list[PlaceResult] = []
    for row in qs.values_list(*columns):
        pk, nom, lat, lon = row[:4]
        if not all(
            _any(wanted, values) for (_, wanted), values in zip(groups, row[4:], strict=False)
        ):
            continue
        if hours:
            horaires, insee, ref = row[-3:]
            code = insee or ref or ""
            if filters.open_now and not _is_open(horaires, code, now):
                continue
            if filters.open_weekday is not None and not _open_on_weekday(
                horaires, code, filters.open_weekday, now
            ):
                continue
        distance = distance_km(latitude, longitude, lat, lon)
        if distance <= radius_km:
            results.append(PlaceResult(pk, nom, lat, lon, distance))
    results.sort(key=lambda result: (result.distance_km, result.nom, result.pk))
    return results


def with_places(results: list[PlaceResult]) -> list[PlaceResult]:
    """The shown results with their place (the columns a list shows) and accepted programs."""
    places = Place.objects.only(*_LIST_COLUMNS).in_bulk([r.pk for r in results])
    names = accepted_program_names(place_ids=list(places))
    for result in results:
        result.place = places[result.pk]
        result.programs = names.get(result.pk, [])
    return results


def opening_hours_by_day(place: Place) -> list[tuple[str, list[tuple[dt.time, dt.time]]]]:
    """The opening hours of the coming seven days, Monday first, as (day name, intervals)."""
    hours = parse_opening_hours(place.horaires)
    today = place_local_now(place).date()
    monday = today - dt.timedelta(days=today.weekday())
    days: list[tuple[str, list]] = [(name, []) for name in WEEKDAYS]
    if hours is None:
        return days
    start = dt.datetime.combine(monday, dt.time())
    for begin, end, state, _comment in hours.intervals(start, start + dt.timedelta(days=7)):
        if state != opening_hours.State.OPEN:
            continue
        while begin < end:  # an interval past midnight shows on each day it covers
            midnight = dt.datetime.combine(begin.date() + dt.timedelta(days=1), dt.time())
            piece_end = min(end, midnight)
            end_time = dt.time(23, 59) if piece_end == midnight else piece_end.time()
            days[begin.weekday()][1].append((begin.time(), end_time))
            begin = piece_end
    return days


def _time_fr(value: dt.time) -> str:
    return f"{value.hour} h" if value.minute == 0 else f"{value.hour} h {value.minute:02d}"


def opening_hours_plain(place: Place) -> list[tuple[str, str]]:
    """('Lundi', '8 h 30 à 12 h, 14 h à 16 h 30') for each day; 'fermé' when closed."""
    return [
        (
            name.capitalize(),
            ", ".join(f"{_time_fr(a)} à {_time_fr(b)}" for a, b in intervals) or "fermé",
        )
        for name, intervals in opening_hours_by_day(place)
    ]


def public_places() -> QuerySet[Place]:
    """The places the public sees: open, and not merged into another one."""
    return Place.objects.filter(closed=False, merged_into__isnull=True)


def merged_sources() -> dict[int, list[str]]:
    """Public place id -> the names of every source that lists it, for places several
    sources list."""
    names: dict[int, set[str]] = {}
    for head, source, head_source in Place.objects.filter(merged_into__isnull=False).values_list(
        "merged_into_id", "source", "merged_into__source"
    ):
        names.setdefault(head, {head_source}).add(source)
    return {pk: sorted(values) for pk, values in names.items()}


def place_records(*, place: Place) -> list[Place]:
    """The source records of a public place: itself first, then the ones merged into it."""
    others = Place.objects.filter(merged_into=place).order_by("source", "source_id")
    return [place, *others]


def place_matches_pending() -> QuerySet[PlaceMatch]:
    """Pairs of records that may be the same place, waiting for the operator, best first."""
    return (
        PlaceMatch.objects.filter(status=MatchStatus.PENDING)
        .select_related("place_a", "place_b")
        .order_by("-score", "pk")
    )


def place_matches_merged(*, limit: int = 50) -> QuerySet[PlaceMatch]:
    """The latest automatic merges, which the operator may still split."""
    return (
        PlaceMatch.objects.filter(status=MatchStatus.MERGED)
        .select_related("place_a", "place_b")
        .order_by("-updated_at", "-pk")[:limit]
    )


def place_get_public(*, pk: int) -> Place | None:
    return Place.objects.select_related("commune_ref", "structure").filter(pk=pk).first()


def place_accepted_programs(*, place: Place) -> list:
    """The programs whose units the place accepts."""
    links = PlaceProgram.objects.filter(place=place).select_related("program")
    return [link.program for link in links.order_by("program__name")]


def programs_with_places() -> list[tuple[int, str]]:
    """(id, name) of the programs that at least one place accepts, for the search filter."""
    return list(
        PlaceProgram.objects.values_list("program_id", "program__name")
        .distinct()
        .order_by("program__name")
    )


def places_of_structure(*, structure) -> QuerySet[Place]:
    return Place.objects.filter(structure=structure).order_by("nom")


def accepted_program_names(*, place_ids=None) -> dict[int, list[str]]:
    """Names of the programs each place accepts, sorted; every place when place_ids is None."""
    links = PlaceProgram.objects.order_by("program__name")
    if place_ids is not None:
        links = links.filter(place_id__in=place_ids)
    names: dict[int, list[str]] = {}
    for place_id, program_name in links.values_list("place_id", "program__name"):
        names.setdefault(place_id, []).append(program_name)
    return names


def places_export_rows():
    """Every place as a row of the standard v1.0.2, streamed."""
    names = accepted_program_names()
    sources = merged_sources()
    for place in public_places().order_by("source", "source_id").iterator(chunk_size=2000):
        yield export_row(
            place, program_names=names.get(place.pk, []), sources=sources.get(place.pk)
        )


DI_FREE_TEXT = {"nom", "description", "adresse", "complement_adresse", "commune"}
DI_FREE_TEXT |= {"frais_precisions", "publics_precisions"}


def data_inclusion_rows(*, kind: str, link_base: str):
    """The public places as data·inclusion v1 structures or services, streamed. `link_base`
    is the site's address: each row links to the place's page."""
    for place in public_places().order_by("pk").iterator(chunk_size=2000):
        date_maj = date_maj_or_last_change(place)
        link = f"{link_base.rstrip('/')}{reverse('places:detail', args=[place.pk])}"
        if kind == "structures":
            yield datainclusion.structure_row(place, date_maj=date_maj, link=link)
        else:
            yield from datainclusion.service_rows(place, date_maj=date_maj, link=link)


def data_inclusion_csv_row(row: dict) -> dict:
    return {
        name: spreadsheet_safe(datainclusion.csv_value(value))
        if name in DI_FREE_TEXT
        else datainclusion.csv_value(value)
        for name, value in row.items()
    }


def error_reports_open() -> QuerySet[PlaceErrorReport]:
    return (
        PlaceErrorReport.objects.filter(status=ReportStatus.OPEN)
        .select_related("place")
        .order_by("created_at")
    )


def error_report_open_of(*, place: Place, pk: int) -> PlaceErrorReport | None:
    return PlaceErrorReport.objects.filter(pk=pk, place=place, status=ReportStatus.OPEN).first()


def error_reports_open_of_structure(*, structure) -> QuerySet[PlaceErrorReport]:
    """Reports waiting on the places a structure holds."""
    return error_reports_open().filter(place__structure=structure)


def place_claims_pending() -> QuerySet[PlaceClaim]:
    """Claims waiting for the operator, oldest first."""
    return (
        PlaceClaim.objects.filter(status=ClaimStatus.PENDING)
        .select_related("place", "structure", "requested_by")
        .order_by("requested_at")
    )


def place_claims_of(*, structure) -> QuerySet[PlaceClaim]:
    return PlaceClaim.objects.filter(structure=structure).select_related("place")


def place_pending_claim(*, place: Place) -> PlaceClaim | None:
    return (
        PlaceClaim.objects.filter(place=place, status=ClaimStatus.PENDING)
        .select_related("structure")
        .first()
    )


def places_without_structure(*, query: str, limit: int = 20) -> list[Place]:
    """Places of the directory no structure holds yet, whose name, address, commune or postal
    code has every word of the query."""
    words = query.split()
    if not words:
        return []
    places = public_places().filter(structure__isnull=True)
    for word in words:
        places = places.filter(
            Q(nom__icontains=word)
            | Q(adresse__icontains=word)
            | Q(commune__icontains=word)
            | Q(code_postal=word)
        )
    return list(places.order_by("commune", "nom")[:limit])


def places_page(
    *,
    filters: PlaceFilters | None = None,
    code_insee: str = "",
    code_postal: str = "",
    departement: str = "",
    after: int | None = None,
    limit: int = 100,
) -> tuple[list[Place], bool]:
    """One page of places in a stable order (the partner API's cursor): those after `after`,
    filtered by commune, postcode or département, and, within each filter group, places with
    at least one of the chosen values (as place_search). Returns the page and whether more
    places follow."""
    filters = filters or PlaceFilters()
    qs = Place.objects.order_by("pk")
    if after is not None:
        qs = qs.filter(pk__gt=after)
    if code_insee:
        qs = qs.filter(Q(code_insee=code_insee) | Q(code_insee="", commune_ref_id=code_insee))
    if code_postal:
        qs = qs.filter(code_postal=code_postal)
    if departement:
        qs = qs.filter(
            Q(code_insee__startswith=departement)
            | Q(code_insee="", commune_ref__departement_id=departement)
        )
    if filters.program_id:
        qs = qs.filter(program_links__program_id=filters.program_id)
    page: list[Place] = []
    for place in qs.iterator(chunk_size=500):
        if not (
            _any(filters.services, place.services)
            and _any(filters.publics, place.publics_specifiquement_adresses)
            and _any(filters.fees, place.frais_a_charge)
            and _any(filters.support_modes, place.modalites_accompagnement)
        ):
            continue
        page.append(place)
        if len(page) > limit:
            return page[:limit], True
    return page, False
