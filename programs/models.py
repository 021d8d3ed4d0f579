import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accounts.validators import validate_rna, validate_siret
from programs.enums import (
    RETENTION_MONTHS_MAX,
    RETENTION_MONTHS_MIN,
    AgreementStatus,
    ApplicationStatus,
    AttachmentKind,
    CallStatus,
    FunderCategory,
    PublicCategory,
    UnitKind,
    ValidityMode,
)
from programs.validators import validate_bic, validate_iban


class Program(models.Model):
    """A digital-inclusion program that hands out units (vouchers or hours) on carnets.

    Budget counters are in cents and only move through services, by conditional updates:
    committed = value of units issued and still usable; consumed = value of units used;
    released = value given back by expiry or cancellation (it becomes available again)."""

    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant court", max_length=80, unique=True)
    lead_funder = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="led_programs",
        verbose_name="financeur principal",
    )
    departements = models.ManyToManyField(
        "territories.Departement", blank=True, related_name="programs", verbose_name="départements"
    )
    communes = models.ManyToManyField(
        "territories.Commune",
        blank=True,
        related_name="programs",
        verbose_name="communes (en plus des départements)",
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
    carnet_sizes = models.JSONField("tailles de carnet possibles", default=list)
    min_units_per_beneficiary = models.PositiveIntegerField(
        "minimum d'unités par personne", default=1
    )
    yearly_cap_units = models.PositiveIntegerField(
        "plafond d'unités par personne et par an", null=True, blank=True
    )
    max_group_size = models.PositiveIntegerField(
        "taille maximale d'un atelier collectif", default=5
    )
    validity_mode = models.CharField(
        "validité", max_length=10, choices=ValidityMode.choices, default=ValidityMode.FIXED_END
    )
    validity_end_on = models.DateField("date de fin de validité", null=True, blank=True)
    validity_tolerance_days = models.PositiveIntegerField(
        "délai de tolérance après la fin de validité (jours)", default=31
    )
    validity_months = models.PositiveIntegerField(
        "validité en mois après la remise", null=True, blank=True
    )
    target_beneficiaries_per_year = models.PositiveIntegerField(
        "objectif de personnes par an", default=0
    )
    hourly_rate_individual_cents = models.PositiveIntegerField(
        "remboursement d'une heure individuelle (centimes)", default=0
    )
    hourly_rate_collective_cents = models.PositiveIntegerField(
        "remboursement d'une heure d'atelier collectif, par participant (centimes)", default=0
    )
    operator_fee_purchase_bp = models.PositiveIntegerField(
        "frais de l'opérateur sur les achats (points de base ; 400 = 4 %)", default=0
    )
    operator_fee_per_place_cents = models.PositiveIntegerField(
        "frais annuels de l'opérateur par lieu (centimes)", default=0
    )
    diagnostic_questions = models.JSONField(
        "questions du diagnostic",
        default=list,
        blank=True,
        help_text="Liste de [clé, question] ; vide : les dix questions par défaut.",
    )
    min_weekly_opening_hours = models.PositiveIntegerField(
        "ouverture hebdomadaire minimale d'un lieu (heures)", default=24
    )
    min_age = models.PositiveSmallIntegerField(
        "âge minimum",
        null=True,
        blank=True,
        help_text="Vide : pas d'âge minimum. Par exemple 18 pour un programme réservé aux adultes.",
    )
    residence_required = models.BooleanField(
        "réservé aux habitants du territoire du programme", default=False
    )
    eligible_categories = models.JSONField(
        "publics admis",
        default=list,
        blank=True,
        help_text="Situations des personnes admises (vocabulaire des fiches des personnes) ; "
        "vide : tout le monde.",
    )
    entry_diagnostic_required = models.BooleanField(
        "diagnostic d'entrée obligatoire avant la remise d'un carnet", default=False
    )
    retention_months = models.PositiveSmallIntegerField(
        "durée de conservation des données des personnes (mois)",
        default=36,
        help_text="Après la fin du programme et ce nombre de mois sans activité, les données "
        "d'une personne sont rendues anonymes (les chiffres d'ensemble restent).",
    )
    funded_cents = models.BigIntegerField("budget financé", default=0)
    committed_cents = models.BigIntegerField("engagé (unités remises)", default=0)
    consumed_cents = models.BigIntegerField("consommé", default=0)
    reimbursed_cents = models.BigIntegerField("remboursé", default=0)
    released_cents = models.BigIntegerField("expiré ou annulé, rendu au budget", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = "programme"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="program_period_ordered",
                violation_error_message="La date de fin doit venir après la date de début.",
            ),
            models.CheckConstraint(
                condition=Q(unit_value_cents__gt=0), name="program_unit_value_positive"
            ),
            models.CheckConstraint(
                condition=Q(committed_cents__gte=0)
                & Q(consumed_cents__gte=0)
                & Q(reimbursed_cents__gte=0)
                & Q(released_cents__gte=0),
                name="program_counters_positive",
            ),
            models.CheckConstraint(
                condition=Q(committed_cents__lte=F("funded_cents") - F("consumed_cents")),
                name="program_issued_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(validity_mode=ValidityMode.MONTHS_AFTER_ISSUE, validity_months__gt=0)
                | Q(validity_mode=ValidityMode.FIXED_END, validity_end_on__isnull=False),
                name="program_validity_defined",
                violation_error_message=(
                    "Indiquez la date de fin de validité des unités, ou leur durée en mois "
                    "selon le mode de validité choisi."
                ),
            ),
            models.CheckConstraint(condition=Q(max_group_size__gt=0), name="program_group_size"),
            models.CheckConstraint(
                condition=Q(
                    retention_months__gte=RETENTION_MONTHS_MIN,
                    retention_months__lte=RETENTION_MONTHS_MAX,
                ),
                name="program_retention_range",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_hours(self) -> bool:
        return self.unit_kind == UnitKind.HOURS

    def unit_word(self, count: int = 2) -> str:
        """What a unit is called on a page a person reads: heure(s) or chèque(s)."""
        word = "heure" if self.is_hours else "chèque"
        return f"{word}s" if abs(count) > 1 else word

    def unit_agree(self, adjective: str, count: int = 2) -> str:
        """An adjective (masculine singular) agreed with unit_word: "utilisé" -> "utilisées"."""
        word = f"{adjective}e" if self.is_hours else adjective
        return f"{word}s" if abs(count) > 1 else word

    @property
    def unit_cost_cents(self) -> int:
        """What one unit costs the budget: its face value, or the individual hourly rate."""
        return self.hourly_rate_individual_cents if self.is_hours else self.unit_value_cents

    @property
    def available_cents(self) -> int:
        return self.funded_cents - self.committed_cents - self.consumed_cents

    @property
    def eligible_category_labels(self) -> list[str]:
        labels = dict(PublicCategory.choices)
        return [labels.get(value, value) for value in self.eligible_categories]


class Track(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="tracks")
    name = models.CharField("nom du parcours", max_length=120)
    themes = models.TextField("thèmes", blank=True)
    eligibility = models.TextField("qui peut en bénéficier", blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "parcours"
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="track_name_unique"),
        ]

    def __str__(self):
        return self.name


class FundingCommitment(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="commitments")
    funder = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="commitments"
    )
    category = models.CharField("type de financeur", max_length=20, choices=FunderCategory.choices)
    amount_cents = models.BigIntegerField("montant engagé (centimes)")
    share_cap_bp = models.PositiveIntegerField(
        "part maximale des unités utilisées (points de base ; 5000 = 50 %)",
        null=True,
        blank=True,
        help_text="Vide : pas de plafond. L'État : 50 % au plus des unités réellement utilisées.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "engagement de financement"
        constraints = [
            models.UniqueConstraint(fields=["program", "funder"], name="commitment_unique"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="commitment_positive"),
            models.CheckConstraint(
                condition=Q(share_cap_bp__isnull=True) | Q(share_cap_bp__lte=10000),
                name="commitment_cap_range",
            ),
        ]

    def __str__(self):
        return f"{self.funder} → {self.program}"


class PrescriberQuota(models.Model):
    """Units a funder allocates to a prescriber; issued can never pass allocated."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="quotas")
    prescriber = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="quotas"
    )
    units_allocated = models.PositiveIntegerField("unités attribuées")
    units_issued = models.PositiveIntegerField("unités remises", default=0)

    class Meta:
        verbose_name = "quota de prescripteur"
        constraints = [
            models.UniqueConstraint(fields=["program", "prescriber"], name="quota_unique"),
            models.CheckConstraint(
                condition=Q(units_issued__lte=F("units_allocated")), name="quota_not_exceeded"
            ),
        ]

    def __str__(self):
        return f"{self.prescriber} : {self.units_issued}/{self.units_allocated}"

    @property
    def units_left(self) -> int:
        return self.units_allocated - self.units_issued


class Call(models.Model):
    """A call for expressions of interest (AMI) to mediation structures."""

    uuid = models.UUIDField("identifiant stable", default=uuid.uuid4, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="calls")
    title = models.CharField("titre", max_length=200)
    text = models.TextField("texte de l'appel")
    opens_on = models.DateField("ouverture")
    closes_on = models.DateField("clôture")
    criteria = models.JSONField(
        "grille de notation", default=list, help_text="[{'label': ..., 'max_points': ...}]"
    )
    departements = models.ManyToManyField(
        "territories.Departement", blank=True, related_name="calls", verbose_name="départements"
    )
    status = models.CharField(max_length=10, choices=CallStatus.choices, default=CallStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on"]
        verbose_name = "appel à manifestation d'intérêt"
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")),
                name="call_period_ordered",
                violation_error_message="La clôture doit venir après l'ouverture.",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def max_score(self) -> int:
        return sum(int(c["max_points"]) for c in self.criteria)


class Application(models.Model):
    uuid = models.UUIDField("identifiant stable", default=uuid.uuid4, unique=True, editable=False)
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    structure = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="applications"
    )
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[validate_siret])
    rna = models.CharField("numéro RNA", max_length=10, blank=True, validators=[validate_rna])
    places = models.ManyToManyField("places.Place", blank=True, related_name="applications")
    new_places = models.TextField("lieux qui ne sont pas encore dans l'annuaire", blank=True)
    services = models.JSONField("services proposés", default=list)
    weekly_opening_hours = models.PositiveIntegerField("heures d'ouverture par semaine")
    iban = models.CharField("IBAN", max_length=34, validators=[validate_iban])
    bic = models.CharField("BIC", max_length=11, validators=[validate_bic])
    presentation = models.TextField("présentation de la structure", blank=True)
    status = models.CharField(
        max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    changes_message = models.TextField("modifications demandées", blank=True)
    refusal_reason = models.TextField("motif du refus", blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "candidature"
        constraints = [
            models.UniqueConstraint(
                fields=["call", "structure"],
                condition=~Q(status=ApplicationStatus.WITHDRAWN),
                name="application_one_live_per_structure",
            ),
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.REFUSED) | ~Q(refusal_reason=""),
                name="application_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(siret="") | ~Q(rna=""), name="application_has_identifier"
            ),
        ]

    def __str__(self):
        return f"Candidature de {self.structure} à {self.call}"


def attachment_path(instance, filename):
    return f"candidatures/{instance.application_id}/{filename}"


class ApplicationAttachment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField("type de pièce", max_length=20, choices=AttachmentKind.choices)
    file = models.FileField("fichier", upload_to=attachment_path)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "pièce jointe"

    def __str__(self):
        return f"{self.get_kind_display()} ({self.application})"


class Review(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scores = models.JSONField("notes par critère", default=list)
    total = models.PositiveIntegerField("total")
    comment = models.TextField("commentaire", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "évaluation"
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="review_unique"),
        ]

    def __str__(self):
        return f"Évaluation de {self.application} par {self.reviewer}"


class Agreement(models.Model):
    """The convention between a program and a structure, for some of its places."""

    uuid = models.UUIDField("identifiant stable", default=uuid.uuid4, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="agreements")
    structure = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="agreements"
    )
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="agreement"
    )
    places = models.ManyToManyField("places.Place", related_name="agreements")
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin")
    iban = models.CharField("IBAN", max_length=34)
    bic = models.CharField("BIC", max_length=11)
    status = models.CharField(
        max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.ACTIVE
    )
    status_reason = models.TextField("motif", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = "convention"
        constraints = [
            models.UniqueConstraint(
                fields=["program", "structure"],
                condition=~Q(status=AgreementStatus.TERMINATED),
                name="agreement_one_live_per_structure",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="agreement_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status=AgreementStatus.ACTIVE) | ~Q(status_reason=""),
                name="agreement_change_has_reason",
            ),
        ]

    def __str__(self):
        return f"Convention {self.program} — {self.structure}"
