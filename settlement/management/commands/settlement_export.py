from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from settlement.exceptions import SettlementError
from settlement.exports import batch_files_write
from settlement.models import PaymentBatch


def batch_find(batch_id: str) -> PaymentBatch | None:
    """A batch by its message id (PASSNUM-…) or by its number."""
    batch_id = batch_id.strip()
    batch = PaymentBatch.objects.filter(message_id=batch_id).first()
    if batch is None and batch_id.isdigit():
        batch = PaymentBatch.objects.filter(pk=int(batch_id)).first()
    return batch


class Command(BaseCommand):
    help = (
        "Écrit à nouveau les fichiers d'un lot de paiement dans --dir : le fichier de virements "
        "SEPA pour la banque (sepa.xml), le détail des lignes (batch.csv) et un relevé PDF par "
        "structure payée. BATCH_ID est l'identifiant du lot (PASSNUM-…) ou son numéro. La "
        "commande ne fait qu'écrire des fichiers : elle ne change rien en base et n'envoie rien "
        "à la banque, c'est pourquoi elle n'a pas d'option --wet-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("batch_id", metavar="BATCH_ID", help="PASSNUM-… ou numéro du lot.")
        parser.add_argument(
            "--dir",
            dest="directory",
            required=True,
            metavar="DIR",
            help="Dossier où écrire les fichiers (créé s'il n'existe pas).",
        )

    def handle(self, *args, **options):
        batch = batch_find(options["batch_id"])
        if batch is None:
            raise CommandError(
                f"Lot inconnu : « {options['batch_id']} ». Donnez l'identifiant du lot "
                "(PASSNUM-AAAAMMJJ-…) ou son numéro."
            )
        try:
            paths = batch_files_write(batch=batch, directory=Path(options["directory"]))
        except SettlementError as error:
            raise CommandError(error.message) from error
        except OSError as error:
            raise CommandError(
                f"Impossible d'écrire dans {options['directory']} : {error.strerror or error}."
            ) from error
        for path in paths:
            self.stdout.write(str(path))
