import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connection

from accompaniments.services import unit_consume
from accounts.enums import Habilitation
from accounts.models import Organisation
from beneficiaries.models import Beneficiary, Orientation
from core.db import append_only_suspended
from demo import activity
from demo.accounts import organisation
from places.enums import MatchStatus
from places.models import Place, PlaceMatch
from portability.exceptions import PortabilityError
from portability.services import archive_read, code_key_id, program_export, program_import
from portability.tables import LEFT_OUT, TABLES
from programs.models import Program
from reporting import selectors as reporting
from reporting.enums import PeriodKind
from reporting.periods import Period
from vouchers.enums import CarnetStatus, Delivery, UnitState
from vouchers.models import Carnet, Unit
from vouchers.services import carnet_oppose

KEPT_TABLES = ("territories_", "django_content_type", "django_migrations", "auth_permission")


@pytest.fixture
def demo(communes, settings, monkeypatch):
    """The demo with a small year of activity (every kind of row), a lost carnet replaced."""
    settings.DEBUG = True
    monkeypatch.setattr(activity, "KAP_PEOPLE", 14)
    monkeypatch.setattr(activity, "PASS_PEOPLE", 10)
    out = io.StringIO()
    call_command("load_demo", "--wet-run", stdout=out)
    carnet = (
        Carnet.objects.filter(
            program__slug__startswith="kap", status=CarnetStatus.ACTIVE, units__state="issued"
        )
        .order_by("number")
        .first()
    )
    carnet_oppose(actor=carnet.issued_by, carnet=carnet, reason="Perdue", delivery=Delivery.PAPER)
    return out.getvalue()


