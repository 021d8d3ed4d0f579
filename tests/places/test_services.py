"""places.services: importing the national standard's files, claims of a place by a structure
and the operator's decisions."""

import csv
import io
import json

import pytest
from django.db import IntegrityError, transaction

from accounts.enums import OrganisationKind as K
from core.models import AuditEntry
from places import services
from places.exceptions import PlacesError
from places.models import Place, PlaceClaim
from places.services import places_import, places_import_file
from places.standard import FIELDS_V1
from tests.places.helpers import FIXTURES, REUNION_FILE, broken_file, place_row, places_csv


def test_reunion_file_imports_155_places_with_no_rejection(reunion_places):
    assert (reunion_places.read, reunion_places.added, reunion_places.rejected) == (155, 155, 0)
    assert reunion_places.version == "1.0"
    assert Place.objects.count() == 155
    assert Place.objects.filter(commune_ref__isnull=True).count() == 0


def test_reimporting_the_same_file_changes_nothing(reunion_places):
    before = list(Place.objects.order_by("pk").values_list("pk", "updated_at"))
    again = places_import(content=REUNION_FILE.read_bytes(), source="ultra-num")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 155)
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


def test_broken_rows_are_reported_with_their_line_and_the_rest_imports(communes):
    report = places_import(content=broken_file(), source="ultra-num")
    assert (report.read, report.added, report.rejected) == (155, 152, 3)
    found = {(row.line, e.field, e.value) for row in report.rejected_rows for e in row.errors}
    assert found == {(6, "code_postal", "9741"), (41, "adresse", ""), (101, "nom", "")}
    rules = [e.rule for row in report.rejected_rows for e in row.errors]
    assert "champ obligatoire vide" in rules
    # An unknown value of a vocabulary is dropped and said, the row is kept.
    (warning,) = report.warning_rows
    assert (warning.line, [(e.field, e.value) for e in warning.errors]) == (
        61,
        [("services", "Cuisine")],
    )
    place = Place.objects.get(source_id=warning.source_id)
    assert place.services == ["Aide aux démarches administratives"]


def test_unknown_values_and_bad_optional_fields_are_dropped_not_the_row(communes):
    rows = list(csv.DictReader(io.StringIO(REUNION_FILE.read_text())))[:1]
    rows[0]["frais_a_charge"] = "junk|Gratuit"
    rows[0]["telephone"] = "+2622629725021234"
    rows[0]["code_insee"] = "974"
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=FIELDS_V1)
    writer.writeheader()
    writer.writerows(rows)
    report = places_import(content=stream.getvalue().encode(), source="t")
    assert (report.added, report.rejected) == (1, 0)
    assert {(e.field, e.value) for e in report.warning_rows[0].errors} == {
        ("frais_a_charge", "junk"),
        ("telephone", "+2622629725021234"),
        ("code_insee", "974"),
    }
    place = Place.objects.get()
    assert (place.frais_a_charge, place.telephone, place.code_insee) == (["Gratuit"], "", "")


def test_v01_file_imports_with_values_mapped_to_v1(communes):
    report = places_import(content=(FIXTURES / "lieux-v0.1.csv").read_bytes(), source="hub-test")
    assert (report.version, report.added, report.rejected) == ("0.1", 2, 0)
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
    assert (report.read, report.added) == (3, 3)


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


@pytest.mark.parametrize("content", [b"not,a,standard\n1,2,3\n", b"[1, 2]", b"{bad json"])
def test_unreadable_files_get_a_clear_message(communes, content):
    from places.exceptions import ImportFileUnreadable

    with pytest.raises(ImportFileUnreadable):
        places_import(content=content, name="f.json" if content[:1] in b"[{" else "f.csv")


def test_values_longer_than_what_is_kept_are_rejected_with_a_reason(communes):
    report = places_import(content=places_csv(place_row(nom="x" * 300)), source="t")
    assert report.rejected == 1
    assert report.rejected_rows[0].errors[0].rule == "250 caractères au plus"


def test_the_command_uses_the_file_name_as_default_source(communes, tmp_path):
    path = tmp_path / "lieux-du-departement.csv"
    path.write_bytes(places_csv(place_row()))
    places_import_file(path=path)
    assert Place.objects.get().source == "lieux-du-departement"
    places_import_file(path=path)
    assert Place.objects.count() == 1


