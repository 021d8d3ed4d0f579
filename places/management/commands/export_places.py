import contextlib
import csv
import json
import sys

from django.core.management.base import BaseCommand

from places.selectors import places_export_rows
from places.standard import FIELDS_V1


class Command(BaseCommand):
    help = "Exporte tous les lieux au standard national v1.0.2 (CSV ou JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", help="Fichier de sortie (par défaut : la sortie standard)")

    def handle(self, *args, **options):
        with contextlib.ExitStack() as stack:
            stream = sys.stdout
            if options["output"]:
                stream = stack.enter_context(
                    open(options["output"], "w", newline="", encoding="utf-8")
                )
            if options["format"] == "csv":
                writer = csv.DictWriter(stream, fieldnames=FIELDS_V1)
                writer.writeheader()
                writer.writerows(places_export_rows())
            else:
                json.dump(list(places_export_rows()), stream, ensure_ascii=False)
