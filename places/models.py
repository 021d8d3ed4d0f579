"""Mediation places. Standard fields keep the standard's names so import and export map one to one;
only `id` (here `source_id`) and `source` (here `collected_by`) are renamed."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.timezones import commune_zone
from places.enums import ClaimStatus, LinkSource, MatchStatus, ReportStatus


class Place(models.Model):
    source = models.CharField("source de l'import", max_length=100)
    source_id = models.CharField("identifiant dans la source", max_length=200)
    pivot = models.CharField("SIRET ou RNA", max_length=14)
    nom = models.CharField("nom", max_length=250)
    commune = models.CharField("commune", max_length=150)
    code_postal = models.CharField("code postal", max_length=5)
    code_insee = models.CharField("code INSEE", max_length=5, blank=True)
    adresse = models.CharField("adresse", max_length=300)
    complement_adresse = models.CharField("complément d'adresse", max_length=300, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    coordinates_approximate = models.BooleanField(
        "position approximative (centre de la commune)", default=False
    )
    typologie = models.JSONField(default=list, blank=True)
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    courriels = models.JSONField(default=list, blank=True)
    site_web = models.JSONField(default=list, blank=True)
    horaires = models.TextField("horaires (format OpenStreetMap)", blank=True)
    horaires_valid = models.BooleanField(default=False)
    presentation_resume = models.CharField("présentation courte", max_length=280, blank=True)
    presentation_detail = models.TextField("présentation détaillée", blank=True)
    collected_by = models.CharField("structure collectant la donnée", max_length=200, blank=True)
    itinerance = models.JSONField(default=list, blank=True)
    structure_parente = models.CharField("structure parente", max_length=250, blank=True)
    # None: the source gave no date, or a meaningless one (1969-12-31).
    date_maj = models.DateField("date de mise à jour", null=True, blank=True)
    services = models.JSONField(default=list, blank=True)
    publics_specifiquement_adresses = models.JSONField(default=list, blank=True)
    prise_en_charge_specifique = models.JSONField(default=list, blank=True)
    frais_a_charge = models.JSONField(default=list, blank=True)
    dispositif_programmes_nationaux = models.JSONField(default=list, blank=True)
    formations_labels = models.JSONField(default=list, blank=True)
    autres_formations_labels = models.TextField(blank=True)
    modalites_acces = models.JSONField(default=list, blank=True)
    modalites_accompagnement = models.JSONField(default=list, blank=True)
    fiche_acces_libre = models.URLField(max_length=500, blank=True)
    prise_rdv = models.URLField(max_length=500, blank=True)

    accepts_pass_numerique = models.BooleanField(
        "accepte le Pass numérique (selon la source)",
        default=False,
        help_text="Label APTIC ou condition « Accepte le Pass numérique » du standard v0.1.",
    )

    commune_ref = models.ForeignKey(
        "territories.Commune",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="places",
        verbose_name="commune (référentiel)",
    )
    structure = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="places",
        verbose_name="structure de médiation",
    )
    # The source no longer lists this record (it is kept: orientations and sessions link to it).
    removed_from_source_at = models.DateTimeField("retiré de sa source le", null=True, blank=True)
    # Not shown in search nor exported: every source that listed the place has dropped it.
    closed = models.BooleanField("fermé ou plus référencé", default=False)
    # The same place from another source: this record is kept (provenance) and shown through
    # the public place it points to. Public places have none.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_records",
        verbose_name="fusionné dans",
    )
    # The standard's values as the source last gave them; the columns above are the public
    # values (merged with the other records of the same place and with local edits).
    record = models.JSONField(default=dict, blank=True)
    # Fields corrected on passnum by the structure or the operator, and when.
    local_edits = models.JSONField(default=dict, blank=True)
    local_edited_at = models.DateTimeField(null=True, blank=True)
    row_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["nom"]
        verbose_name = "lieu"
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="place_source_id_unique"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="place_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="place_longitude_range",
            ),
        ]
        indexes = [models.Index(fields=["latitude", "longitude"], name="place_lat_lon")]

    def __str__(self):
        return f"{self.nom} ({self.commune})"

    @property
    def public_id(self) -> str:
        return f"{self.source}:{self.source_id}"

    @property
    def time_zone(self) -> str:
        return commune_zone(self.code_insee or self.commune_ref_id)


class PlaceMatch(models.Model):
    """Two records of different sources that may be the same place, their score, and what was
    decided: merged automatically, waiting for the operator, or the operator's decision (kept
    and applied again at every import)."""

    place_a = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+")
    place_b = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    name_score = models.FloatField()
    address_score = models.FloatField(null=True, blank=True)
    distance_m = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=MatchStatus.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "doublon possible"
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(fields=["place_a", "place_b"], name="place_match_pair_unique"),
            models.CheckConstraint(
                condition=Q(place_a__lt=models.F("place_b")), name="place_match_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[MatchStatus.PENDING, MatchStatus.MERGED])
                | Q(decided_at__isnull=False),
                name="place_match_decision_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.place_a} / {self.place_b} ({self.get_status_display()})"

    @property
    def pair(self) -> tuple[Place, Place]:
        return self.place_a, self.place_b


class PlaceProgram(models.Model):
    """A place accepts a program's units: set by the operator, later by an agreement."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="program_links")
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="place_links"
    )
    link_source = models.CharField(max_length=10, choices=LinkSource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "programme accepté"
        constraints = [
            models.UniqueConstraint(fields=["place", "program"], name="place_program_unique"),
        ]

    def __str__(self):
        return f"{self.place} accepte {self.program}"


class PlaceErrorReport(models.Model):
    """Someone (often the public) says something is wrong on a place's page."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="error_reports")
    message = models.TextField("ce qui est faux")
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handling_note = models.TextField("suite donnée", blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "signalement d'erreur"
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ReportStatus.OPEN) | Q(handled_at__isnull=False),
                name="place_report_handled_has_date",
            ),
        ]

    def __str__(self):
        return f"Signalement sur {self.place} ({self.get_status_display()})"


class PlaceClaim(models.Model):
    """A structure says a place of the directory with no structure is theirs ("C'est notre
    lieu"); the operator approves (the place is then attached to it) or refuses with a reason."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="claims")
    structure = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="place_claims",
        verbose_name="structure",
    )
    message = models.TextField("message de la structure", blank=True)
    status = models.CharField(
        max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField("motif du refus", blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = "demande de rattachement d'un lieu"
        constraints = [
            models.UniqueConstraint(
                fields=["place"],
                condition=Q(status=ClaimStatus.PENDING),
                name="place_claim_one_pending",
                violation_error_message="Une demande de rattachement de ce lieu est déjà en attente.",
            ),
            models.CheckConstraint(
                condition=Q(status=ClaimStatus.PENDING) | Q(decided_at__isnull=False),
                name="place_claim_decided_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=ClaimStatus.REFUSED) | ~Q(refusal_reason=""),
                name="place_claim_refusal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.structure} demande le lieu {self.place} ({self.get_status_display()})"
