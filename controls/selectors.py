from django.db.models import Prefetch, QuerySet

from controls.models import ControlFinding
from settlement.enums import LineStatus
from settlement.models import PricingLine


def lines_to_review() -> QuerySet[PricingLine]:
    """The lines the controls held (or a structure contested) for the operator's decision,
    oldest first, with what a page shows: structure, program, unit and findings (a constant
    number of queries per page)."""
    return (
        PricingLine.objects.filter(status=LineStatus.SUSPICIOUS)
        .select_related("structure", "program", "event__unit")
        .prefetch_related(
            Prefetch("findings", queryset=ControlFinding.objects.order_by("verdict", "rule"))
        )
        .order_by("happened_at", "pk")
    )
