from core.management.base import WetRunCommand
from territories.services import communes_load


class Command(WetRunCommand):
    help = "Charge les régions, départements et communes (code INSEE, codes postaux, point de référence)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--departement",
            action="append",
            dest="departements",
            help="Ne charger que ce département (option répétable), par exemple 974.",
        )

    def run(self, *args, **options):
        report = communes_load(departements=options["departements"])
        self.stdout.write(
            f"Régions : {report.regions} ; départements : {report.departements} ; "
            f"communes créées : {report.communes_created}, mises à jour : "
            f"{report.communes_updated}, inchangées : {report.communes_unchanged}."
        )