def test_claim_then_approve_attaches_the_place(free_place, claimant, claimant_user, operator):
    claim = services.place_claim_create(
        actor=claimant_user, place=free_place, structure=claimant, message="Notre cyber-base"
    )
    assert (claim.status, claim.requested_by, claim.message) == (
        "pending",
        claimant_user,
        "Notre cyber-base",
    )
    free_place.refresh_from_db()
    assert free_place.structure is None  # nothing changes before the operator decides
    approved = services.place_claim_approve(actor=operator, claim=claim)
    assert (approved.status, approved.decided_by) == ("approved", operator)
    assert approved.decided_at is not None
    free_place.refresh_from_db()
    assert free_place.structure == claimant
    actions = list(
        AuditEntry.objects.filter(object_type="places.placeclaim")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["places.claim_created", "places.claim_approved"]
    with pytest.raises(PlacesError, match="déjà été traitée"):
        services.place_claim_approve(actor=operator, claim=claim)


def test_refusal_needs_a_reason_and_leaves_the_place_free(
    free_place, claimant, claimant_user, operator
):
    claim = services.place_claim_create(actor=claimant_user, place=free_place, structure=claimant)
    with pytest.raises(PlacesError, match="Motif du refus"):
        services.place_claim_refuse(actor=operator, claim=claim, reason="  ")
    refused = services.place_claim_refuse(
        actor=operator, claim=claim, reason="Ce lieu est une mairie annexe."
    )
    assert (refused.status, refused.refusal_reason) == ("refused", "Ce lieu est une mairie annexe.")
    free_place.refresh_from_db()
    assert free_place.structure is None
    # Once refused, a new claim may be made.
    assert (
        services.place_claim_create(
            actor=claimant_user, place=free_place, structure=claimant
        ).status
        == "pending"
    )


def test_one_pending_claim_per_place(free_place, claimant, claimant_user, make_organisation):
    services.place_claim_create(actor=claimant_user, place=free_place, structure=claimant)
    other = make_organisation(kinds=(K.STRUCTURE,))
    with pytest.raises(PlacesError, match="déjà en attente"):
        services.place_claim_create(actor=None, place=free_place, structure=other)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlaceClaim.objects.create(place=free_place, structure=other)  # the database refuses too
    assert PlaceClaim.objects.count() == 1


def test_a_place_that_has_a_structure_cannot_be_claimed(
    reunion_places, structure, claimant, claimant_user
):
    theirs = Place.objects.filter(structure=structure).first()
    with pytest.raises(PlacesError, match="déjà rattaché à une autre structure"):
        services.place_claim_create(actor=claimant_user, place=theirs, structure=claimant)
    with pytest.raises(PlacesError, match="déjà rattaché à Cyber-case test"):
        services.place_claim_create(actor=None, place=theirs, structure=structure)
    assert not PlaceClaim.objects.exists()


def test_only_a_structure_claims(free_place, make_organisation):
    prescriber = make_organisation(kinds=(K.PRESCRIBER,))
    with pytest.raises(PlacesError, match="Seule une structure"):
        services.place_claim_create(actor=None, place=free_place, structure=prescriber)


def test_approval_is_refused_when_the_place_got_a_structure_meanwhile(
    free_place, claimant, claimant_user, operator, make_organisation
):
    claim = services.place_claim_create(actor=claimant_user, place=free_place, structure=claimant)
    other = make_organisation(name="Autre structure", kinds=(K.STRUCTURE,))
    services.place_set_structure(actor=operator, place=free_place, structure=other)
    with pytest.raises(PlacesError, match="entre-temps"):
        services.place_claim_approve(actor=operator, claim=claim)
    claim.refresh_from_db()
    free_place.refresh_from_db()
    assert (claim.status, free_place.structure) == ("pending", other)  # all or nothing


def test_the_operator_attaches_a_free_place_directly_and_closes_its_claim(
    free_place, claimant, claimant_user, operator, make_organisation
):
    other = make_organisation(name="Autre structure", kinds=(K.STRUCTURE,))
    claim = services.place_claim_create(actor=claimant_user, place=free_place, structure=other)
    services.place_attach(actor=operator, place=free_place, structure=claimant)
    free_place.refresh_from_db()
    claim.refresh_from_db()
    assert free_place.structure == claimant
    assert (claim.status, claim.refusal_reason) == (
        "refused",
        "L'opérateur a rattaché ce lieu à Association Ti Case.",
    )
    with pytest.raises(PlacesError, match="déjà rattaché"):
        services.place_attach(actor=operator, place=free_place, structure=other)
    assert AuditEntry.objects.filter(action="places.structure_set").count() == 1


def _without(text: str, source_id: str) -> bytes:
    return "\n".join(line for line in text.splitlines() if source_id not in line).encode()


def test_a_place_gone_from_its_source_is_closed_kept_and_comes_back(
    reunion_places, make_program, client
):
    from places.selectors import place_search, places_export_rows

    place = Place.objects.get(source_id="ultra-num-974-104")
    program = make_program()
    services.place_program_accept(actor=None, place=place, program=program)
    text = REUNION_FILE.read_text()
    report = places_import(content=_without(text, "ultra-num-974-104"), source="ultra-num")
    assert (report.added, report.updated, report.unchanged, report.closed) == (0, 0, 154, 1)
    place.refresh_from_db()
    assert place.closed and place.removed_from_source_at is not None
    assert place.program_links.count() == 1  # kept, with its links
    assert place.pk not in {
        r.pk for r in place_search(latitude=place.latitude, longitude=place.longitude, radius_km=5)
    }
    assert "ultra-num:ultra-num-974-104" not in {row["id"] for row in places_export_rows()}
    assert "n'est plus dans l'annuaire" in client.get(f"/lieux/{place.pk}/").content.decode()
    # Importing the same file again closes nothing more; listing the place again reopens it.
    again = places_import(content=_without(text, "ultra-num-974-104"), source="ultra-num")
    assert (again.unchanged, again.closed) == (154, 0)
    back = places_import(content=text.encode(), source="ultra-num")
    assert (back.updated, back.unchanged, back.closed) == (1, 154, 0)
    place.refresh_from_db()
    assert not place.closed and place.removed_from_source_at is None


def test_a_dry_run_or_an_import_with_no_source_named_closes_nothing(reunion_places):
    text = REUNION_FILE.read_text()
    dry = places_import(
        content=_without(text, "ultra-num-974-104"), source="ultra-num", dry_run=True
    )
    assert dry.closed == 1
    assert not Place.objects.filter(closed=True).exists()
    places_import(content=_without(text, "ultra-num-974-104"))
    assert not Place.objects.filter(closed=True).exists()
