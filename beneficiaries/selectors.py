from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accounts.models import Organisation
from beneficiaries.enums import OrientationStatus
from beneficiaries.models import Beneficiary, BeneficiaryStructure, Orientation
from core.registry import BENEFICIARY_TIMELINE, contributions
from core.text import normalize_search


def orientations_sent(*, prescriber: Organisation) -> QuerySet[Orientation]:
    return Orientation.objects.filter(prescriber=prescriber).select_related("place", "structure")


def orientations_received(*, structure: Organisation) -> QuerySet[Orientation]:
    return Orientation.objects.filter(structure=structure).select_related("place", "prescriber")


def orientations_waiting_count(*, structure: Organisation) -> int:
    return Orientation.objects.filter(structure=structure, status=OrientationStatus.SENT).count()


def beneficiaries_of(*, organisation: Organisation, query: str = "") -> QuerySet[Beneficiary]:
    """The people an organisation works with: those it registered, served as a structure, or
    that a prescriber oriented to it."""
    served = BeneficiaryStructure.objects.filter(structure=organisation).values("beneficiary_id")
    oriented = Orientation.objects.filter(structure=organisation, beneficiary__isnull=False).values(
        "beneficiary_id"
    )
    qs = Beneficiary.objects.filter(
        Q(prescriber=organisation) | Q(pk__in=served) | Q(pk__in=oriented)
    )
    words = normalize_search(query).split()
    for word in words:
        qs = qs.filter(search_name__contains=word)
    return qs.select_related("commune").order_by("last_name", "first_name")


def beneficiary_duplicates(
    *, organisation: Organisation, first_name: str, last_name: str, birth_date
) -> QuerySet[Beneficiary]:
    """Records this organisation can see with the same name (accents and case aside) and
    birth date."""
    return beneficiaries_of(organisation=organisation).filter(
        search_name=normalize_search(f"{last_name} {first_name}"), birth_date=birth_date
    )


@dataclass
class TimelineItem:
    at: object
    text: str


def beneficiary_timeline(*, beneficiary: Beneficiary) -> list[TimelineItem]:
    items = [
        TimelineItem(
            beneficiary.created_at,
            f"Inscription par {beneficiary.prescriber.name} "
            f"(accord donné {beneficiary.get_consent_method_display()})",
        )
    ]
    for diagnostic in beneficiary.diagnostics.select_related("program"):
        items.append(
            TimelineItem(
                diagnostic.created_at,
                f"Diagnostic {diagnostic.get_kind_display()} ({diagnostic.program.name}) : "
                f"{diagnostic.score}/{diagnostic.max_score}, niveau {diagnostic.get_level_display()}",
            )
        )
    for provider in contributions(BENEFICIARY_TIMELINE):
        items += provider(beneficiary=beneficiary)
    for orientation in beneficiary.orientations.select_related("place"):
        items.append(
            TimelineItem(
                orientation.created_at,
                f"Orientée vers {orientation.place.nom} ({orientation.get_status_display()})",
            )
        )
    return sorted(items, key=lambda item: item.at, reverse=True)