def _data_files(content: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {name: archive.read(name) for name in archive.namelist() if name.startswith("data/")}


def _empty_the_database() -> None:
    """Everything but the reference data (territories) and Django's own tables."""
    tables = [
        table
        for table in connection.introspection.django_table_names(only_existing=True)
        if not table.startswith(KEPT_TABLES)
    ]
    _check_constraints()  # PostgreSQL truncates no table with checks still pending
    with append_only_suspended(connection), connection.cursor() as cursor:
        for statement in connection.ops.sql_flush(no_style(), tables):
            cursor.execute(statement)


def _check_constraints() -> None:
    if connection.vendor == "sqlite":
        connection.check_constraints()
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _dashboard_figures(program: Program) -> dict:
    """What the funder's dashboard shows over the whole program, by commune and structure."""
    period = Period(PeriodKind.CUSTOM, program.starts_on, program.ends_on, program.time_zone)
    board = reporting.program_dashboard(program=program, period=period)
    return {
        "people": board.people,
        "units_used": board.units_used,
        "minutes_used": board.minutes_used,
        "carnets": dataclasses.asdict(board.carnets),
        "budget": dataclasses.asdict(board.budget),
        "progress": repr(reporting.skill_progress(program=program, period=period)),
        "satisfaction": repr(reporting.satisfaction(program=program, period=period)),
        **{
            f"by {dimension}": [
                (row.label, row.people, row.carnets, row.units, row.minutes, row.amount_cents)
                for row in reporting.breakdown(program=program, period=period, dimension=dimension)
            ]
            for dimension in ("commune", "structure", "prescriber")
        },
    }


def test_export_then_import_into_an_empty_database_then_export_gives_the_same_bytes(demo):
    programs = list(Program.objects.order_by("slug"))
    first = {program.slug: program_export(program=program).content for program in programs}
    dashboards = {program.slug: _dashboard_figures(program) for program in programs}
    assert all(figures["people"] and figures["by commune"] for figures in dashboards.values())
    for content in first.values():
        manifest, tables = archive_read(content)
        assert all(tables[name] for name in ("carnets", "units", "unit_events", "sessions"))
        assert all(tables[name] for name in ("pricing_lines", "payment_batches", "transfers"))
        assert all(tables[name] for name in ("diagnostics", "agreements", "orientations"))
    kap_tables = archive_read(first["kap-konekt-2026"])[1]
    assert any(row["replaces"] for row in kap_tables["carnets"])  # the lost carnet
    serial, code = re.search(r"numéro (\S+), code (\S+)", demo).groups()

    _empty_the_database()
    assert not Beneficiary.objects.exists() and not Program.objects.exists()
    for content in first.values():
        report = program_import(content=content)
        assert report.same_key
    _check_constraints()

    for program in Program.objects.order_by("slug"):
        again = program_export(program=program).content
        assert _data_files(again) == _data_files(first[program.slug])
        # The funder's dashboard of the imported program shows the same figures.
        assert _dashboard_figures(program) == dashboards[program.slug]
    # The codes stay valid: the voucher printed by the demo still opens on the new instance.
    answer = unit_consume(
        actor=None, structure=organisation("structure_agen"), serial=serial, code=code, test=True
    )
    assert answer.ok, answer.message
    # The identity keys are the receiving instance's: a yearly cap still holds across carnets.
    person = Beneficiary.objects.order_by("pk").first()
    assert len(person.identity_key) == 64 and person.search_name


def test_every_field_of_every_table_is_in_the_archive_or_said_to_be_left_out():
    for table in TABLES:
        carried = {column.model_field.split("__")[0] for column in table.columns}
        carried |= set(table.extra)
        fields = [
            f.name
            for f in table.model._meta.get_fields()
            if (f.concrete or f.many_to_many) and not f.auto_created
        ]
        missing = [
            name for name in fields if name not in carried and (table.name, name) not in LEFT_OUT
        ]
        assert not missing, f"{table.name} : {missing}"


def _states_a_program_carries(demo_program_slug: str, *, anonymised: bool = True) -> None:
    """Settings and states the demo leaves at their default: a structure asked for changes, a
    place closed, a record merged into another place, a local correction, a person whose
    record was made anonymous, a program's retention."""
    program = Program.objects.get(slug=demo_program_slug)
    Program.objects.filter(pk=program.pk).update(retention_months=48)
    agreement = program.agreements.order_by("pk").first()
    Organisation.objects.filter(pk=agreement.structure_id).update(
        habilitation=Habilitation.CHANGES_REQUESTED,
        habilitation_reason="Pièce manquante",
        habilitation_changed_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
    )
    place = agreement.places.order_by("pk").first()
    head = Place.objects.exclude(pk__in=agreement.places.all()).order_by("pk").first()
    Place.objects.filter(pk=place.pk).update(
        merged_into=head,
        closed=True,
        removed_from_source_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
        local_edits={"telephone": "0262000000"},
        local_edited_at=dt.datetime(2026, 4, 2, tzinfo=dt.UTC),
        accepts_pass_numerique=True,
    )
    a, b = sorted([place.pk, head.pk])
    PlaceMatch.objects.create(
        place_a_id=a,
        place_b_id=b,
        score=0.91,
        name_score=0.88,
        address_score=0.95,
        distance_m=12.5,
        status=MatchStatus.CONFIRMED,
        decided_at=dt.datetime(2026, 4, 2, tzinfo=dt.UTC),
    )
    if not anonymised:
        return
    person = Beneficiary.objects.filter(carnets__program=program).order_by("pk").first()
    Beneficiary.objects.filter(pk=person.pk).update(
        first_name="Anonyme",
        last_name="Anonyme",
        birth_date=None,
        age_band="45-59",
        anonymised_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
        identity_key="",
        phone="",
        email="",
    )


def test_states_and_settings_go_through_the_round_trip(demo):
    _states_a_program_carries("kap-konekt-2026")
    program = Program.objects.get(slug="kap-konekt-2026")
    first = program_export(program=program).content
    assert program_export(program=program, pseudonymise=True).content
    _empty_the_database()
    program_import(content=first)
    _check_constraints()
    program = Program.objects.get(slug="kap-konekt-2026")
    assert _data_files(program_export(program=program).content) == _data_files(first)
    assert program.retention_months == 48
    assert Organisation.objects.get(habilitation=Habilitation.CHANGES_REQUESTED).habilitation_reason
    merged = Place.objects.get(merged_into__isnull=False)
    assert merged.closed and merged.local_edits == {"telephone": "0262000000"}
    match = PlaceMatch.objects.get()  # what explains the merge, so that it holds
    assert {match.place_a_id, match.place_b_id} == {merged.pk, merged.merged_into_id}
    assert (match.status, match.distance_m) == (MatchStatus.CONFIRMED, 12.5)
    assert merged.accepts_pass_numerique and merged.removed_from_source_at
    person = Beneficiary.objects.get(anonymised_at__isnull=False)
    assert person.birth_date is None and person.age_band == "45-59" and person.identity_key == ""


def _as_version_1(content: bytes) -> bytes:
    """The archive as version 1 wrote it: no place_matches, none of the columns added since."""
    added = {
        "organisations": ("habilitation", "habilitation_reason", "habilitation_changed_at"),
        "program": ("retention_months",),
        "beneficiaries": ("age_band", "anonymised_at"),
        "places": ("accepts_pass_numerique", "closed", "merged_into", "local_edits"),
    }
    source = zipfile.ZipFile(io.BytesIO(content))
    manifest = json.loads(source.read("manifest.json"))
    manifest["version"] = 1
    files = {}
    for name in manifest["files"]:
        if "place_matches" in name or not name.endswith(".json"):
            continue
        rows = json.loads(source.read(name))
        for row in rows:
            for column in added.get(name.removeprefix("data/").removesuffix(".json"), ()):
                del row[column]
        files[name] = json.dumps(rows).encode()
    manifest["files"] = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        for name, data in files.items()
    }
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        for name, data in files.items():
            archive.writestr(name, data)
    return target.getvalue()


