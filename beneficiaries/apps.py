from django.apps import AppConfig

from core import registry


class BeneficiariesConfig(AppConfig):
    name = "beneficiaries"
    verbose_name = "Bénéficiaires et orientations"

    def ready(self):
        registry.contribute(registry.HOME_LINKS, "beneficiaries")
