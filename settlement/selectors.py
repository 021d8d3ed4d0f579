import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from settlement.enums import LineStatus, TransferStatus
from settlement.models import Claim, FunderDocument, PaymentBatch, PricingLine, Transfer


def batches() -> QuerySet[PaymentBatch]:
    return PaymentBatch.objects.annotate(transfer_count=Count("transfers")).order_by("-created_at")


def batch_transfers(*, batch: PaymentBatch) -> QuerySet[Transfer]:
    return batch.transfers.select_related("structure").annotate(line_count=Count("lines"))


@dataclass(frozen=True)
class LineSummary:
    priced: int
    suspicious: int
    accepted_unpaid_cents: int
    rejected: int


def lines_summary() -> LineSummary:
    """What waits before the next batch, for the operator."""
    counts = PricingLine.objects.aggregate(
        priced=Count("pk", filter=Q(status=LineStatus.PRICED)),
        suspicious=Count("pk", filter=Q(status=LineStatus.SUSPICIOUS)),
        rejected=Count("pk", filter=Q(status=LineStatus.REJECTED)),
        due=Sum("amount_cents", filter=Q(status=LineStatus.ACCEPTED, transfer__isnull=True)),
    )
    return LineSummary(
        counts["priced"], counts["suspicious"], counts["due"] or 0, counts["rejected"]
    )


def claims_of(*, structure) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(structure=structure)
        .select_related("program")
        .annotate(
            total=Sum("lines__amount_cents"),
            line_count=Count("lines"),
            paid=Sum("lines__amount_cents", filter=Q(lines__transfer__status=TransferStatus.PAID)),
            held=Count(
                "lines",
                filter=Q(lines__status__in=[LineStatus.SUSPICIOUS, LineStatus.REJECTED]),
            ),
        )
        .order_by("-month", "program__name")
    )


def claim_lines(*, claim: Claim) -> QuerySet[PricingLine]:
    return claim.lines.select_related("event__unit", "program", "transfer").prefetch_related(
        "findings"
    )


def transfers_of(*, structure) -> QuerySet[Transfer]:
    return Transfer.objects.filter(structure=structure).select_related("batch")


def next_transfer_on(*, today: dt.date | None = None) -> dt.date:
    """Batches are built on the 5th of each month for the lines of the month before."""
    today = today or timezone.localdate()
    if today.day <= 5:
        return today.replace(day=5)
    following = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return following.replace(day=5)


def documents_of(*, funder) -> QuerySet[FunderDocument]:
    return FunderDocument.objects.filter(funder=funder).select_related("program", "batch")
