from beneficiaries.services import beneficiaries_anonymise
from core.management.base import WetRunCommand
from vouchers.services import expiry_warnings_send, units_expire


class Command(WetRunCommand):
    help = (
        "Tâche quotidienne : expire les unités après leur date d'acceptation (le budget revient "
        "au programme), prévient les financeurs à J-30 et rend anonymes les personnes dont la "
        "durée de conservation est passée."
    )

    def run(self, *args, **options):
        expired = units_expire()
        warned = expiry_warnings_send()
        anonymised = beneficiaries_anonymise()
        self.stdout.write(
            f"Unités expirées : {expired} ; carnets signalés à J-30 : {warned} ; "
            f"personnes rendues anonymes : {anonymised}"
        )
