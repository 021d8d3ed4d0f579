from django.conf import settings
from django.db import models
from django.db.models import Q

from beneficiaries.enums import OrientationStatus


class Orientation(models.Model):
    """A prescriber sends a person to a place; the place's structure says whether they came."""

    prescriber = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="orientations_sent",
        verbose_name="prescripteur",
    )
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="orientations", verbose_name="lieu"
    )
    structure = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orientations_received",
        verbose_name="structure",
        help_text="La structure qui tenait le lieu au moment de l'orientation.",
    )
    person_name = models.CharField("nom de la personne", max_length=150)
    need = models.TextField("besoin")
    status = models.CharField(
        max_length=10, choices=OrientationStatus.choices, default=OrientationStatus.SENT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "orientation"
        constraints = [
            models.CheckConstraint(
                condition=Q(status=OrientationStatus.SENT) | Q(outcome_at__isnull=False),
                name="orientation_outcome_has_date",
            ),
        ]

    def __str__(self):
        return f"Orientation n° {self.pk} vers {self.place}"
