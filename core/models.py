from django.conf import settings
from django.db import models

from core.exceptions import AppendOnlyError


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} n'accepte aucune modification.")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} n'accepte aucune suppression.")


class AppendOnlyModel(models.Model):
    """A row is written once; the database refuses UPDATE and DELETE too (see migrations)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} n'accepte aucune modification.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} n'accepte aucune suppression.")


class AuditEntry(AppendOnlyModel):
    """Who did what to which object, and when. Holds identifiers, never personal data."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="auteur",
    )
    action = models.CharField("action", max_length=64, db_index=True)
    object_type = models.CharField("type d'objet", max_length=64)
    object_id = models.CharField("identifiant de l'objet", max_length=64)
    organisation_id = models.BigIntegerField("organisation", null=True, blank=True, db_index=True)
    data = models.JSONField("détails", default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal d'audit"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class IdempotencyRecord(models.Model):
    """The first answer to a request made with a key; a replay gets the same answer.
    `fingerprint`: SHA-256 of the request the key was first used for (empty when the caller
    gives none); the same key sent with another request is refused."""

    organisation_id = models.BigIntegerField()
    key = models.CharField(max_length=100)
    scope = models.CharField(max_length=40)
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_id", "scope", "key"], name="idempotency_key_unique"
            ),
        ]

    def __str__(self):
        return f"{self.scope}:{self.key}"
