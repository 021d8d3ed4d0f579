from django.apps import AppConfig

from core import registry


class AccompanimentsConfig(AppConfig):
    name = "accompaniments"
    verbose_name = "Séances, ateliers et consommation des unités"

    def ready(self):
        from accompaniments.selectors import beneficiary_activity, beneficiary_export_items
        from accompaniments.views import beneficiary_section

        registry.contribute(registry.HOME_LINKS, "accompaniments")
        registry.contribute(registry.BENEFICIARY_SECTIONS, beneficiary_section)
        registry.contribute(registry.BENEFICIARY_ACTIVITY, beneficiary_activity)
        registry.contribute(registry.BENEFICIARY_EXPORT, beneficiary_export_items)
