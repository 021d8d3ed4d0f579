from django.db import models


class OrientationStatus(models.TextChoices):
    SENT = "sent", "en attente"
    CAME = "came", "venue"
    NO_SHOW = "no_show", "pas venue"


class ConsentMethod(models.TextChoices):
    PAPER = "paper", "sur papier, signé"
    ORAL = "oral", "à l'oral, devant le conseiller"
    ONLINE = "online", "en ligne"


class DiagnosticKind(models.TextChoices):
    ENTRY = "entry", "à l'entrée"
    EXIT = "exit", "à la sortie"


class SkillAnswer(models.IntegerChoices):
    CANNOT = 0, "je ne sais pas"
    WITH_HELP = 1, "avec de l'aide"
    ALONE = 2, "seul"


class Level(models.TextChoices):
    BEGINNER = "beginner", "débutant"
    INTERMEDIATE = "intermediate", "intermédiaire"
    AUTONOMOUS = "autonomous", "presque autonome"


# The default diagnostic: everyday skills (a program may replace it with its own list).
DEFAULT_SKILLS = [
    ("device", "Allumer et utiliser un ordinateur ou une tablette"),
    ("smartphone", "Utiliser un smartphone (appels, applications)"),
    ("email", "Envoyer et lire des courriels"),
    ("web_search", "Chercher une information sur internet"),
    ("procedures", "Faire une démarche en ligne (CAF, impôts, ameli, France Travail)"),
    ("security", "Se protéger des arnaques et protéger ses données"),
    ("video_call", "Faire un appel vidéo"),
    ("documents", "Prendre en photo, enregistrer et envoyer un document"),
    ("payment", "Payer en ligne sans risque"),
    ("health", "Utiliser les services de santé en ligne (Mon espace santé, rendez-vous)"),
]

CONSENT_TEXT_VERSION = "2026-11"


class AuditAction(models.TextChoices):
    RECORD_READ = "beneficiary.read", "Fiche d'une personne lue"
    RECORD_UPDATED = "beneficiary.updated", "Fiche d'une personne corrigée"
    RECORD_EXPORTED = "beneficiary.exported", "Données d'une personne exportées (droit d'accès)"
    ANONYMISED = "beneficiary.anonymised", "Personne rendue anonyme (fin de conservation)"


# Program.retention_months for a person who never took part in a program.
RETENTION_MONTHS_DEFAULT = 36

# (first age above the band, label): the age at registration kept after anonymisation.
AGE_BANDS = (
    (18, "moins de 18"),
    (25, "18-24"),
    (35, "25-34"),
    (45, "35-44"),
    (55, "45-54"),
    (65, "55-64"),
    (75, "65-74"),
    (None, "75 et plus"),
)
ANONYMOUS_FIRST_NAME = "Personne"
ANONYMOUS_LAST_NAME = "anonymisée"
ERASED_TEXT = "(effacé)"
