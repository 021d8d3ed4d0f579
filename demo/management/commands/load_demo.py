from django.conf import settings
from django.core.management.base import CommandError
from django.test.utils import override_settings

from core.management.base import WetRunCommand
from demo import (
    accompaniments,
    accounts,
    beneficiaries,
    places,
    programs,
    settlement,
    vouchers,
)

# Each demo module has `load(*, stdout)`; order follows the dependencies between apps.
DEMO_MODULES = [accounts, places, programs, beneficiaries, vouchers, accompaniments, settlement]


class Command(WetRunCommand):
    help = "Crée les données de démonstration (organisations, comptes, lieux, programmes)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Autorise la commande quand DEBUG est désactivé (à éviter).",
        )

    def handle(self, *args, **options):
        # Demo notifications (invitations, decisions on calls) are not sent to anyone.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            super().handle(*args, **options)

    def run(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "Données de démonstration refusées hors développement (DEBUG désactivé)."
            )
        for module in DEMO_MODULES:
            module.load(stdout=self.stdout)
        self.stdout.write(accounts.accounts_summary())
