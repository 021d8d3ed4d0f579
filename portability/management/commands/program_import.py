from pathlib import Path

from django.core.management.base import CommandError

from core.management.base import WetRunCommand
from portability.exceptions import PortabilityError
from portability.services import program_import


class Command(WetRunCommand):
    help = (
        "Charge un programme depuis une archive de program_export, après en avoir vérifié les "
        "sommes SHA-256 (simulation sans --wet-run)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("archive", help="Chemin de l'archive .zip.")

    def run(self, *args, **options):
        path = Path(options["archive"])
        if not path.is_file():
            raise CommandError(f"Archive introuvable : {path}.")
        try:
            report = program_import(content=path.read_bytes())
        except PortabilityError as error:
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(line)
