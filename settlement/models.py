from django.conf import settings
from django.db import models
from django.db.models import Q

from settlement.enums import (
    BatchStatus,
    FunderDocumentKind,
    LineStatus,
    TransferStatus,
)


class Claim(models.Model):
    """What a structure claims from a program for a month: its priced lines of that month."""

    structure = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="claims"
    )
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    month = models.DateField("mois", help_text="Le premier jour du mois.")
    note = models.TextField("note de la structure", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "structure__name"]
        verbose_name = "demande de remboursement"
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "program", "month"], name="claim_one_per_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="claim_month_first_day"),
        ]

    def __str__(self):
        return f"{self.structure} — {self.program} — {self.month:%m/%Y}"


class PaymentBatch(models.Model):
    """Accepted lines up to a cut-off date, paid by one SEPA credit transfer file."""

    until = models.DateField("lignes jusqu'au")
    message_id = models.CharField(max_length=35, unique=True)
    status = models.CharField(
        max_length=10, choices=BatchStatus.choices, default=BatchStatus.GENERATED
    )
    total_cents = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "lot de paiement"
        constraints = [
            models.CheckConstraint(condition=Q(total_cents__gt=0), name="batch_total_positive"),
        ]

    def __str__(self):
        return f"Lot {self.message_id}"


class Transfer(models.Model):
    """One credit transfer to one structure in a batch; bank details copied at batch time."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="transfers")
    structure = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="transfers"
    )
    holder = models.CharField("titulaire", max_length=70)
    iban = models.CharField("IBAN", max_length=34)
    bic = models.CharField("BIC", max_length=11)
    amount_cents = models.BigIntegerField()
    end_to_end_id = models.CharField(max_length=35, unique=True)
    status = models.CharField(
        max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    reject_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["batch", "structure__name"]
        verbose_name = "virement"
        constraints = [
            models.UniqueConstraint(fields=["batch", "structure"], name="transfer_one_per_batch"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="transfer_positive"),
            models.CheckConstraint(
                condition=~Q(status=TransferStatus.REJECTED) | ~Q(reject_reason=""),
                name="transfer_rejection_has_reason",
            ),
        ]

    def __str__(self):
        return f"Virement {self.end_to_end_id} à {self.holder}"


class PricingLine(models.Model):
    """What one ledger event is worth to the structure that made it, priced when it happened:
    a voucher's face value, hours at the program's rate; a reversal is a negative line, never
    an edit. One line per event (database constraint); a line is paid by at most one
    transfer."""

    event = models.OneToOneField(
        "vouchers.UnitEvent", on_delete=models.PROTECT, related_name="pricing_line"
    )
    structure = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="pricing_lines"
    )
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    amount_cents = models.BigIntegerField()
    happened_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=LineStatus.choices, default=LineStatus.PRICED)
    review_reason = models.CharField("motif de la décision", max_length=300, blank=True)
    # Not indexed: no page looks lines up by reviewer, and each index costs every line's writes.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    contest_note = models.TextField("contestation de la structure", blank=True)
    claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    transfer = models.ForeignKey(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["happened_at", "pk"]
        verbose_name = "ligne de remboursement"
        # No index on status: PostgreSQL changes a line's status in place, without writing
        # to any index (a HOT update, in the room the table's fillfactor leaves), only when
        # no index holds the column: 500,000 lines controlled in seconds rather than a minute
        # (benchmarks/settlement.py). Lines are read by status for a whole batch, the
        # operator's summary and the lines to review, which scan the table.
        constraints = [
            models.CheckConstraint(
                condition=Q(transfer__isnull=True) | Q(status=LineStatus.ACCEPTED),
                name="line_paid_only_if_accepted",
            ),
            models.CheckConstraint(
                condition=~Q(status=LineStatus.REJECTED) | ~Q(review_reason=""),
                name="line_rejection_has_reason",
            ),
        ]

    def __str__(self):
        return f"Ligne {self.pk} : {self.amount_cents} c"


class FunderDocument(models.Model):
    """What a funder is asked to pay (its share of a batch; the operator's fees) or is given
    back (a credit note for units never used), in cents."""

    kind = models.CharField(max_length=12, choices=FunderDocumentKind.choices)
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    funder = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="funder_documents"
    )
    batch = models.ForeignKey(
        PaymentBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    number = models.CharField("numéro", max_length=30, unique=True)
    amount_cents = models.BigIntegerField()
    label = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "document de financeur"
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gte=0), name="document_not_negative"),
            models.UniqueConstraint(
                fields=["program", "funder"],
                condition=Q(kind=FunderDocumentKind.CREDIT_NOTE),
                name="credit_note_once_per_funder",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"
