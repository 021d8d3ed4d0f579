from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Socle"

    def ready(self):
        from core.db import widen_out_of_range_integers

        connection_created.connect(widen_out_of_range_integers, dispatch_uid="passnum-int-widen")
