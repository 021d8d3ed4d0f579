from django.db import models


class PeriodKind(models.TextChoices):
    MONTH = "mois", "un mois"
    QUARTER = "trimestre", "un trimestre"
    YEAR = "annee", "une année"
    CUSTOM = "dates", "des dates choisies"


class ContactStatus(models.TextChoices):
    TO_CONTACT = "to_contact", "à contacter"
    REMINDED = "reminded", "relancée"
    REACHED = "reached", "jointe, elle va venir"
    UNREACHABLE = "unreachable", "injoignable"
    DECLINED = "declined", "ne souhaite plus venir"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"
