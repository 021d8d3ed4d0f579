from django.db.models import QuerySet

from accounts.models import Organisation
from beneficiaries.enums import OrientationStatus
from beneficiaries.models import Orientation


def orientations_sent(*, prescriber: Organisation) -> QuerySet[Orientation]:
    return Orientation.objects.filter(prescriber=prescriber).select_related("place", "structure")


def orientations_received(*, structure: Organisation) -> QuerySet[Orientation]:
    return Orientation.objects.filter(structure=structure).select_related("place", "prescriber")


def orientations_waiting_count(*, structure: Organisation) -> int:
    return Orientation.objects.filter(structure=structure, status=OrientationStatus.SENT).count()
