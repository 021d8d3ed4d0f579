"""Import, export and opening hours cases found by a review."""

import csv
import datetime as dt
import io
import json

from frictionless import Resource, Schema

from places.models import Place
from places.selectors import PlaceFilters, opening_hours_plain, place_is_open, place_search
from places.services import place_program_accept, places_import, places_import_file
from places.standard import FIELDS_V1, SCHEMA_V1_PATH, export_row, parse_row


def _row(**values):
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


def _csv(*rows) -> bytes:
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=FIELDS_V1)
    writer.writeheader()
    writer.writerows(rows)
    return stream.getvalue().encode()


def test_the_etapes_label_is_stored_and_exported_as_the_schema_spells_it(
    client, communes, tmp_path
):
    places_import(content=_csv(_row(formations_labels="Étapes numériques (La Poste)")), source="t")
    assert Place.objects.get().formations_labels == ["Étapes numériques(La Poste)"]
    path = tmp_path / "export.csv"
    path.write_bytes(b"".join(client.get("/lieux/export.csv").streaming_content))
    schema = Schema.from_descriptor(json.loads(SCHEMA_V1_PATH.read_text()))
    assert Resource(path=path.name, basepath=str(tmp_path), schema=schema).validate().valid


def test_values_longer_than_what_is_kept_are_rejected_with_a_reason(communes):
    report = places_import(content=_csv(_row(nom="x" * 300)), source="t")
    assert report.rejected == 1
    assert report.rejected_rows[0].errors[0].rule == "250 caractères au plus"


def test_membership_in_v01_means_free_under_condition():
    values, errors = parse_row(
        {
            **_row(),
            "services": "Accéder à du matériel",
            "conditions_acces": "Adhésion : L'accès au lieu et/ou à ses services nécessite d'y adhérer",
        },
        version="0.1",
    )
    assert not errors and values["frais_a_charge"] == ["Gratuit sous condition"]


def test_program_names_are_compared_whole(communes):
    places_import(content=_csv(_row(autres_formations_labels="APTIC (Pass numérique)")), source="t")
    row = export_row(Place.objects.get(), program_names=["Pass numérique"])
    assert row["autres_formations_labels"] == "APTIC (Pass numérique), Pass numérique"


def test_a_place_without_insee_code_is_open_in_its_own_time_zone(communes):
    places_import(
        content=_csv(_row(horaires="Mo-Fr 08:30-16:30", latitude="-21.03", longitude="55.71")),
        source="t",
    )
    place = Place.objects.get()
    assert place.code_insee == "" and place.commune_ref_id == "97410"
    # Wednesday 13:30 UTC is 17:30 in La Réunion (closed) and 14:30 in Paris (open).
    at = dt.datetime(2026, 11, 25, 13, 30, tzinfo=dt.UTC)
    assert place_is_open(place, at=at) is False
    import time_machine

    with time_machine.travel(at):
        found = place_search(
            latitude=-21.03, longitude=55.71, radius_km=5, filters=PlaceFilters(open_now=True)
        )
    assert found == []


def test_hours_past_midnight_and_public_holidays(communes):
    places_import(
        content=_csv(
            _row(id="a", horaires="24/7"),
            _row(id="b", horaires="Fr 22:00-02:00"),
            _row(id="c", horaires="Mo-Fr 08:00-12:00; PH off"),
        ),
        source="t",
    )
    always = dict(opening_hours_plain(Place.objects.get(source_id="a")))
    assert set(always.values()) == {"0 h à 23 h 59"}
    night = dict(opening_hours_plain(Place.objects.get(source_id="b")))
    assert night["Vendredi"] == "22 h à 23 h 59" and night["Samedi"] == "0 h à 2 h"
    holiday = Place.objects.get(source_id="c")
    assert place_is_open(holiday, at=dt.datetime(2026, 5, 1, 6, tzinfo=dt.UTC)) is False  # 1 May
    assert place_is_open(holiday, at=dt.datetime(2026, 5, 4, 6, tzinfo=dt.UTC)) is True


def test_the_command_uses_the_file_name_as_default_source(communes, tmp_path):
    path = tmp_path / "lieux-du-departement.csv"
    path.write_bytes(_csv(_row()))
    places_import_file(path=path)
    assert Place.objects.get().source == "lieux-du-departement"
    places_import_file(path=path)
    assert Place.objects.count() == 1


def test_an_operator_link_survives_the_end_of_an_agreement(
    communes, open_call, structure, structure_user, funder_user, program
):
    from programs import services
    from tests.fixtures_programs import VALID_BIC, VALID_IBAN

    place = Place.objects.filter(structure=structure).first()
    place_program_accept(actor=None, place=place, program=program)
    application = services.application_save(
        actor=structure_user,
        call=open_call,
        structure=structure,
        rna=structure.rna,
        places=[place],
        services=["Aide aux démarches administratives"],
        weekly_opening_hours=30,
        iban=VALID_IBAN,
        bic=VALID_BIC,
    )
    services.application_submit(actor=structure_user, application=application)
    agreement = services.application_accept(actor=funder_user, application=application)
    services.agreement_set_status(
        actor=funder_user, agreement=agreement, status="terminated", reason="fin"
    )
    assert place.program_links.get().link_source == "operator"
