from django.utils import timezone

from accounts.models import Organisation
from beneficiaries.enums import OrientationStatus
from beneficiaries.exceptions import BeneficiariesError
from beneficiaries.models import Orientation
from core.services import audit_record


def orientation_create(
    *, actor, prescriber: Organisation, place, person_name: str, need: str
) -> Orientation:
    if not prescriber.is_prescriber:
        raise BeneficiariesError("Seul un prescripteur peut orienter une personne.")
    person_name, need = person_name.strip(), need.strip()
    if not person_name or not need:
        raise BeneficiariesError("Indiquez le nom de la personne et son besoin.")
    orientation = Orientation.objects.create(
        prescriber=prescriber,
        place=place,
        structure=place.structure,
        person_name=person_name,
        need=need,
        created_by=actor,
    )
    audit_record(
        actor=actor, action="orientation.created", obj=orientation, organisation_id=prescriber.pk
    )
    return orientation


def orientation_record_outcome(*, actor, orientation: Orientation, came: bool) -> Orientation:
    """The structure says whether the person came. Only once, from the waiting state."""
    status = OrientationStatus.CAME if came else OrientationStatus.NO_SHOW
    updated = Orientation.objects.filter(pk=orientation.pk, status=OrientationStatus.SENT).update(
        status=status, outcome_by=actor, outcome_at=timezone.now()
    )
    if not updated:
        raise BeneficiariesError("La venue de cette personne a déjà été indiquée.")
    audit_record(
        actor=actor,
        action="orientation.outcome",
        obj=orientation,
        organisation_id=orientation.structure_id,
        data={"status": status},
    )
    orientation.refresh_from_db()
    return orientation
