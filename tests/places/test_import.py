import csv
import io
import json

import pytest
from django.core.management import call_command

from core.models import AuditEntry
from places.models import Place
from places.services import places_import
from places.standard import FIELDS_V1
from tests.places.conftest import FIXTURES, REUNION_FILE


def test_reunion_file_imports_155_places_with_no_rejection(reunion_places):
    assert (reunion_places.read, reunion_places.imported, reunion_places.rejected) == (155, 155, 0)
    assert reunion_places.version == "1.0"
    assert Place.objects.count() == 155
    assert Place.objects.filter(commune_ref__isnull=True).count() == 0


def test_reimporting_the_same_file_changes_nothing(reunion_places):
    before = list(Place.objects.order_by("pk").values_list("pk", "updated_at"))
    again = places_import(content=REUNION_FILE.read_bytes(), source="ultra-num")
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 155)
    assert list(Place.objects.order_by("pk").values_list("pk", "updated_at")) == before


def test_a_changed_row_is_updated_and_keeps_its_structure_link(reunion_places, make_organisation):
    structure = make_organisation()
    place = Place.objects.get(source_id="ultra-num-974-104")
    place.structure = structure
    place.save()
    text = REUNION_FILE.read_text().replace("Médiathèque Benoîte BOULARD", "Médiathèque B. Boulard")
    report = places_import(content=text.encode(), source="ultra-num")
    assert (report.updated, report.unchanged) == (1, 154)
    place.refresh_from_db()
    assert (place.nom, place.structure) == ("Médiathèque B. Boulard", structure)


def _broken_file() -> bytes:
    rows = list(csv.reader(io.StringIO(REUNION_FILE.read_text())))
    header = rows[0]
    rows[5][header.index("code_postal")] = "9741"  # file line 6
    rows[40][header.index("services")] = "Aide aux démarches administratives|Cuisine"  # line 41
    rows[100][header.index("nom")] = ""  # line 101
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\n").writerows(rows)
    return stream.getvalue().encode()


def test_broken_rows_are_reported_with_their_line_and_the_rest_imports(communes):
    report = places_import(content=_broken_file(), source="ultra-num")
    assert (report.read, report.imported, report.rejected) == (155, 152, 3)
    found = {(row.line, e.field, e.value) for row in report.rejected_rows for e in row.errors}
    assert found == {(6, "code_postal", "9741"), (41, "services", "Cuisine"), (101, "nom", "")}
    rules = [e.rule for row in report.rejected_rows for e in row.errors]
    assert "valeur absente du vocabulaire du standard" in rules
    assert "champ obligatoire vide" in rules


def test_vocabulary_values_are_checked_whole_not_by_the_unanchored_pattern(communes):
    rows = list(csv.DictReader(io.StringIO(REUNION_FILE.read_text())))[:1]
    rows[0]["frais_a_charge"] = "junk|Gratuit"
    rows[0]["telephone"] = "+2622629725021234"
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=FIELDS_V1)
    writer.writeheader()
    writer.writerows(rows)
    report = places_import(content=stream.getvalue().encode(), source="t")
    assert {(e.field, e.value) for e in report.rejected_rows[0].errors} == {
        ("frais_a_charge", "junk"),
        ("telephone", "+2622629725021234"),
    }


def test_v01_file_imports_with_values_mapped_to_v1(communes):
    report = places_import(content=(FIXTURES / "lieux-v0.1.csv").read_bytes(), source="hub-test")
    assert (report.version, report.imported, report.rejected) == ("0.1", 2, 0)
    agen = Place.objects.get(source_id="v01-agen-1")
    assert agen.services == [
        "Maîtrise des outils numériques du quotidien",
        "Aide aux démarches administratives",
    ]
    assert agen.publics_specifiquement_adresses == ["Seniors"]
    assert agen.prise_en_charge_specifique == ["Langues étrangères (autres)"]
    assert agen.frais_a_charge == ["Gratuit sous condition"]
    assert "Pass numérique" in agen.autres_formations_labels
    assert agen.dispositif_programmes_nationaux == ["Conseillers numériques"]
    assert agen.courriels == ["contact@exemple.org", "accueil@exemple.org"]
    assert agen.modalites_accompagnement == [
        "Accompagnement individuel",
        "Dans un atelier collectif",
    ]
    assert agen.fiche_acces_libre.startswith("https://acceslibre")
    marmande = Place.objects.get(source_id="v01-marmande-1")
    assert marmande.coordinates_approximate and marmande.latitude is not None
    assert marmande.commune_ref_id == "47157"
    assert marmande.horaires == "Tu 12:30" and not marmande.horaires_valid


def test_json_input_is_accepted(communes):
    rows = list(csv.DictReader(io.StringIO(REUNION_FILE.read_text())))[:3]
    report = places_import(content=json.dumps(rows).encode(), name="lieux.json", source="j")
    assert (report.read, report.imported) == (3, 3)


def test_duplicate_id_in_a_file_is_rejected(communes):
    text = REUNION_FILE.read_text()
    lines = text.splitlines()
    report = places_import(content="\n".join([*lines, lines[1]]).encode(), source="d")
    assert report.rejected == 1
    assert report.rejected_rows[0].line == 157
    assert report.rejected_rows[0].errors[0].rule == "identifiant en double dans le fichier"


def test_missing_coordinates_come_from_the_commune_and_are_marked(reunion_places):
    approximate = Place.objects.filter(coordinates_approximate=True)
    assert approximate.count() == 2
    for place in approximate:
        assert (place.latitude, place.longitude) == (
            place.commune_ref.latitude,
            place.commune_ref.longitude,
        )


def test_command_is_dry_by_default_and_writes_the_report(communes, tmp_path):
    path = tmp_path / "lieux.csv"
    path.write_bytes(_broken_file())
    report_path = tmp_path / "rejets.csv"
    out = io.StringIO()
    call_command(
        "import_places",
        str(path),
        "--source",
        "x",
        "--report",
        str(report_path),
        stdout=out,
        stderr=io.StringIO(),
    )
    assert out.getvalue().strip().splitlines()[-1] == (
        "lus : 155 ; importés : 152 ; mis à jour : 0 ; inchangés : 0 ; rejetés : 3"
    )
    assert Place.objects.count() == 0
    lines = list(csv.reader(report_path.open()))
    assert lines[0] == ["ligne", "id", "champ", "valeur", "règle"]
    assert sorted(int(line[0]) for line in lines[1:]) == [6, 41, 101]
    call_command(
        "import_places",
        str(path),
        "--source",
        "x",
        "--wet-run",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert Place.objects.count() == 152
    assert AuditEntry.objects.filter(action="places.import").count() == 1


@pytest.mark.parametrize("content", [b"not,a,standard\n1,2,3\n", b"[1, 2]", b"{bad json"])
def test_unreadable_files_get_a_clear_message(communes, content):
    from places.exceptions import ImportFileUnreadable

    with pytest.raises(ImportFileUnreadable):
        places_import(content=content, name="f.json" if content[:1] in b"[{" else "f.csv")
