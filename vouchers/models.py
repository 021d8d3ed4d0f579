from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import AppendOnlyModel
from vouchers.enums import CarnetStatus, Delivery, UnitEventKind, UnitState


class SerialCounter(models.Model):
    """The continuous series of unit numbers of a program (CGCT R1611-8)."""

    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="serial_counter"
    )
    prefix = models.CharField(max_length=6, unique=True)
    next_number = models.PositiveBigIntegerField(default=1)
    next_carnet = models.PositiveBigIntegerField(default=1)

    def __str__(self):
        return f"{self.prefix} : {self.next_number}"


class Allowance(models.Model):
    """Units a person received in a program year, across every prescriber (by identity key)."""

    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    identity_key = models.CharField(max_length=64)
    year = models.PositiveIntegerField()
    units_issued = models.PositiveIntegerField(default=0)
    minutes_consumed = models.PositiveIntegerField(default=0)
    cap = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["identity_key"], name="allowance_identity")]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "identity_key", "year"], name="allowance_unique"
            ),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(units_issued__lte=F("cap")),
                name="allowance_within_cap",
            ),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(minutes_consumed__lte=F("cap") * 60),
                name="allowance_consumed_within_cap",
            ),
        ]

    def __str__(self):
        return f"{self.year} : {self.units_issued}/{self.cap}"


class Carnet(models.Model):
    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="carnets"
    )
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.PROTECT, related_name="carnets"
    )
    prescriber = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="carnets_issued"
    )
    track = models.ForeignKey(
        "programs.Track", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField("numéro de carnet", max_length=24, unique=True)
    units_count = models.PositiveIntegerField()
    unit_value_cents = models.PositiveIntegerField()
    program_year = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    valid_until = models.DateField("valable jusqu'au")
    accepted_until = models.DateField("accepté jusqu'au")
    delivery = models.CharField(max_length=6, choices=Delivery.choices)
    link_token_hash = models.CharField(max_length=64, unique=True)
    access_code_hash = models.CharField(max_length=64)
    status = models.CharField(
        max_length=8, choices=CarnetStatus.choices, default=CarnetStatus.ACTIVE
    )
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    access_failed_attempts = models.PositiveIntegerField(default=0)
    access_blocked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = "carnet"
        constraints = [
            models.CheckConstraint(condition=Q(units_count__gt=0), name="carnet_has_units"),
            models.CheckConstraint(
                condition=Q(accepted_until__gte=F("valid_until")), name="carnet_tolerance_after_end"
            ),
        ]

    def __str__(self):
        return f"Carnet {self.number}"

    @property
    def time_zone(self) -> str:
        return self.program.time_zone


class Unit(models.Model):
    carnet = models.ForeignKey(Carnet, on_delete=models.PROTECT, related_name="units")
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    serial = models.CharField("numéro", max_length=24, unique=True)
    position = models.PositiveIntegerField()
    code_hash = models.CharField(max_length=64)
    value_cents = models.PositiveIntegerField()
    minutes_left = models.PositiveIntegerField(default=60, help_text="Programmes en heures.")
    state = models.CharField(max_length=10, choices=UnitState.choices, default=UnitState.ISSUED)
    failed_attempts = models.PositiveIntegerField(default=0)
    blocked_until = models.DateTimeField(null=True, blank=True)
    consumed_at = models.DateTimeField(null=True, blank=True)
    consumed_by = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["carnet", "position"]
        verbose_name = "unité"
        constraints = [
            models.UniqueConstraint(fields=["carnet", "position"], name="unit_position_unique"),
            models.CheckConstraint(
                condition=Q(
                    state__in=[UnitState.CONSUMED, UnitState.REIMBURSED],
                    consumed_at__isnull=False,
                    consumed_by__isnull=False,
                )
                | (
                    ~Q(state__in=[UnitState.CONSUMED, UnitState.REIMBURSED])
                    & Q(consumed_at__isnull=True)
                ),
                name="unit_consumed_has_who_and_when",
            ),
        ]

    def __str__(self):
        return self.serial

    @property
    def time_zone(self) -> str:
        return self.program.time_zone


class UnitEvent(AppendOnlyModel):
    """Every change of a unit's state, never edited: who, when, why."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="events")
    # The unit's program and carnet, copied when the event is written (vouchers.ledger), so
    # that a period's events of a program are read from one index, without the units.
    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    carnet = models.ForeignKey(Carnet, on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(max_length=12, choices=UnitEventKind.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    minutes = models.PositiveIntegerField(default=0)
    amount_cents = models.BigIntegerField(
        default=0, help_text="Montant dû à la structure pour cette consommation."
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "événement d'unité"
        indexes = [
            # A program's uses (or expiries) of a period, with what the dashboards add up.
            models.Index(
                fields=["program", "kind", "at"],
                include=["carnet", "organisation", "amount_cents", "minutes"],
                name="unitevent_program_kind_at",
            )
        ]

    def __str__(self):
        return f"{self.unit} {self.kind}"


class CodeGuard(models.Model):
    """Wrong secret codes typed by one organisation, across every unit: trying many codes on
    many vouchers blocks the organisation for a while (the per-unit counter is on Unit)."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="code_guard"
    )
    failed_attempts = models.PositiveIntegerField(default=0)
    blocked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "garde des codes faux"

    def __str__(self):
        return f"{self.organisation} : {self.failed_attempts}"
