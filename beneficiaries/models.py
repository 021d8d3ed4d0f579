import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from beneficiaries.enums import ConsentMethod, DiagnosticKind, Level, OrientationStatus
from core.timezones import commune_zone


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
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orientations",
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

    @property
    def time_zone(self) -> str:
        return self.place.time_zone


class Beneficiary(models.Model):
    """A person a prescriber works with. Only what the programs need; visible to the prescriber
    that registered the person and to the structures that served them."""

    uuid = models.UUIDField("identifiant stable", default=uuid.uuid4, unique=True, editable=False)
    prescriber = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="beneficiaries",
        verbose_name="prescripteur",
    )
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    search_name = models.CharField(max_length=210, db_index=True)
    birth_date = models.DateField("date de naissance", null=True)
    age_band = models.CharField(
        "tranche d'âge", max_length=12, blank=True, help_text="Gardée après l'anonymisation."
    )
    anonymised_at = models.DateTimeField("rendue anonyme le", null=True, blank=True)
    identity_key = models.CharField(max_length=64, db_index=True)
    commune = models.ForeignKey(
        "territories.Commune", on_delete=models.PROTECT, related_name="+", verbose_name="commune"
    )
    phone = models.CharField("téléphone portable", max_length=20, blank=True)
    email = models.EmailField("adresse e-mail", blank=True)
    categories = models.JSONField("situation", default=list, blank=True)
    consent_text_version = models.CharField(max_length=20)
    consent_given_at = models.DateTimeField()
    consent_method = models.CharField(max_length=10, choices=ConsentMethod.choices)
    consent_collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = "bénéficiaire"
        constraints = [
            models.CheckConstraint(
                condition=~Q(consent_text_version=""), name="beneficiary_has_consent"
            ),
            models.CheckConstraint(
                condition=Q(birth_date__isnull=False) | Q(anonymised_at__isnull=False),
                name="beneficiary_birth_date_until_anonymised",
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def time_zone(self) -> str:
        return commune_zone(self.commune_id)


class BeneficiaryStructure(models.Model):
    """A structure served this person: it may then see their record."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="+")
    structure = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    first_served_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "structure"], name="beneficiary_structure_unique"
            ),
        ]

    def __str__(self):
        return f"{self.structure} a accompagné {self.beneficiary}"


class Diagnostic(models.Model):
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="diagnostics"
    )
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=5, choices=DiagnosticKind.choices)
    answers = models.JSONField("réponses")
    score = models.PositiveIntegerField()
    max_score = models.PositiveIntegerField()
    level = models.CharField(max_length=12, choices=Level.choices)
    recommended_units = models.PositiveIntegerField(null=True, blank=True)
    recommended_track = models.ForeignKey(
        "programs.Track", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chosen_units = models.PositiveIntegerField(null=True, blank=True)
    chosen_track = models.ForeignKey(
        "programs.Track", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    override_reason = models.TextField("raison du changement", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "diagnostic"
        constraints = [
            models.CheckConstraint(
                condition=Q(chosen_units=F("recommended_units"))
                | Q(chosen_units__isnull=True)
                | ~Q(override_reason=""),
                name="diagnostic_override_has_reason",
            ),
        ]

    def __str__(self):
        return f"Diagnostic {self.get_kind_display()} de {self.beneficiary}"
