from django.apps import AppConfig

from core import registry


class ControlsConfig(AppConfig):
    name = "controls"
    verbose_name = "Contrôles des lignes de remboursement"

    def ready(self):
        from controls.services import lines_check

        registry.contribute(registry.HOME_LINKS, "controls")
        registry.contribute(registry.LINE_CHECKS, lines_check)
