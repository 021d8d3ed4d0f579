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
