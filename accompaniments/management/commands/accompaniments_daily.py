from accompaniments.services import reminders_send
from core.management.base import WetRunCommand


class Command(WetRunCommand):
    help = "Tâche quotidienne (à lancer chaque heure) : rappels 48 h avant les séances."

    def run(self, *args, **options):
        self.stdout.write(f"Rappels envoyés : {reminders_send()}")
