from django.core.management.base import CommandError

from accounts.enums import ApiScope
from accounts.exceptions import AccountsError
from accounts.models import Organisation
from accounts.services import api_key_create
from core.management.base import WetRunCommand


class Command(WetRunCommand):
    help = "Crée une clé d'API pour une organisation et l'affiche une seule fois."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("organisation", type=int, help="Identifiant de l'organisation")
        parser.add_argument("--name", default="clé d'API", help="Nom de la clé")
        parser.add_argument(
            "--scope",
            action="append",
            choices=ApiScope.values,
            dest="scopes",
            help=f"Droit de la clé, à répéter pour plusieurs (par défaut : "
            f"{ApiScope.UNITS_CONSUME.value})",
        )

    def run(self, *args, **options):
        organisation = Organisation.objects.filter(pk=options["organisation"]).first()
        if organisation is None:
            raise CommandError("Organisation introuvable.")
        scopes = options["scopes"] or [ApiScope.UNITS_CONSUME]
        try:
            record, key = api_key_create(
                actor=None, organisation=organisation, name=options["name"], scopes=scopes
            )
        except AccountsError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Clé pour {organisation.name} (à copier maintenant, elle ne sera plus affichée) :"
        )
        self.stdout.write(key)
        self.stdout.write(f"Droits : {', '.join(record.scopes)}")
