"""A first payment batch, so that the operator sees one at once: the controls accept the
clean demo lines. Running it twice changes nothing."""

from django.utils import timezone

from settlement.models import PaymentBatch
from settlement.services import batch_build


def load(*, stdout) -> None:
    if PaymentBatch.objects.exists():
        return
    outcome = batch_build(actor=None, until=timezone.localdate())
    if outcome.batch:
        stdout.write(
            f"Premier lot de remboursement : {outcome.batch.message_id} "
            f"({outcome.batch.transfers.count()} virement)."
        )
