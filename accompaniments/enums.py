from django.db import models


class SessionKind(models.TextChoices):
    INDIVIDUAL = "individual", "accompagnement individuel"
    COLLECTIVE = "collective", "atelier collectif"


class SessionStatus(models.TextChoices):
    PLANNED = "planned", "prévu"
    DONE = "done", "terminé"
    CANCELLED = "cancelled", "annulé"


class ParticipantStatus(models.TextChoices):
    BOOKED = "booked", "inscrit"
    WAITING = "waiting", "en liste d'attente"
    PRESENT = "present", "présent"
    EXCUSED = "excused", "excusé"
    ABSENT = "absent", "absent"


DURATION_PRESETS = [15, 30, 45, 60, 90, 120]


class ConsumeOutcome(models.TextChoices):
    CONSUMED = "consumed", "utilisé"
    VALID = "valid", "valable"
    ALREADY_USED = "already_used", "déjà utilisé"
    EXPIRED = "expired", "expiré"
    CANCELLED = "cancelled", "annulé"
    NOT_HERE = "not_here", "pas valable dans cette structure"
    WRONG_CODE = "wrong_code", "code faux"
    BLOCKED = "blocked", "bloqué"
    UNKNOWN = "unknown", "inconnu"
    CAP_REACHED = "cap_reached", "plafond atteint"
    NO_HOURS = "no_hours", "plus d'heures"
    GROUP_FULL = "group_full", "atelier complet"
