from core.management.base import WetRunCommand
from vouchers.services import expiry_warnings_send, units_expire


class Command(WetRunCommand):
    help = (
        "Tâche quotidienne : expire les unités après leur date d'acceptation (le budget revient "
        "au programme) et prévient les financeurs à J-30."
    )

    def run(self, *args, **options):
        expired = units_expire()
        warned = expiry_warnings_send()
        self.stdout.write(f"Unités expirées : {expired} ; carnets signalés à J-30 : {warned}")
