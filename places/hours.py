"""A week of opening hours typed in a grid (two ranges a day at most) as an OpenStreetMap
`opening_hours` value, the format of the national standard."""

import datetime as dt

from places.exceptions import PlacesError

OSM_DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
DAY_NAMES = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]

Week = list[list[tuple[dt.time, dt.time]]]


def _hhmm(value: dt.time) -> str:
    return value.strftime("%H:%M")


def check_week(week: Week) -> None:
    """Each range opens before it closes; the second range starts after the first ends."""
    for day, ranges in enumerate(week):
        for start, end in ranges:
            if start >= end:
                raise PlacesError(
                    f"Horaires du {DAY_NAMES[day]} : l'heure d'ouverture ({_hhmm(start)}) doit "
                    f"être avant l'heure de fermeture ({_hhmm(end)}).",
                    field=f"d{day}_close1",
                )
        if len(ranges) == 2 and ranges[1][0] < ranges[0][1]:
            raise PlacesError(
                f"Horaires du {DAY_NAMES[day]} : l'après-midi doit commencer après la fin du matin.",
                field=f"d{day}_open2",
            )


def week_to_osm(week: Week) -> str:
    """'Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00'; '' when no day has hours."""
    check_week(week)
    texts = [",".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in ranges) for ranges in week]
    rules, day = [], 0
    while day < 7:
        if not texts[day]:
            day += 1
            continue
        last = day
        while last + 1 < 7 and texts[last + 1] == texts[day]:
            last += 1
        days = OSM_DAYS[day] if last == day else f"{OSM_DAYS[day]}-{OSM_DAYS[last]}"
        rules.append(f"{days} {texts[day]}")
        day = last + 1
    return "; ".join(rules)
