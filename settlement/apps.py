from django.apps import AppConfig

from core import registry


class SettlementConfig(AppConfig):
    name = "settlement"
    verbose_name = "Remboursement des structures"

    def ready(self):
        from settlement.services import events_price

        registry.contribute(registry.HOME_LINKS, "settlement")
        registry.contribute(registry.LEDGER_EVENTS, events_price)
