from django.db import models


class Verdict(models.TextChoices):
    OK = "ok", "conforme"
    SUSPICIOUS = "suspicious", "suspect"
    KO = "ko", "non conforme"


class Rule(models.TextChoices):
    """The code of each control rule (stored in ControlFinding.rule) and its name for people."""

    MANY_UNITS_ONE_DAY = (
        "MANY_UNITS_ONE_DAY",
        "plusieurs chèques ou heures d'un carnet le même jour",
    )
    OUTSIDE_AGREEMENT = "OUTSIDE_AGREEMENT", "hors convention"
    OUTSIDE_TERRITORY = "OUTSIDE_TERRITORY", "personne hors du territoire"
    HOURS_BEFORE_START = "HOURS_BEFORE_START", "heures notées avant la séance"
    MANY_STRUCTURES_IN_A_WEEK = "MANY_STRUCTURES_IN_A_WEEK", "plusieurs structures en une semaine"
    VOLUME_JUMP = "VOLUME_JUMP", "montant du mois inhabituel"
    SELF_ISSUED = "SELF_ISSUED", "carnet remis et utilisé par la même organisation"
