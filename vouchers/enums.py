from django.db import models


class CarnetStatus(models.TextChoices):
    ACTIVE = "active", "actif"
    OPPOSED = "opposed", "en opposition (perdu ou volé)"
    EXPIRED = "expired", "expiré"


class Delivery(models.TextChoices):
    PAPER = "paper", "carnet papier imprimé"
    SMS = "sms", "par SMS"
    EMAIL = "email", "par courriel"


class UnitState(models.TextChoices):
    ISSUED = "issued", "disponible"
    CONSUMED = "consumed", "utilisé"
    EXPIRED = "expired", "expiré"
    CANCELLED = "cancelled", "annulé"
    REIMBURSED = "reimbursed", "remboursé à la structure"


class UnitEventKind(models.TextChoices):
    ISSUED = "issued", "remis"
    CONSUMED = "consumed", "utilisé"
    EXPIRED = "expired", "expiré"
    CANCELLED = "cancelled", "annulé (opposition)"
    REISSUED = "reissued", "remplacé par un nouveau carnet"
    WRONG_CODE = "wrong_code", "code faux saisi"
    BLOCKED = "blocked", "bloqué après des codes faux"
    REVERSED = "reversed", "rendu (présence corrigée)"
    REIMBURSED = "reimbursed", "remboursé à la structure"
