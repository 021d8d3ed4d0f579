from django.apps import AppConfig

from core import registry


class BeneficiariesConfig(AppConfig):
    name = "beneficiaries"
    verbose_name = "Bénéficiaires et orientations"

    def ready(self):
        from beneficiaries.enums import AuditAction

        registry.contribute(registry.HOME_LINKS, "beneficiaries")
        registry.contribute(registry.AUDIT_ACTIONS, AuditAction)