def test_an_archive_of_version_1_is_read_with_defaults_for_what_it_lacks(demo):
    _states_a_program_carries("kap-konekt-2026", anonymised=False)  # version 1 failed on them
    content = _as_version_1(
        program_export(program=Program.objects.get(slug="kap-konekt-2026")).content
    )
    _empty_the_database()
    program_import(content=content)
    _check_constraints()
    assert Program.objects.get().retention_months == 36
    assert not Place.objects.filter(merged_into__isnull=False).exists()
    assert not PlaceMatch.objects.exists()
    assert not Organisation.objects.exclude(habilitation=Habilitation.VALIDATED).exists()


def test_the_archive_names_rows_by_stable_identifiers_and_documents_its_format(demo):
    program = Program.objects.get(slug__startswith="kap")
    content = program_export(program=program).content
    archive = zipfile.ZipFile(io.BytesIO(content))
    manifest = json.loads(archive.read("manifest.json"))
    readme = archive.read("README.md").decode()
    for table in TABLES:
        assert f"### `{table.name}`" in readme
        header = archive.read(f"data/{table.name}.csv").decode().splitlines()[0]
        assert header.split(",") == [column.name for column in table.columns]
        assert "id" not in header.split(",") and "pk" not in header.split(",")
    assert manifest["code_hash"]["key_id"] == code_key_id()
    units = json.loads(archive.read("data/units.json"))
    carnets = {row["number"] for row in json.loads(archive.read("data/carnets.json"))}
    assert units and {row["carnet"] for row in units} <= carnets
    assert [row["serial"] for row in units] == sorted(row["serial"] for row in units)
    # The same database gives the same archive, byte for byte.
    assert program_export(program=program).content == content


def test_a_damaged_file_is_refused_and_nothing_is_imported(demo):
    program = Program.objects.get(slug__startswith="pass")
    content = program_export(program=program).content
    source = zipfile.ZipFile(io.BytesIO(content))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "data/units.json":
                data = data.replace(b'"issued"', b'"consumed"', 1)
            target.writestr(name, data)
    _empty_the_database()
    with pytest.raises(PortabilityError, match="data/units.json"):
        program_import(content=damaged.getvalue())
    assert not Program.objects.exists()


def test_pseudonymised_archives_hold_no_name_phone_or_email_of_a_person(demo):
    person = Beneficiary.objects.order_by("pk").first()
    Beneficiary.objects.filter(pk=person.pk).update(phone="0692123456", email="p@example.org")
    program = Program.objects.get(pk=person.carnets.first().program_id)
    content = program_export(program=program, pseudonymise=True).content
    files = _data_files(content)
    text = b"".join(
        files[f"data/{name}.{ext}"]
        for name in ("beneficiaries", "orientations")
        for ext in ("csv", "json")
    ).decode()
    assert f"{person.first_name} {person.last_name}" not in text
    assert person.last_name not in text and "0692123456" not in text and "p@example.org" not in text
    rows = archive_read(content)[1]["beneficiaries"]
    assert {row["first_name"] for row in rows} == {"Personne"}
    assert all(row["birth_date"].endswith("-01-01") for row in rows)
    names = {row["person_name"] for row in archive_read(content)[1]["orientations"]}
    assert names and all(name.startswith("Personne P-") for name in names)
    assert Orientation.objects.filter(beneficiary__isnull=False).exists()


def test_the_commands_dry_run_by_default_and_say_how_to_keep_old_codes(demo, tmp_path, settings):
    path = tmp_path / "kap.zip"
    call_command("program_export", "kap-konekt-2026", "--out", str(path), stdout=io.StringIO())
    old_key = code_key_id()
    _empty_the_database()
    settings.PASSNUM_CODE_HMAC_KEY = "another-operator-key"
    out = io.StringIO()
    call_command("program_import", str(path), stdout=out)
    assert "Simulation" in out.getvalue() and not Program.objects.exists()
    assert old_key in out.getvalue() and "PASSNUM_CODE_HMAC_KEY" in out.getvalue()
    call_command("program_import", str(path), "--wet-run", stdout=io.StringIO())
    assert Program.objects.filter(slug="kap-konekt-2026").exists()
    assert Unit.objects.filter(state=UnitState.CONSUMED).exists()
    with pytest.raises(CommandError, match="existe déjà"):
        call_command("program_import", str(path), "--wet-run", stdout=io.StringIO())
    with pytest.raises(CommandError, match="Programme inconnu"):
        call_command("program_export", "nope", "--out", str(path), stdout=io.StringIO())
