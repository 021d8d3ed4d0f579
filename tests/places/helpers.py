"""Files of places for the import and export tests."""

import csv
import io
from pathlib import Path

from places.standard import FIELDS_V1, REUNION_FILE

FIXTURES = Path(__file__).parent / "fixtures"

__all__ = ["FIXTURES", "REUNION_FILE"]


def broken_file() -> bytes:
    rows = list(csv.reader(io.StringIO(REUNION_FILE.read_text())))
    header = rows[0]
    rows[5][header.index("code_postal")] = "9741"  # file line 6
    rows[40][header.index("adresse")] = ""  # line 41
    rows[60][header.index("services")] = "Aide aux démarches administratives|Cuisine"  # line 61
    rows[100][header.index("nom")] = ""  # line 101
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\n").writerows(rows)
    return stream.getvalue().encode()


def place_row(**values):
    base = {
        "id": "r1",
        "pivot": "00000000000000",
        "nom": "Lieu",
        "commune": "Saint-Benoît",
        "code_postal": "97470",
        "adresse": "1 rue de la Mairie",
        "date_maj": "2026-01-01",
    }
    return base | values


def places_csv(*rows) -> bytes:
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=FIELDS_V1)
    writer.writeheader()
    writer.writerows(rows)
    return stream.getvalue().encode()
