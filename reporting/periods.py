"""The period a dashboard covers: a month, a quarter, a year or custom dates, read in the
program's time zone (a day starts at midnight there)."""

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from core.timezones import local_today, zone_name
from reporting.enums import PeriodKind
from reporting.exceptions import ReportingError

MONTHS = [
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
]
MAX_CUSTOM_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    kind: str
    first_day: dt.date
    last_day: dt.date
    zone: str

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first_day, dt.time(), tzinfo=ZoneInfo(self.zone))

    @property
    def end(self) -> dt.datetime:
        """The first moment after the period (exclusive bound)."""
        day = self.last_day + dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(self.zone))

    @property
    def starts_on(self) -> dt.date:
        return self.first_day

    @property
    def ends_on(self) -> dt.date:
        return self.last_day

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def value(self) -> str:
        """The period as the dashboard's `valeur` parameter."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.first_day:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.first_day.year}-T{(self.first_day.month - 1) // 3 + 1}"
        if self.kind == PeriodKind.YEAR:
            return str(self.first_day.year)
        return ""

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{MONTHS[self.first_day.month - 1]} {self.first_day.year}"
        if self.kind == PeriodKind.QUARTER:
            quarter = (self.first_day.month - 1) // 3 + 1
            return f"{quarter}{'er' if quarter == 1 else 'e'} trimestre {self.first_day.year}"
        if self.kind == PeriodKind.YEAR:
            return f"année {self.first_day.year}"
        return f"du {self.first_day:%d/%m/%Y} au {self.last_day:%d/%m/%Y}"

    def query(self) -> dict[str, str]:
        """The GET parameters that give this period back (for links and exports)."""
        if self.kind == PeriodKind.CUSTOM:
            return {
                "periode": self.kind,
                "du": self.first_day.isoformat(),
                "au": self.last_day.isoformat(),
            }
        return {"periode": self.kind, "valeur": self.value}


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _date(text: str, field: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ReportingError(
            f"{name} : écrivez une date comme 2026-03-31 (année-mois-jour).", field=field
        ) from None


def period_parse(*, source, kind: str = "", value: str = "", first="", last="") -> Period:
    """The period asked in a page's parameters; by default the current month of `source`'s
    zone. Refuses what it cannot read with a French message naming the field."""
    zone = zone_name(source)
    today = local_today(zone)
    kind = kind or PeriodKind.MONTH
    value = (value or "").strip()
    if kind == PeriodKind.MONTH:
        if not value:
            value = f"{today:%Y-%m}"
        if not (match := re.fullmatch(r"(\d{4})-(\d{2})", value)) or not (1 <= int(match[2]) <= 12):
            raise ReportingError("Mois : écrivez-le comme 2026-03.", field="valeur")
        year, month = int(match[1]), int(match[2])
        return Period(kind, dt.date(year, month, 1), _month_end(year, month), zone)
    if kind == PeriodKind.QUARTER:
        if not value:
            value = f"{today.year}-T{(today.month - 1) // 3 + 1}"
        if not (match := re.fullmatch(r"(\d{4})-T([1-4])", value.upper())):
            raise ReportingError("Trimestre : écrivez-le comme 2026-T1 (T1 à T4).", field="valeur")
        year, quarter = int(match[1]), int(match[2])
        return Period(kind, dt.date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter), zone)
    if kind == PeriodKind.YEAR:
        value = value or str(today.year)
        if not re.fullmatch(r"\d{4}", value):
            raise ReportingError("Année : écrivez-la sur quatre chiffres, comme 2026.", "valeur")
        year = int(value)
        return Period(kind, dt.date(year, 1, 1), dt.date(year, 12, 31), zone)
    if kind == PeriodKind.CUSTOM:
        if not first or not last:
            raise ReportingError(
                "Période choisie : indiquez la date de début et la date de fin.",
                field="du" if not first else "au",
            )
        first_day = _date(first, "du", "Date de début")
        last_day = _date(last, "au", "Date de fin")
        if last_day < first_day:
            raise ReportingError("Date de fin : elle doit venir après la date de début.", "au")
        if (last_day - first_day).days >= MAX_CUSTOM_DAYS:
            raise ReportingError("Période choisie : trois ans au plus.", field="au")
        return Period(kind, first_day, last_day, zone)
    raise ReportingError("Période : choisissez mois, trimestre, année ou dates.", "periode")


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every month from `first`'s to `last`'s."""
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months
