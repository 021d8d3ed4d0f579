from django.apps import AppConfig

from core import registry


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Programmes, financements et conventions"

    def ready(self):
        registry.contribute(registry.HOME_LINKS, "programs")
