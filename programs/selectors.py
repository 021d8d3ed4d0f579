import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from places.selectors import distance_km
from programs.enums import AgreementStatus, ApplicationStatus, CallStatus
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
    return (moment or timezone.now()).astimezone(ZoneInfo(program.time_zone))


def program_today(program: Program, now: dt.datetime | None = None) -> dt.date:
    return program_local(program, now).date()


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
