from django.db import models


class LineStatus(models.TextChoices):
    PRICED = "priced", "à contrôler"
    SUSPICIOUS = "suspicious", "à vérifier par l'opérateur"
    ACCEPTED = "accepted", "accepté"
    REJECTED = "rejected", "refusé"


class BatchStatus(models.TextChoices):
    GENERATED = "generated", "préparé"
    SENT = "sent", "envoyé à la banque"
    PAID = "paid", "payé"


class TransferStatus(models.TextChoices):
    PENDING = "pending", "à payer"
    PAID = "paid", "payé"
    REJECTED = "rejected", "rejeté par la banque"


class FunderDocumentKind(models.TextChoices):
    CALL = "call", "appel de fonds"
    FEES = "fees", "facture des frais de l'opérateur"
    CREDIT_NOTE = "credit_note", "avoir (unités non utilisées)"
