from django.apps import AppConfig


class AccompanimentsConfig(AppConfig):
    name = "accompaniments"
    verbose_name = "Séances, ateliers et consommation des unités"
