from django.apps import AppConfig

from core import registry


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Tableaux de bord, exports et données ouvertes"

    def ready(self):
        registry.contribute(registry.HOME_LINKS, "reporting")
