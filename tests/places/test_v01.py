"""places.v01: files of the standard's v0.1 vocabulary (the fixture is made of the v0.1 schema's
own example values, plus one row per vocabulary holding every one of its v0.1 values)."""

import csv
import io
import json

from places import v01
from places.models import Place
from places.services import places_import
from places.standard import DATA, parse_row
from tests.places.helpers import FIXTURES

EXAMPLES = FIXTURES / "lieux-v0.1-exemples.csv"


def test_every_v01_value_of_the_schema_has_a_mapping():
    schema = json.loads((DATA / "schema-v0.1.1.json").read_text())
    for field in schema["fields"]:
        pattern = field.get("constraints", {}).get("pattern", "")
        if "(?:(?:^|;)(" not in pattern:
            continue
        inner = pattern.split("(?:(?:^|;)(", 1)[1].rsplit("))+$", 1)[0]
        for raw in inner.split("|"):
            value = raw.replace("\\(", "(").replace("\\)", ")").replace("\\.", ".")
            value = value.replace("\\+", "+")
            assert v01.lookup(field["name"], value) is not None, (field["name"], value)


def test_the_v01_example_file_imports_with_no_rejection_and_v1_values(communes):
    report = places_import(content=EXAMPLES.read_bytes(), name=EXAMPLES.name, source="v01")
    assert (report.version, report.read, report.added, report.rejected) == ("0.1", 7, 7, 0)
    assert report.warning_rows == []
    example = Place.objects.get(source_id="structure-1")
    assert example.services == [
        "Aide aux démarches administratives",
        "Maîtrise des outils numériques du quotidien",
        "Compréhension du monde numérique",
        "Insertion professionnelle via le numérique",
        "Accès internet et matériel informatique",
    ]
    assert example.publics_specifiquement_adresses == ["Seniors", "Familles et/ou enfants"]
    assert example.prise_en_charge_specifique == ["Déficience visuelle"]
    assert example.frais_a_charge == ["Gratuit sous condition", "Payant"]
    assert example.accepts_pass_numerique  # "Accepte le Pass numérique" and the label APTIC
    assert example.dispositif_programmes_nationaux == [
        "France Services",
        "Point d'accès numérique CAF",
    ]
    assert (
        example.autres_formations_labels
        == "SudLabs;Nièvre médiation numérique, APTIC (Pass numérique)"
    )
    assert example.modalites_accompagnement == ["En autonomie", "Accompagnement individuel"]
    assert example.typologie == ["TIERS_LIEUX", "ASSO"]
    assert example.courriels == ["contact@laquincaillerie.tl"]
    assert len(example.site_web) == 2
    assert example.fiche_acces_libre.startswith("https://acceslibre.beta.gouv.fr/")
    assert example.date_maj.isoformat() == "2022-06-02"

    services = Place.objects.get(source_id="structure-2").services
    # The 15 v0.1 services cover 8 of the 9 of v1: none was about security.
    assert len(services) == 8 and "Utilisation sécurisée du numérique" not in services
    publics = Place.objects.get(source_id="structure-3")
    assert publics.publics_specifiquement_adresses == [
        "Seniors",
        "Familles et/ou enfants",
        "Jeunes",
        "Femmes",
    ]
    assert publics.prise_en_charge_specifique == [
        "Langues étrangères (autres)",
        "Déficience visuelle",
        "Surdité",
        "Handicaps mentaux",
        "Illettrisme",
    ]
    labels = Place.objects.get(source_id="structure-5")
    assert labels.formations_labels == ["Fabriques de Territoire"]
    assert "Aidants Connect" in labels.dispositif_programmes_nationaux
    assert labels.accepts_pass_numerique


def test_a_1969_date_and_empty_hours_are_unknown_not_errors(communes):
    places_import(content=EXAMPLES.read_bytes(), name=EXAMPLES.name, source="v01")
    place = Place.objects.get(source_id="structure-7")
    assert (place.date_maj, place.horaires, place.horaires_valid) == (None, "", False)
    assert place.accepts_pass_numerique  # label APTIC alone


def test_the_conditions_access_spelling_and_a_json_list_are_read(communes):
    rows = list(csv.DictReader(io.StringIO(EXAMPLES.read_text())))
    for row in rows:
        row["conditions_access"] = row.pop("conditions_acces")
    report = places_import(content=json.dumps(rows).encode(), name="cnfs.json", source="cnfs")
    assert (report.added, report.rejected) == (7, 0)
    assert Place.objects.get(source_id="structure-4").frais_a_charge == [
        "Gratuit",
        "Gratuit sous condition",
        "Payant",
    ]


def test_a_value_that_maps_to_nothing_is_dropped_with_a_warning():
    row = {
        "id": "x",
        "pivot": "",
        "nom": "Lieu",
        "commune": "Agen",
        "code_postal": "47000",
        "adresse": "1 place",
        "date_maj": "",
        "services": "Prendre en main un ordinateur;Faire la cuisine",
        "labels_nationaux": "aptic;Label inconnu",
        "telephone": "05 53 00 00 00",
    }
    parsed = parse_row(row, version="0.1")
    assert parsed.errors == []
    assert [(w.field, w.value) for w in parsed.warnings] == [
        ("services", "Faire la cuisine"),
        ("labels_nationaux", "Label inconnu"),
    ]
    values = parsed.values
    assert values["services"] == ["Maîtrise des outils numériques du quotidien"]
    assert values["accepts_pass_numerique"] and values["pivot"] == "00000000000000"
    assert values["telephone"] == "+33553000000" and values["date_maj"] is None
