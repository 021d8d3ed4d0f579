"""Demo places: the 155 places of La Réunion through the importer, a few places in Lot-et-Garonne,
and the demo structures' own places. Running it twice changes nothing."""

import csv
import io

from demo.accounts import organisation
from places.models import Place
from places.services import place_set_structure, places_import
from places.standard import FIELDS_V1, REUNION_FILE

REUNION_SOURCE = "ultra-num"
DEMO_SOURCE = "passnum-demo"

STRUCTURE_PLACES = {
    "structure_le_port": ["ultra-num-974-104", "ultra-num-974-021"],
    "structure_saint_benoit": ["ultra-num-974-132", "ultra-num-974-071"],
    "structure_saint_pierre": ["ultra-num-974-083", "ultra-num-974-076"],
    "structure_agen": ["agen-clic-centre"],
    "structure_marmande": ["marmande-espace-numerique"],
}

LOT_ET_GARONNE_PLACES = [
    {
        "id": "agen-clic-centre",
        "pivot": "W471000201",
        "nom": "Clic'Agen — espace numérique du centre",
        "commune": "Agen",
        "code_postal": "47000",
        "code_insee": "47001",
        "adresse": "12 boulevard de la République",
        "horaires": "Mo-Fr 09:00-12:00,14:00-17:30",
        "services": "Aide aux démarches administratives|Maîtrise des outils numériques du quotidien",
        "modalites_accompagnement": "Accompagnement individuel|Dans un atelier collectif",
        "frais_a_charge": "Gratuit",
    },
    {
        "id": "marmande-espace-numerique",
        "pivot": "90000010010008",
        "nom": "Espace numérique de Marmande",
        "commune": "Marmande",
        "code_postal": "47200",
        "code_insee": "47157",
        "adresse": "3 rue de la Libération",
        "horaires": "Tu-Sa 09:30-12:30,13:30-18:00",
        "services": "Maîtrise des outils numériques du quotidien|Utilisation sécurisée du numérique",
        "modalites_accompagnement": "Accompagnement individuel|Dans un atelier collectif|En autonomie",
        "frais_a_charge": "Gratuit",
    },
    {
        "id": "villeneuve-mediatheque",
        "pivot": "90000008410001",
        "nom": "Médiathèque de Villeneuve-sur-Lot — point numérique",
        "commune": "Villeneuve-sur-Lot",
        "code_postal": "47300",
        "code_insee": "47323",
        "adresse": "23 rue Étienne Marcel",
        "horaires": "We 10:00-18:00; Sa 10:00-17:00",
        "services": "Accès internet et matériel informatique|Maîtrise des outils numériques du quotidien",
        "modalites_accompagnement": "En autonomie|Accompagnement individuel",
        "frais_a_charge": "Gratuit",
    },
]


def _demo_csv() -> bytes:
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=FIELDS_V1)
    writer.writeheader()
    for row in LOT_ET_GARONNE_PLACES:
        writer.writerow({**row, "source": DEMO_SOURCE, "date_maj": "2026-09-01"})
    return stream.getvalue().encode()


def load(*, stdout) -> None:
    report = places_import(
        content=REUNION_FILE.read_bytes(), name=REUNION_FILE.name, source=REUNION_SOURCE
    )
    stdout.write(f"Lieux de La Réunion : {report.summary()}")
    report = places_import(content=_demo_csv(), name="demo.csv", source=DEMO_SOURCE)
    stdout.write(f"Lieux de Lot-et-Garonne : {report.summary()}")
    for key, source_ids in STRUCTURE_PLACES.items():
        structure = organisation(key)
        for place in Place.objects.filter(source_id__in=source_ids).exclude(structure=structure):
            place_set_structure(actor=None, place=place, structure=structure)
