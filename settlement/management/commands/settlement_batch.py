import datetime as dt
from pathlib import Path

from django.core.management.base import CommandError

from core.management.base import WetRunCommand
from core.money import format_euros
from settlement.exports import batch_files_write
from settlement.services import batch_build


class Command(WetRunCommand):
    help = (
        "Prépare un lot de paiement : prix des consommations manquantes, contrôles, puis un "
        "virement par structure pour les lignes acceptées jusqu'à --until. Écrit le fichier SEPA, "
        "le tableau et les relevés dans --dir (par défaut lots/<identifiant du lot>). Relancé sur "
        "la même période, il ne paie rien de nouveau."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--until", required=True, help="Dernier jour payé, AAAA-MM-JJ.")
        parser.add_argument("--dir", default="", help="Dossier des fichiers du lot.")

    def run(self, *args, **options):
        try:
            until = dt.date.fromisoformat(options["until"])
        except ValueError as error:
            raise CommandError("--until : une date AAAA-MM-JJ, par exemple 2026-11-30.") from error
        outcome = batch_build(actor=None, until=until)
        for line in outcome.held_back:
            self.stdout.write(f"Gardé pour plus tard : {line}")
        batch = outcome.batch
        if batch is None:
            self.stdout.write("Rien de nouveau à payer jusqu'à cette date.")
            return
        transfers = batch.transfers.count()
        self.stdout.write(
            f"Lot {batch.message_id} : {transfers} virement{'s' if transfers > 1 else ''}, "
            f"{format_euros(batch.total_cents)}."
        )
        if not options["wet_run"]:
            return
        directory = Path(options["dir"] or Path("lots") / batch.message_id)
        for path in batch_files_write(batch=batch, directory=directory):
            self.stdout.write(str(path))
