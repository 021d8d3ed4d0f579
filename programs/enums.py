from django.db import models


class UnitKind(models.TextChoices):
    MONEY = "money", "Chèques (montant en euros)"
    HOURS = "hours", "Heures d'accompagnement"
