import csv
import io
import json

from django.core.management import call_command

from core.models import AuditEntry
from places.models import Place
from tests.places.helpers import REUNION_FILE, broken_file


def test_export_command_writes_the_standard(reunion_places, tmp_path):
    csv_path, json_path = tmp_path / "lieux.csv", tmp_path / "lieux.json"
    call_command("export_places", "--output", str(csv_path))
    call_command("export_places", "--format", "json", "--output", str(json_path))
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert len(rows) == 155 and list(rows[0])[:3] == ["id", "pivot", "nom"]
    assert len(json.loads(json_path.read_text(encoding="utf-8"))) == 155


def test_command_is_dry_by_default_and_writes_the_report(communes, tmp_path):
    path = tmp_path / "lieux.csv"
    path.write_bytes(broken_file())
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
        "lus : 155 ; ajoutés : 152 ; mis à jour : 0 ; inchangés : 0 ; fermés : 0 ; rejetés : 3 ; "
        "fusionnés : 0 ; à vérifier : 0 ; "
        "valeurs ignorées : 1"
    )
    assert Place.objects.count() == 0
    lines = list(csv.reader(report_path.open()))
    assert lines[0] == ["ligne", "id", "suite", "champ", "valeur", "règle"]
    rejected = [line for line in lines[1:] if line[2] == "ligne rejetée"]
    assert sorted(int(line[0]) for line in rejected) == [6, 41, 101]
    assert [line[0] for line in lines[1:] if line[2] == "valeur ignorée"] == ["61"]
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


def test_reimporting_a_newer_file_prints_added_updated_unchanged_and_closed(communes, tmp_path):
    lines = REUNION_FILE.read_text().splitlines()
    first, second = tmp_path / "v1.csv", tmp_path / "v2.csv"
    first.write_text("\n".join(lines[:-1]) + "\n")  # the last place is not there yet
    newer = [lines[0], lines[1].replace("2023-03-28", "2026-10-01"), *lines[3:]]
    second.write_text("\n".join(newer) + "\n")  # the second place is gone, the last is new
    out = io.StringIO()
    call_command("import_places", str(first), "--source", "hub", "--wet-run", stdout=out)
    assert out.getvalue().strip().splitlines()[-1].startswith("lus : 154 ; ajoutés : 154 ;")
    out = io.StringIO()
    call_command("import_places", str(second), "--source", "hub", "--wet-run", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == (
        "lus : 154 ; ajoutés : 1 ; mis à jour : 1 ; inchangés : 152 ; fermés : 1 ; "
        "rejetés : 0 ; fusionnés : 0 ; à vérifier : 0 ; valeurs ignorées : 0"
    )
    assert Place.objects.count() == 155
    assert Place.objects.filter(closed=True).count() == 1
