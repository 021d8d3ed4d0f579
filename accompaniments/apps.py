from django.apps import AppConfig

from core import registry


class AccompanimentsConfig(AppConfig):
    name = "accompaniments"
    verbose_name = "Séances, ateliers et consommation des unités"

    def ready(self):
        registry.contribute(registry.HOME_LINKS, "accompaniments")
