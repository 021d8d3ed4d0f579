import threading

from django_tasks_db.management.commands import db_worker

from core.tasks import schedule_loop


class Command(db_worker.Command):
    help = (
        "Le processus des tâches de fond : envoie les SMS et courriels et lance les commandes "
        "planifiées (PASSNUM_SCHEDULE) quand elles sont dues ; les tâches attendent dans la base."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="schedule",
            help="Ne pas mettre en file les commandes planifiées (un seul processus suffit).",
        )
        parser.add_argument(
            "--schedule-interval",
            type=float,
            default=60,
            help="Secondes entre deux vérifications du planning (60 par défaut).",
        )

    def handle(self, *args, **options):
        if options.pop("schedule"):
            threading.Thread(
                target=schedule_loop,
                kwargs={"interval": options.pop("schedule_interval")},
                daemon=True,
                name="passnum-schedule",
            ).start()
        super().handle(*args, **options)
