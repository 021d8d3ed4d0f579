import csv
import io
import json

from frictionless import Resource, Schema

from places.models import Place
from places.services import place_program_accept, places_import
from places.standard import SCHEMA_V1_PATH
from tests.places.conftest import FIXTURES


def test_csv_export_of_the_whole_directory_validates_against_the_schema(
    client, reunion_places, make_program, tmp_path
):
    places_import(content=(FIXTURES / "lieux-v0.1.csv").read_bytes(), source="hub-test")
    program = make_program()
    place_program_accept(actor=None, place=Place.objects.first(), program=program)
    response = client.get("/lieux/export.csv")
    assert response.status_code == 200
    path = tmp_path / "export.csv"
    path.write_bytes(b"".join(response.streaming_content))
    schema = Schema.from_descriptor(json.loads(SCHEMA_V1_PATH.read_text()))
    report = Resource(path=path.name, basepath=str(tmp_path), schema=schema).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    assert report.tasks[0].stats["rows"] == 157


def test_a_place_accepting_a_program_is_exported_free_under_condition_with_its_name(
    client, reunion_places, make_program
):
    program = make_program()
    place = Place.objects.get(source_id="ultra-num-974-104")
    place_program_accept(actor=None, place=place, program=program)
    rows = {
        r["id"]: r
        for r in csv.DictReader(
            io.StringIO(b"".join(client.get("/lieux/export.csv").streaming_content).decode())
        )
    }
    row = rows["ultra-num:ultra-num-974-104"]
    assert "Gratuit sous condition" in row["frais_a_charge"].split("|")
    assert "Kap Konèk.t 2026" in row["autres_formations_labels"]
    other = rows["ultra-num:ultra-num-974-001"]
    assert "Gratuit sous condition" not in other["frais_a_charge"]


def test_json_export_has_the_same_rows(client, reunion_places):
    data = json.loads(b"".join(client.get("/lieux/export.json").streaming_content))
    assert len(data) == 155
    assert list(data[0].keys())[:3] == ["id", "pivot", "nom"]


def test_export_then_reimport_is_stable(client, reunion_places):
    content = b"".join(client.get("/lieux/export.csv").streaming_content)
    report = places_import(content=content, source="copie")
    assert (report.imported, report.rejected) == (155, 0)


def test_export_command_writes_the_standard(reunion_places, tmp_path):
    from django.core.management import call_command

    csv_path, json_path = tmp_path / "lieux.csv", tmp_path / "lieux.json"
    call_command("export_places", "--output", str(csv_path))
    call_command("export_places", "--format", "json", "--output", str(json_path))
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert len(rows) == 155 and list(rows[0])[:3] == ["id", "pivot", "nom"]
    assert len(json.loads(json_path.read_text(encoding="utf-8"))) == 155
