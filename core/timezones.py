"""Every date and hour a person reads or types is in the zone of the program (or, for a place,
of its commune): this module is the one way to get there."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.templatetags.tz import datetimeobject
from django.utils import timezone

DEFAULT_ZONE = "Europe/Paris"
_OVERSEAS_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
}


# Each zone in plain French: the region a person picks it by, and the place its hour is named
# after (« heure de Paris », « heure de La Réunion »). Pages never print a zone's technical name.
_ZONE_WORDS = {
    "Europe/Paris": ("Métropole", "Paris"),
    "Indian/Reunion": ("La Réunion", "La Réunion"),
    "Indian/Mayotte": ("Mayotte", "Mayotte"),
    "America/Guadeloupe": ("Guadeloupe", "la Guadeloupe"),
    "America/Martinique": ("Martinique", "la Martinique"),
    "America/Cayenne": ("Guyane", "la Guyane"),
    "America/Miquelon": ("Saint-Pierre-et-Miquelon", "Saint-Pierre-et-Miquelon"),
    "America/St_Barthelemy": ("Saint-Barthélemy", "Saint-Barthélemy"),
    "America/Marigot": ("Saint-Martin", "Saint-Martin"),
}
PROGRAM_ZONES = (
    "Europe/Paris",
    "Indian/Reunion",
    "Indian/Mayotte",
    "America/Guadeloupe",
    "America/Martinique",
    "America/Cayenne",
)


def commune_zone(code: str | None) -> str:
    """The legal time of a commune, from its INSEE code (overseas départements differ)."""
    return _OVERSEAS_ZONES.get((code or "")[:3], DEFAULT_ZONE)


def zone_name(source) -> str:
    """A zone name, from a name or from anything that has a `time_zone` (program, session,
    carnet, place, beneficiary…)."""
    if isinstance(source, str):
        return source or DEFAULT_ZONE
    return getattr(source, "time_zone", None) or DEFAULT_ZONE


def zone_label(source) -> str:
    """The legal time of a zone (or of what has a `time_zone`) in plain French: « heure de
    La Réunion », « heure de Paris ». A zone not listed is named after its city."""
    name = zone_name(source)
    words = _ZONE_WORDS.get(name)
    place = words[1] if words else name.rsplit("/", 1)[-1].replace("_", " ")
    return f"heure de {place}"


def zone_choices(zones=PROGRAM_ZONES) -> list[tuple[str, str]]:
    """(zone, what a person reads) for a form: « Métropole (heure de Paris) »."""
    return [(zone, f"{_ZONE_WORDS[zone][0]} ({zone_label(zone)})") for zone in zones]


def local(moment: dt.datetime | None, source) -> dt.datetime | None:
    """The moment in the zone of `source`. Templates print it as it is (no second conversion
    to the server's zone)."""
    if moment is None:
        return None
    converted = moment.astimezone(ZoneInfo(zone_name(source)))
    result = datetimeobject(
        converted.year,
        converted.month,
        converted.day,
        converted.hour,
        converted.minute,
        converted.second,
        converted.microsecond,
        converted.tzinfo,
        fold=converted.fold,
    )
    result.convert_to_local_time = False
    return result


def local_now(source, now: dt.datetime | None = None) -> dt.datetime:
    return local(now or timezone.now(), source)


def local_today(source, now: dt.datetime | None = None) -> dt.date:
    return local_now(source, now).date()


def local_midnight(source, now: dt.datetime | None = None) -> dt.datetime:
    """The start of today in the zone of `source`."""
    return local_now(source, now).replace(hour=0, minute=0, second=0, microsecond=0)


def make_local(day: dt.date, time: dt.time, source) -> dt.datetime:
    """A date and an hour typed by a person, read in the zone of `source`."""
    return dt.datetime.combine(day, time, tzinfo=ZoneInfo(zone_name(source)))
