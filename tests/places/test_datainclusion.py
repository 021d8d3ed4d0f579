"""places.datainclusion: the directory exported in data·inclusion schema v1 (JSON and CSV),
every row validated against the schema's JSON Schema."""

import csv
import io
import json

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from places.models import Place
from places.services import places_import
from places.standard import DATA
from tests.places.helpers import FIXTURES

SCHEMAS = DATA / "data-inclusion-v1.0.8"


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _get_json(client, kind):
    response = client.get(f"/lieux/export-data-inclusion/{kind}.json")
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content))


@pytest.mark.parametrize("kind,name", [("structures", "structure"), ("services", "service")])
def test_every_row_is_valid_against_the_data_inclusion_schema(client, reunion_places, kind, name):
    places_import(content=(FIXTURES / "lieux-v0.1-exemples.csv").read_bytes(), source="v01")
    rows = _get_json(client, kind)
    validator = _validator(name)
    errors = [(row["id"], e.message) for row in rows for e in validator.iter_errors(row)]
    assert errors == []
    assert len(rows) >= 162


def test_a_structure_and_its_services_carry_the_place(client, communes):
    places_import(content=(FIXTURES / "lieux-v0.1-exemples.csv").read_bytes(), source="v01")
    place = Place.objects.get(source_id="structure-1")
    structures = {row["id"]: row for row in _get_json(client, "structures")}
    structure = structures["passnum--v01--structure-1"]
    assert structure["nom"] == "Anonymal" and structure["siret"] == "43493312300029"
    assert structure["reseaux_porteurs"] == ["france-service", "caf"]
    assert structure["lien_source"].endswith(f"/lieux/{place.pk}/")
    assert structure["horaires_accueil"] == "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00"
    services = [
        row
        for row in _get_json(client, "services")
        if row["structure_id"] == "passnum--v01--structure-1"
    ]
    assert len(services) == 5
    admin = next(s for s in services if s["nom"] == "Aide aux démarches administratives")
    assert admin["thematiques"] == ["numerique--acceder-a-des-services-en-ligne"]
    assert admin["publics"] == ["seniors", "familles", "personnes-en-situation-de-handicap"]
    assert admin["frais"] == "gratuit"
    assert "Pass numérique" in admin["frais_precisions"]


def test_csv_exports_have_the_schema_columns(client, reunion_places):
    for kind, name in (("structures", "structure"), ("services", "service")):
        response = client.get(f"/lieux/export-data-inclusion/{kind}.csv")
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        schema = json.loads((SCHEMAS / f"{name}.json").read_text())
        assert set(rows[0]) <= set(schema["properties"])
        assert set(schema["required"]) <= set(rows[0])
        assert all(row[field] for row in rows for field in schema["required"])
    assert client.get("/lieux/export-data-inclusion/autre.csv").status_code == 404


def test_merged_and_closed_places_are_exported_once_or_not_at_all(client, reunion_places):
    from places.standard import REUNION_FILE

    places_import(content=REUNION_FILE.read_bytes(), source="copie")
    Place.objects.filter(source_id="ultra-num-974-001", source="ultra-num").update(closed=True)
    assert len(_get_json(client, "structures")) == 154
