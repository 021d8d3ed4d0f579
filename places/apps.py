from django.apps import AppConfig

from core import registry


class PlacesConfig(AppConfig):
    name = "places"
    verbose_name = "Lieux de médiation numérique"

    def ready(self):
        registry.contribute(registry.HOME_LINKS, "places")
