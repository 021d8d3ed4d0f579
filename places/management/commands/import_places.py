from pathlib import Path

from django.core.management.base import CommandError

from core.management.base import WetRunCommand
from places.exceptions import PlacesError
from places.services import places_import_file


class Command(WetRunCommand):
    help = (
        "Importe un fichier de lieux au standard national (CSV ou JSON, v1.0.x ou v0.1.x). "
        "Simulation par défaut."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", help="Fichier CSV ou JSON")
        parser.add_argument(
            "--source",
            default="",
            help="Nom court et stable de la source (par défaut : le nom du fichier sans extension). "
            "Réimporter avec la même source met à jour les lieux au lieu de les dupliquer.",
        )
        parser.add_argument("--report", help="Fichier CSV où écrire les lignes rejetées")

    def run(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        try:
            report = places_import_file(path=path, source=options["source"])
        except PlacesError as error:
            raise CommandError(str(error)) from error
        if options["report"]:
            with open(options["report"], "w", newline="", encoding="utf-8") as stream:
                report.write_csv(stream)
        for row in report.rejected_rows[:20]:
            reasons = " ; ".join(f"{e.field} « {e.value} » : {e.rule}" for e in row.errors)
            self.stderr.write(f"ligne {row.line} rejetée — {reasons}")
        if report.rejected > 20:
            self.stderr.write(f"… et {report.rejected - 20} autres lignes rejetées.")
        self.stdout.write(report.summary())
