from django.conf import settings
from django.db import models

from reporting.enums import ContactStatus


class CarnetFollowUp(models.Model):
    """A prescriber's follow-up of a carnet given but not used yet: where the contact stands
    and the reminders sent (at most one a week, journaled)."""

    carnet = models.OneToOneField(
        "vouchers.Carnet", on_delete=models.CASCADE, related_name="follow_up"
    )
    status = models.CharField(
        "contact", max_length=12, choices=ContactStatus.choices, default=ContactStatus.TO_CONTACT
    )
    note = models.CharField("note", max_length=300, blank=True)
    reminders_sent = models.PositiveIntegerField("relances envoyées", default=0)
    last_reminder_at = models.DateTimeField("dernière relance", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "suivi d'un carnet non utilisé"

    def __str__(self):
        return f"Suivi du carnet {self.carnet_id} : {self.get_status_display()}"
