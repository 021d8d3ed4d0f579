from django.db import models
from django.db.models import Q

from programs.enums import UnitKind


class Program(models.Model):
    """A digital-inclusion program that hands out units (vouchers or hours) on carnets."""

    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant court", max_length=80, unique=True)
    lead_funder = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="led_programs",
        verbose_name="financeur principal",
    )
    unit_kind = models.CharField(
        "type d'unité", max_length=8, choices=UnitKind.choices, default=UnitKind.MONEY
    )
    unit_value_cents = models.PositiveIntegerField(
        "valeur faciale d'un chèque (centimes)",
        default=1000,
        help_text="Pour les programmes en chèques ; 1000 = 10 €.",
    )
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin")
    time_zone = models.CharField("fuseau horaire", max_length=64, default="Europe/Paris")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = "programme"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="program_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(unit_value_cents__gt=0), name="program_unit_value_positive"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_hours(self) -> bool:
        return self.unit_kind == UnitKind.HOURS
