from django.db import models


class UnitKind(models.TextChoices):
    MONEY = "money", "Chèques (montant en euros)"
    HOURS = "hours", "Heures d'accompagnement"


class ValidityMode(models.TextChoices):
    FIXED_END = "fixed_end", "Jusqu'à une date fixe (avec un délai de tolérance)"
    MONTHS_AFTER_ISSUE = "months", "Un nombre de mois après la remise du carnet"


class FunderCategory(models.TextChoices):
    STATE = "state", "État (ANCT)"
    REGION = "region", "Région"
    DEPARTEMENT = "departement", "Département"
    COMMUNE = "commune", "Commune ou intercommunalité"
    SOCIAL_SECURITY = "social_security", "Organisme social (CAF, MSA, CPAM, CARSAT, CGSS)"
    OTHER = "other", "Autre"


class CallStatus(models.TextChoices):
    DRAFT = "draft", "brouillon"
    PUBLISHED = "published", "publié"
    CLOSED = "closed", "clos"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "brouillon"
    SUBMITTED = "submitted", "déposée"
    CHANGES_REQUESTED = "changes_requested", "à compléter"
    ACCEPTED = "accepted", "acceptée"
    REFUSED = "refused", "refusée"
    WITHDRAWN = "withdrawn", "retirée"


class AgreementStatus(models.TextChoices):
    ACTIVE = "active", "active"
    SUSPENDED = "suspended", "suspendue"
    TERMINATED = "terminated", "résiliée"


class AttachmentKind(models.TextChoices):
    STATUTES = "statutes", "Statuts ou extrait Kbis"
    RIB = "rib", "Relevé d'identité bancaire (RIB)"
    INSURANCE = "insurance", "Attestation d'assurance"
    OTHER = "other", "Autre pièce"


class PublicCategory(models.TextChoices):
    """The situations a program may be reserved to (a person's "situation" on their record)."""

    SENIOR = "senior", "Personne âgée (plus de 60 ans)"
    JOB_SEEKER = "job_seeker", "Demandeur d'emploi"
    YOUNG_UNQUALIFIED = "young_unqualified", "Jeune sans qualification"
    ISOLATED_AREA = "isolated_area", "Habite une zone isolée"
    DISABILITY = "disability", "Situation de handicap"
    FOREIGN_LANGUAGE = "foreign_language", "Parle peu le français"
    LOW_INCOME = "low_income", "Faibles ressources (minima sociaux)"
    PRIORITY_AREA = "priority_area", "Habite un quartier prioritaire"


# How long a program keeps people's records after it ends and they were last accompanied:
# enough for public funders' controls, never for ever.
RETENTION_MONTHS_MIN = 12
RETENTION_MONTHS_MAX = 120
