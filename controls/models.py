from django.db import models

from controls.enums import Verdict


class ControlFinding(models.Model):
    """What one control rule says of a line, with a reason code and a French explanation."""

    line = models.ForeignKey(
        "settlement.PricingLine", on_delete=models.CASCADE, related_name="findings"
    )
    rule = models.CharField(max_length=40)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    explanation = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["line", "rule"]
        verbose_name = "résultat de contrôle"
        constraints = [
            models.UniqueConstraint(fields=["line", "rule"], name="finding_once_per_rule"),
        ]

    def __str__(self):
        return f"{self.rule} : {self.verdict}"
