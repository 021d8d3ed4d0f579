import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Q, QuerySet

from core.timezones import local_now, local_today
from places.selectors import distance_km
from programs.enums import AgreementStatus, ApplicationStatus, CallStatus, ValidityMode
from programs.models import Agreement, Application, Call, FundingCommitment, Program
from territories.models import Commune


def programs_visible_to(*, organisations) -> QuerySet[Program]:
    """Operators see every program; a funder sees those it leads or funds."""
    if any(o.is_operator for o in organisations):
        return Program.objects.all()
    return Program.objects.filter(
        Q(lead_funder__in=organisations) | Q(commitments__funder__in=organisations)
    ).distinct()


@dataclass
class FundingShare:
    commitment: FundingCommitment
    callable_cents: int
    over_cap: bool
    share_percent: float


def programs_with_quota(*, prescriber) -> QuerySet[Program]:
    """The programs in which a prescriber may issue carnets (it holds a quota there)."""
    return Program.objects.filter(quotas__prescriber=prescriber).distinct().order_by("name")


def funding_shares(*, program: Program) -> list[FundingShare]:
    """How much each funder may be called for today: its commitment, and for a capped funder
    (the State) no more than its share of the value of units actually used."""
    shares = []
    for commitment in program.commitments.select_related("funder"):
        callable_cents = commitment.amount_cents
        if commitment.share_cap_bp is not None:
            cap = program.consumed_cents * commitment.share_cap_bp // 10000
            callable_cents = min(callable_cents, cap)
        shares.append(
            FundingShare(
                commitment,
                callable_cents,
                commitment.share_cap_bp is not None
                and commitment.amount_cents * 10000
                > commitment.share_cap_bp * program.funded_cents,
                100 * commitment.amount_cents / program.funded_cents if program.funded_cents else 0,
            )
        )
    return shares


def program_local(program: Program, moment: dt.datetime | None = None) -> dt.datetime:
    """A moment (now by default) in the program's time zone (Indian/Reunion for La Réunion)."""
    return local_now(program, moment)


def program_today(program: Program, now: dt.datetime | None = None) -> dt.date:
    return local_today(program, now)


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def unit_validity(program: Program, issued_on: dt.date) -> tuple[dt.date, dt.date]:
    """(valid until, still accepted until) of the units issued on a day."""
    if program.validity_mode == ValidityMode.MONTHS_AFTER_ISSUE:
        valid_until = add_months(issued_on, program.validity_months)
    else:
        valid_until = program.validity_end_on
    return valid_until, valid_until + dt.timedelta(days=program.validity_tolerance_days)


def program_last_acceptance_on(program: Program) -> dt.date:
    """The last day any unit of the program can be used: the acceptance date of the units
    issued on the program's last day (31 January N+1 for units valid to 31 December N)."""
    return unit_validity(program, program.ends_on)[1]


def agreement_last_day(agreement: Agreement, program: Program) -> dt.date:
    """An agreement that runs to the end of the program also covers the tolerance period of
    the program's units; one that ends earlier stops on its own date."""
    if agreement.ends_on >= program.ends_on:
        return max(agreement.ends_on, program_last_acceptance_on(program))
    return agreement.ends_on


def agreement_active(*, program: Program, structure, on: dt.date) -> bool:
    """The structure may use the program's units (and give its sessions) on this day."""
    agreement = (
        Agreement.objects.filter(
            program=program, structure=structure, status=AgreementStatus.ACTIVE, starts_on__lte=on
        )
        .only("status", "starts_on", "ends_on")
        .first()
    )
    return agreement_covers(agreement=agreement, program=program, on=on)


def agreement_covers(*, agreement: Agreement | None, program: Program, on: dt.date) -> bool:
    """The one rule of DOMAIN.md invariant 2, on the structure's agreement for the program
    already read (None: it has none): active, begun, and not past its last day."""
    return (
        agreement is not None
        and agreement.status == AgreementStatus.ACTIVE
        and agreement.starts_on <= on <= agreement_last_day(agreement, program)
    )


def agreements_not_terminated(*, program, structure) -> QuerySet[Agreement]:
    """The structure's agreements (active or suspended) for the program; `program` may be an
    OuterRef, for a query that reads this with other rows."""
    return Agreement.objects.filter(program=program, structure=structure).exclude(
        status=AgreementStatus.TERMINATED
    )


def agreement_exists(*, program: Program, structure) -> bool:
    """The structure has (or had, suspended) an agreement for the program, whatever its
    dates: it may try the program's vouchers at all."""
    return agreements_not_terminated(program=program, structure=structure).exists()


def programs_under_agreement(*, structure, on: dt.date | None = None) -> list[Program]:
    """Programs whose units the structure may use on this day (today in each program's zone)."""
    agreements = Agreement.objects.filter(
        structure=structure, status=AgreementStatus.ACTIVE
    ).select_related("program")
    return [
        agreement.program
        for agreement in agreements
        if agreement.starts_on
        <= (on or program_today(agreement.program))
        <= agreement_last_day(agreement, agreement.program)
    ]


def calls_open() -> list[Call]:
    """Published calls open today in their program's time zone."""
    calls = Call.objects.filter(status=CallStatus.PUBLISHED).select_related("program")
    return sorted(
        (c for c in calls if c.opens_on <= program_today(c.program) <= c.closes_on),
        key=lambda c: c.closes_on,
    )


def applications_ranked(*, call: Call) -> list[Application]:
    """The committee's view: submitted and decided applications, best average score first."""
    qs = (
        Application.objects.filter(call=call)
        .exclude(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])
        .select_related("structure")
        .annotate(average=Avg("reviews__total"), review_count=Count("reviews"))
    )
    return sorted(qs, key=lambda a: (a.average is None, -(a.average or 0), a.structure.name))


def program_territory_communes(*, program: Program) -> QuerySet[Commune]:
    return Commune.objects.filter(
        Q(departement__in=program.departements.all()) | Q(code__in=program.communes.all())
    ).distinct()


@dataclass
class CommuneCoverage:
    commune: Commune
    structures: list[str]
    nearest_km: float | None

    @property
    def covered(self) -> bool:
        return bool(self.structures)


def program_coverage(*, program: Program) -> list[CommuneCoverage]:
    """Each commune of the territory: structures under agreement there, and the distance from
    its reference point to the nearest place under agreement."""
    located = []
    for agreement in (
        program.agreements.filter(status=AgreementStatus.ACTIVE)
        .select_related("structure")
        .prefetch_related("places")
    ):
        for place in agreement.places.all():
            if place.latitude is not None:
                located.append((place, agreement.structure.name))
    rows = []
    for commune in program_territory_communes(program=program).order_by("name"):
        here = sorted({name for place, name in located if place.commune_ref_id == commune.code})
        nearest = None
        if located and commune.latitude is not None:
            nearest = min(
                distance_km(commune.latitude, commune.longitude, p.latitude, p.longitude)
                for p, _name in located
            )
        rows.append(CommuneCoverage(commune, here, nearest))
    return rows


def agreements_of(*, program: Program) -> QuerySet[Agreement]:
    return program.agreements.select_related("structure").prefetch_related("places")


def program_has_issued(*, program: Program) -> bool:
    """A carnet was issued in the program (its units reserved budget and quota at some time)."""
    if program.committed_cents or program.consumed_cents or program.released_cents:
        return True
    return program.quotas.filter(units_issued__gt=0).exists()
