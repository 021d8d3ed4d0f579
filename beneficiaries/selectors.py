from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from accounts.models import Organisation
from beneficiaries.enums import OrientationStatus
from beneficiaries.models import Beneficiary, BeneficiaryStructure, Orientation
from core.models import AuditEntry
from core.registry import BENEFICIARY_EXPORT, BENEFICIARY_TIMELINE, contributions
from core.selectors import audit_action_label
from core.text import normalize_search
from places.selectors import programs_with_places
from programs.selectors import programs_with_quota


def orientations_sent(*, prescriber: Organisation) -> QuerySet[Orientation]:
    return Orientation.objects.filter(prescriber=prescriber).select_related("place", "structure")


def orientations_received(*, structure: Organisation) -> QuerySet[Orientation]:
    return Orientation.objects.filter(structure=structure).select_related("place", "prescriber")


def orientations_waiting_count(*, structure: Organisation) -> int:
    return Orientation.objects.filter(structure=structure, status=OrientationStatus.SENT).count()


def beneficiaries_of(*, organisation: Organisation, query: str = "") -> QuerySet[Beneficiary]:
    """The people an organisation works with: those it registered, served as a structure, or
    that a prescriber oriented to it. `record_open`: its members may open the person's record
    (registered or served: beneficiaries.perms.can_view_beneficiary); a person only oriented
    to a structure can be booked, and their record opens once they came."""
    served = BeneficiaryStructure.objects.filter(structure=organisation).values("beneficiary_id")
    oriented = Orientation.objects.filter(structure=organisation, beneficiary__isnull=False).values(
        "beneficiary_id"
    )
    qs = Beneficiary.objects.filter(
        Q(prescriber=organisation) | Q(pk__in=served) | Q(pk__in=oriented)
    ).annotate(
        record_open=ExpressionWrapper(
            Q(prescriber=organisation) | Q(pk__in=served), output_field=BooleanField()
        )
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


def beneficiary_export(*, beneficiary: Beneficiary) -> dict:
    """Everything the platform holds about a person (right of access): the record, consent,
    diagnostics, orientations, what the other apps hold (BENEFICIARY_EXPORT), and which
    organisations read or changed the record, when."""
    data = {
        "personne": {
            "numéro": beneficiary.pk,
            "prénom": beneficiary.first_name,
            "nom": beneficiary.last_name,
            "date de naissance": beneficiary.birth_date.isoformat()
            if beneficiary.birth_date
            else None,
            "tranche d'âge": beneficiary.age_band or None,
            "commune": beneficiary.commune.label,
            "téléphone": beneficiary.phone,
            "adresse e-mail": beneficiary.email,
            "situation": beneficiary.categories,
            "prescripteur": beneficiary.prescriber.name,
            "inscrite le": beneficiary.created_at.isoformat(),
            "rendue anonyme le": beneficiary.anonymised_at.isoformat()
            if beneficiary.anonymised_at
            else None,
        },
        "accord": {
            "notice": beneficiary.consent_text_version,
            "donné le": beneficiary.consent_given_at.isoformat(),
            "comment": beneficiary.get_consent_method_display(),
        },
        "diagnostics": [
            {
                "date": diagnostic.created_at.isoformat(),
                "programme": diagnostic.program.name,
                "type": diagnostic.get_kind_display(),
                "réponses": diagnostic.answers,
                "score": f"{diagnostic.score}/{diagnostic.max_score}",
                "niveau": diagnostic.get_level_display(),
                "unités choisies": diagnostic.chosen_units,
                "raison du changement": diagnostic.override_reason,
            }
            for diagnostic in beneficiary.diagnostics.select_related("program").order_by("pk")
        ],
        "orientations": [
            {
                "date": orientation.created_at.isoformat(),
                "prescripteur": orientation.prescriber.name,
                "lieu": orientation.place.nom,
                "besoin": orientation.need,
                "venue": orientation.get_status_display(),
            }
            for orientation in beneficiary.orientations.select_related(
                "prescriber", "place"
            ).order_by("pk")
        ],
    }
    for provider in contributions(BENEFICIARY_EXPORT):
        data |= provider(beneficiary=beneficiary)
    entries = AuditEntry.objects.filter(
        object_type="beneficiaries.beneficiary", object_id=str(beneficiary.pk)
    ).order_by("at", "pk")
    names = dict(
        Organisation.objects.filter(
            pk__in={entry.organisation_id for entry in entries if entry.organisation_id}
        ).values_list("pk", "name")
    )
    data["consultations et changements"] = [
        {
            "date": entry.at.isoformat(),
            "action": audit_action_label(entry.action),
            "organisation": names.get(entry.organisation_id, ""),
        }
        for entry in entries
    ]
    return data


def beneficiary_program(*, beneficiary: Beneficiary):
    """The program the person follows: that of their latest diagnostic, else the only program
    in which their prescriber issues carnets; None when it cannot be told."""
    diagnostic = (
        beneficiary.diagnostics.select_related("program").order_by("-created_at", "-pk").first()
    )
    if diagnostic is not None:
        return diagnostic.program
    programs = list(programs_with_quota(prescriber=beneficiary.prescriber)[:2])
    return programs[0] if len(programs) == 1 else None


def orientation_search_query(*, beneficiary: Beneficiary) -> str:
    """The query string of the place search that orients this person: around their commune,
    among the places that accept their program (when some place does), carrying the person
    so that the orientation form opens with them selected."""
    params = {"commune": beneficiary.commune_id, "radius": 20}
    program = beneficiary_program(beneficiary=beneficiary)
    if program is not None and program.pk in {pk for pk, _name in programs_with_places()}:
        params["program"] = program.pk
    params["personne"] = beneficiary.pk
    return urlencode(params)
