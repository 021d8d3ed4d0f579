import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accompaniments.enums import ParticipantStatus, SessionKind, SessionStatus
from core.timezones import local


class Session(models.Model):
    """An individual session or a collective workshop given by a structure in one of its places."""

    uuid = models.UUIDField("identifiant stable", default=uuid.uuid4, unique=True, editable=False)
    structure = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="sessions"
    )
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="sessions")
    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="sessions"
    )
    kind = models.CharField(max_length=10, choices=SessionKind.choices)
    title = models.CharField("titre", max_length=150, blank=True)
    starts_at = models.DateTimeField("début")
    duration_minutes = models.PositiveIntegerField("durée (minutes)")
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="médiateur",
    )
    track = models.ForeignKey(
        "programs.Track", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    themes = models.JSONField("thèmes", default=list, blank=True)
    max_group_size = models.PositiveIntegerField(help_text="Copié du programme à la création.")
    capacity = models.PositiveIntegerField("places")
    seats_taken = models.PositiveIntegerField(default=0)
    anonymous_count = models.PositiveIntegerField("participants anonymes", default=0)
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = "séance"
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="session_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=F("max_group_size")),
                name="session_capacity_within_group_size",
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")), name="session_not_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(kind=SessionKind.COLLECTIVE) | Q(capacity=1),
                name="session_individual_is_one",
            ),
        ]

    def __str__(self):
        return self.title or f"{self.get_kind_display()} du {self.starts_local:%d/%m/%Y à %H:%M}"

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken

    @property
    def time_zone(self) -> str:
        return self.program.time_zone

    @property
    def starts_local(self):
        return local(self.starts_at, self.program)

    @property
    def ends_at(self):
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)


class Participant(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="participants")
    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.PROTECT, related_name="participations"
    )
    status = models.CharField(max_length=10, choices=ParticipantStatus.choices)
    waiting_position = models.PositiveIntegerField(null=True, blank=True)
    booked_by = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consumed_minutes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "waiting_position", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "beneficiary"], name="participant_once_per_session"
            ),
            models.UniqueConstraint(
                fields=["session", "waiting_position"],
                condition=Q(waiting_position__isnull=False),
                name="participant_waiting_position_unique",
            ),
            models.CheckConstraint(
                condition=Q(status=ParticipantStatus.WAITING, waiting_position__isnull=False)
                | (~Q(status=ParticipantStatus.WAITING) & Q(waiting_position__isnull=True)),
                name="participant_waiting_has_position",
            ),
        ]

    def __str__(self):
        return f"{self.beneficiary} — {self.session}"


class SatisfactionSurvey(models.Model):
    """Three questions at the end of the path, answered by the person (anonymous answers)."""

    beneficiary = models.ForeignKey(
        "beneficiaries.Beneficiary", on_delete=models.CASCADE, related_name="+"
    )
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    helped = models.PositiveSmallIntegerField("l'accompagnement m'a aidé (1 à 4)")
    confident = models.PositiveSmallIntegerField("je me sens plus à l'aise (1 à 4)")
    recommend = models.BooleanField("je le conseillerais à un proche")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "program"], name="survey_once"),
            models.CheckConstraint(
                condition=Q(helped__gte=1, helped__lte=4, confident__gte=1, confident__lte=4),
                name="survey_scale",
            ),
        ]

    def __str__(self):
        return f"Avis de {self.beneficiary} sur {self.program}"
