from django.core.management.base import BaseCommand
from django.db import transaction


class DryRunRollback(Exception):
    pass


class WetRunCommand(BaseCommand):
    """A command that writes only with --wet-run; without it, it runs and rolls back.

    Subclasses define `run(self, *args, **options)`.
    """

    def add_arguments(self, parser):
        parser.add_argument(
            "--wet-run",
            action="store_true",
            help="Écrit réellement dans la base (sans cette option : simulation).",
        )

    def handle(self, *args, **options):
        wet = options["wet_run"]
        if not wet:
            self.stdout.write("Simulation (aucune écriture) : ajoutez --wet-run pour écrire.")
        try:
            with transaction.atomic():
                self.run(*args, **options)
                if not wet:
                    raise DryRunRollback
        except DryRunRollback:
            pass
