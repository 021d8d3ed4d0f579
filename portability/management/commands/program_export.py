from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portability.services import program_export
from programs.models import Program


class Command(BaseCommand):
    help = (
        "Écrit tout un programme dans une archive ZIP (CSV + JSON, manifeste des sommes "
        "SHA-256, README du format) pour le reprendre sur une autre instance."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Identifiant court du programme.")
        parser.add_argument("--out", required=True, help="Chemin de l'archive .zip à écrire.")
        parser.add_argument(
            "--pseudonymise",
            action="store_true",
            help="Remplace noms, prénoms, téléphones et courriels des personnes.",
        )

    def handle(self, *args, **options):
        program = Program.objects.filter(slug=options["slug"]).first()
        if program is None:
            raise CommandError(f"Programme inconnu : « {options['slug']} ».")
        archive = program_export(program=program, pseudonymise=options["pseudonymise"])
        path = Path(options["out"])
        path.write_bytes(archive.content)
        tables = archive.manifest["tables"]
        self.stdout.write(
            f"Archive écrite : {path} ({len(archive.content)} octets, {sum(tables.values())} "
            f"lignes dans {len(tables)} tables, clé des codes {archive.manifest['code_hash']['key_id']})."
        )
