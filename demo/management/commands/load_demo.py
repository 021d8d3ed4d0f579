import datetime as dt
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.test.utils import override_settings
from django.utils import timezone

from core.management.base import WetRunCommand
from demo import (
    accompaniments,
    accounts,
    activity,
    beneficiaries,
    clock,
    places,
    programs,
    vouchers,
)

# Each demo module has `load(*, stdout)`; order follows the dependencies between apps. The
# first ones are set up on the program year's second day, the year's activity follows, then
# the few people and sessions of today.
YEAR_START_MODULES = [accounts, places, programs]
DEMO_MODULES = [beneficiaries, vouchers, accompaniments, activity]


class Command(WetRunCommand):
    help = "Crée les données de démonstration (organisations, comptes, lieux, programmes)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Autorise la commande quand DEBUG est désactivé (à éviter).",
        )
        parser.add_argument(
            "--without-activity",
            action="store_true",
            help="Sans l'année d'activité des deux programmes : comptes, lieux, programmes et "
            "quelques personnes seulement (plus rapide, pour les tests de pages).",
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
        started = time.monotonic()
        year_start = dt.datetime(timezone.localdate().year, 1, 2, 9, tzinfo=dt.UTC)
        # Under DEBUG, Django keeps every query with its parameters (on SQLite, one more query
        # each to quote them): the demo's tens of thousands of queries need none of that.
        with override_settings(DEBUG=False):
            with clock.at(year_start):
                for module in YEAR_START_MODULES:
                    module.load(stdout=self.stdout)
            for module in DEMO_MODULES:
                if module is activity and options["without_activity"]:
                    continue
                module.load(stdout=self.stdout)
        self.stdout.write(accounts.accounts_summary())
        self.stdout.write(f"Données de démonstration prêtes en {time.monotonic() - started:.1f} s.")
