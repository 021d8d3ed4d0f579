"""places.standard: the national standard of mediation places (schema v1.0.2, files v0.1):
its vocabularies, and the files the platform exports validated against its Table Schema."""

import csv
import io
import json

from frictionless import Resource, Schema

from places.enums import VOCABULARIES
from places.models import Place
from places.services import place_program_accept, places_import
from places.standard import FIELDS_V1, SCHEMA_V1_PATH, export_row, parse_row
from tests.places.helpers import FIXTURES, place_row, places_csv


def _pattern_values(pattern: str) -> set[str]:
    inner = pattern.split("(?:(?:^|\\|)(", 1)[1].rsplit("))+$", 1)[0]
    values = set()
    for raw in inner.split("|"):
        values.add(raw.replace("\\(", "(").replace("\\)", ")").replace("\\.", "."))
    return values


def test_enums_match_the_schema_vocabularies():
    schema = {f["name"]: f for f in json.loads(SCHEMA_V1_PATH.read_text())["fields"]}
    for name, vocabulary in VOCABULARIES.items():
        pattern = schema[name].get("constraints", {}).get("pattern")
        if vocabulary is None:
            assert pattern is None
            continue
        expected = _pattern_values(pattern)
        actual = set(vocabulary.values)
        assert actual == expected, name


def test_fields_follow_schema_order():
    assert FIELDS_V1[:3] == ["id", "pivot", "nom"]
    assert len(FIELDS_V1) == 32


def test_the_standard_vocabularies_read_in_french():
    """Filters and session themes show the standard's own words, never "Admin" or "Women"."""
    from places import enums

    for vocabulary in (enums.Service, enums.Public, enums.Fee, enums.AccessMode, enums.Label):
        assert all(label == value for value, label in vocabulary.choices)
    assert "Admin" not in enums.Service.labels and "Femmes" in enums.Public.labels


def test_membership_in_v01_means_free_under_condition():
    parsed = parse_row(
        {
            **place_row(),
            "services": "Accéder à du matériel",
            "conditions_acces": "Adhésion : L'accès au lieu et/ou à ses services nécessite d'y adhérer",
        },
        version="0.1",
    )
    assert not parsed.errors and not parsed.warnings
    assert parsed.values["frais_a_charge"] == ["Gratuit sous condition"]


def test_program_names_are_compared_whole(communes):
    places_import(
        content=places_csv(place_row(autres_formations_labels="APTIC (Pass numérique)")), source="t"
    )
    row = export_row(Place.objects.get(), program_names=["Pass numérique"])
    assert row["autres_formations_labels"] == "APTIC (Pass numérique), Pass numérique"


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
    assert (report.added, report.rejected) == (155, 0)


def test_the_etapes_label_is_stored_and_exported_as_the_schema_spells_it(
    client, communes, tmp_path
):
    places_import(
        content=places_csv(place_row(formations_labels="Étapes numériques (La Poste)")), source="t"
    )
    assert Place.objects.get().formations_labels == ["Étapes numériques(La Poste)"]
    path = tmp_path / "export.csv"
    path.write_bytes(b"".join(client.get("/lieux/export.csv").streaming_content))
    schema = Schema.from_descriptor(json.loads(SCHEMA_V1_PATH.read_text()))
    assert Resource(path=path.name, basepath=str(tmp_path), schema=schema).validate().valid


def test_a_formula_in_a_place_is_exported_neutralised_and_still_valid(client, communes, tmp_path):
    """OWASP CSV injection: a name typed as =HYPERLINK(...) must not run in a spreadsheet."""
    places_import(
        content=places_csv(
            place_row(
                nom='=HYPERLINK("http://evil.example","Cliquez")',
                adresse="@SUM(1+1)",
                presentation_resume="=" + "x" * 279,
                telephone="+262262972502",
            )
        ),
        source="t",
    )
    response = client.get("/lieux/export.csv")
    path = tmp_path / "export.csv"
    path.write_bytes(b"".join(response.streaming_content))
    row = next(csv.DictReader(io.StringIO(path.read_text())))
    assert row["nom"] == '\'=HYPERLINK("http://evil.example","Cliquez")'
    assert row["adresse"] == "'@SUM(1+1)"
    assert len(row["presentation_resume"]) == 280 and row["presentation_resume"][0] == "'"
    assert row["telephone"].startswith("+")  # constrained by the schema: left as it is
    schema = Schema.from_descriptor(json.loads(SCHEMA_V1_PATH.read_text()))
    report = Resource(path=path.name, basepath=str(tmp_path), schema=schema).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_only_web_addresses_are_kept_from_an_import(client, communes):
    places_import(
        content=places_csv(
            place_row(
                site_web="javascript:alert(1)|https://ok.example",
                prise_rdv="javascript:alert(2)",
                fiche_acces_libre="data:text/html,<script>alert(3)</script>",
            )
        ),
        source="t",
    )
    place = Place.objects.get()
    assert place.site_web == ["https://ok.example"]
    assert (place.prise_rdv, place.fiche_acces_libre) == ("", "")
    Place.objects.filter(pk=place.pk).update(prise_rdv="javascript:alert(4)")
    page = client.get(f"/lieux/{place.pk}/").content.decode()
    assert "javascript:" not in page
