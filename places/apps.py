from django.apps import AppConfig

from core import registry


class PlacesConfig(AppConfig):
    name = "places"
    verbose_name = "Lieux de médiation numérique"

    def ready(self):
        registry.contribute(registry.HOME_LINKS, "places")
        from places.services import places_from_declared

        registry.contribute(registry.ORGANISATION_VALIDATED, places_from_declared)
