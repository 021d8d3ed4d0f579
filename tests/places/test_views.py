"""places.views: searching the directory, a place's page, reports of errors, importing a file,
a structure's places and its claims, the operator's decisions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.enums import OrganisationKind as K
from places import services
from places.enums import ReportStatus
from places.models import Place, PlaceClaim, PlaceErrorReport, PlaceProgram
from tests.places.helpers import REUNION_FILE, broken_file


def test_public_search_from_a_typed_commune_lists_results_and_map_data(client, reunion_places):
    response = client.get("/lieux/", {"commune_label": "st benoit 974", "radius": "20"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "à moins de 20 km de Saint-Benoît" in content
    assert 'id="lieux-marqueurs"' in content
    assert "km</p>" in content


def test_search_around_me_uses_the_given_position(client, reunion_places):
    response = client.get("/lieux/", {"latitude": "-21.03", "longitude": "55.71", "radius": "5"})
    assert "de votre position" in response.content.decode()


def test_search_without_origin_says_what_to_do_and_keeps_filters(client, reunion_places):
    response = client.get(
        "/lieux/", {"commune_label": "", "services": ["Aide aux démarches administratives"]}
    )
    content = response.content.decode()
    assert "Indiquez une commune ou un code postal" in content
    assert 'value="Aide aux démarches administratives"' in content and "checked" in content


def test_search_with_an_unknown_commune_names_it(client, reunion_places):
    response = client.get("/lieux/", {"commune_label": "Zzyzx"})
    assert "Commune introuvable : « Zzyzx »" in response.content.decode()


def test_search_by_accepted_program(client, reunion_places, make_program):
    program = make_program()
    place = Place.objects.get(source_id="ultra-num-974-132")
    PlaceProgram.objects.create(place=place, program=program, link_source="operator")
    response = client.get(
        "/lieux/", {"commune_label": "97437", "radius": "50", "program": program.pk}
    )
    assert response.context["count"] == 1
    detail = client.get(f"/lieux/{place.pk}/").content.decode()
    assert f"Ce lieu accepte {program.name}" in detail


def test_place_page_shows_hours_in_plain_french_or_raw_text(client, reunion_places):
    place = Place.objects.get(source_id="ultra-num-974-002")
    content = client.get(f"/lieux/{place.pk}/").content.decode()
    assert "<strong>Samedi</strong> : 8 h à 16 h" in content
    place.horaires, place.horaires_valid = "Tu 12:30", False
    place.save()
    content = client.get(f"/lieux/{place.pk}/").content.decode()
    assert "Tu 12:30" in content and "Horaires donnés tels quels" in content


def test_error_report_lands_in_the_operator_queue(client, reunion_places, operator):
    place = Place.objects.first()
    response = client.post(f"/lieux/{place.pk}/signaler/", {"message": ""})
    assert "Ce champ est obligatoire" in response.content.decode()
    client.post(f"/lieux/{place.pk}/signaler/", {"message": "Le lieu a déménagé"})
    report = PlaceErrorReport.objects.get()
    assert client.get("/lieux/signalements/").status_code == 302  # login first
    client.force_login(operator)
    assert "Le lieu a déménagé" in client.get("/lieux/signalements/").content.decode()
    client.post(f"/lieux/signalements/{report.pk}/traiter/", {"status": "fixed"})
    report.refresh_from_db()
    assert report.status == ReportStatus.FIXED and report.handled_by == operator
    assert "Le lieu a déménagé" not in client.get("/lieux/signalements/").content.decode()


@pytest.mark.parametrize(
    "url", ["/lieux/import/", "/lieux/signalements/", "/programmes/lieux/1/gerer/"]
)
def test_directory_pages_are_for_operators_only(
    client, reunion_places, make_organisation, make_member, url
):
    client.force_login(make_member(make_organisation(kinds=("structure", "prescriber", "funder"))))
    assert client.get(url).status_code == 403


def test_import_page_checks_then_imports(client, communes, operator):
    client.force_login(operator)
    upload = SimpleUploadedFile("lieux.csv", REUNION_FILE.read_bytes(), content_type="text/csv")
    response = client.post("/lieux/import/", {"file": upload, "source": "ultra-num"})
    assert "rien n'a été enregistré" in response.content.decode()
    assert response.context["report"].added == 155 and Place.objects.count() == 0
    upload = SimpleUploadedFile("lieux.csv", REUNION_FILE.read_bytes(), content_type="text/csv")
    client.post("/lieux/import/", {"file": upload, "source": "ultra-num", "wet_run": "on"})
    assert Place.objects.count() == 155


def test_import_page_lists_rejected_rows_and_offers_the_report(client, communes, operator):
    client.force_login(operator)
    upload = SimpleUploadedFile("lieux.csv", broken_file(), content_type="text/csv")
    response = client.post("/lieux/import/", {"file": upload, "source": "x"})
    assert "<td>41</td>" in response.content.decode()
    report = client.get("/lieux/import/lignes-rejetees.csv").content.decode()
    assert report.splitlines()[0] == "ligne,id,suite,champ,valeur,règle"
    assert len(report.splitlines()) == 5  # three rows rejected, one value dropped


def test_import_page_refuses_other_files_keeping_the_source(client, communes, operator):
    client.force_login(operator)
    upload = SimpleUploadedFile("lieux.xlsx", b"xx")
    response = client.post("/lieux/import/", {"file": upload, "source": "ma-source"})
    content = response.content.decode()
    assert "Le fichier doit finir par .csv ou .json." in content
    assert 'value="ma-source"' in content


def test_structure_sees_its_places_and_not_another_structures(
    client, reunion_places, make_organisation, make_member
):
    mine, other = make_organisation(), make_organisation()
    place = Place.objects.first()
    place.structure = mine
    place.save()
    client.force_login(make_member(mine))
    assert place.nom in client.get(f"/lieux/structure/{mine.pk}/").content.decode()
    assert client.get(f"/lieux/structure/{other.pk}/").status_code == 403


def test_search_query_count_does_not_grow_with_results(
    client, reunion_places, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        small = client.get("/lieux/", {"commune_label": "97437", "radius": "5"})
    with django_assert_max_num_queries(8):
        large = client.get("/lieux/", {"commune_label": "97437", "radius": "100"})
    assert small.context["count"] < large.context["count"] == 155


def test_a_commune_without_a_reference_point_gets_a_clear_message(client, reunion_places):
    from territories.models import Commune

    Commune.objects.filter(code="97410").update(latitude=None, longitude=None)
    response = client.get("/lieux/", {"commune": "97410", "radius": "20"})
    assert response.status_code == 200
    assert "La position de Saint-Benoît n&#x27;est pas connue" in response.content.decode()


def test_a_structure_claims_from_the_place_page_and_follows_its_claim(
    client, free_place, claimant, claimant_user
):
    client.force_login(claimant_user)
    page = client.get(f"/lieux/{free_place.pk}/").content.decode()
    assert f'href="/lieux/{free_place.pk}/c-est-notre-lieu/"' in page
    response = client.post(
        f"/lieux/{free_place.pk}/c-est-notre-lieu/",
        {"structure": claimant.pk, "message": "Nous y sommes le mardi"},
    )
    assert response.url == f"/lieux/structure/{claimant.pk}/"
    claim = PlaceClaim.objects.get()
    assert (claim.place, claim.structure, claim.status) == (free_place, claimant, "pending")
    page = client.get(f"/lieux/structure/{claimant.pk}/").content.decode()
    assert free_place.nom in page and "demande en attente" in page


def test_a_structure_finds_free_places_from_its_places_page(
    client, free_place, claimant, claimant_user, structure
):
    client.force_login(claimant_user)
    page = client.get(f"/lieux/structure/{claimant.pk}/", {"q": free_place.nom}).content.decode()
    assert f"/lieux/{free_place.pk}/c-est-notre-lieu/" in page
    theirs = Place.objects.filter(structure=structure).first()
    page = client.get(f"/lieux/structure/{claimant.pk}/", {"q": theirs.nom}).content.decode()
    assert f"/lieux/{theirs.pk}/c-est-notre-lieu/" not in page


def test_a_structure_cannot_claim_a_place_that_has_a_structure(
    client, reunion_places, structure, claimant, claimant_user
):
    theirs = Place.objects.filter(structure=structure).first()
    client.force_login(claimant_user)
    assert "C&#x27;est notre lieu</a>" not in client.get(f"/lieux/{theirs.pk}/").content.decode()
    response = client.post(
        f"/lieux/{theirs.pk}/c-est-notre-lieu/", {"structure": claimant.pk, "message": "à nous"}
    )
    assert response.status_code == 200
    assert "déjà rattaché à une structure" in response.content.decode()
    assert not PlaceClaim.objects.exists()
    theirs.refresh_from_db()
    assert theirs.structure == structure


def test_only_structures_claim_and_only_for_their_own_structure(
    client, free_place, claimant, make_organisation, make_member
):
    prescriber_user = make_member(make_organisation(kinds=(K.PRESCRIBER,)))
    client.force_login(prescriber_user)
    assert client.get(f"/lieux/{free_place.pk}/c-est-notre-lieu/").status_code == 403
    outsider = make_member(make_organisation(kinds=(K.STRUCTURE,)))
    client.force_login(outsider)
    response = client.post(f"/lieux/{free_place.pk}/c-est-notre-lieu/", {"structure": claimant.pk})
    assert response.status_code == 200 and not PlaceClaim.objects.exists()


def test_only_an_operator_decides(
    client, free_place, claimant, claimant_user, operator, make_organisation, make_member
):
    claim = services.place_claim_create(actor=claimant_user, place=free_place, structure=claimant)
    funder_user = make_member(make_organisation(kinds=(K.FUNDER,)))
    for user in (claimant_user, funder_user):
        client.force_login(user)
        assert client.get("/lieux/rattachements/").status_code == 403
        assert (
            client.post(
                f"/lieux/rattachements/{claim.pk}/decider/", {"action": "approve"}
            ).status_code
            == 403
        )
        assert (
            client.post(
                f"/lieux/{free_place.pk}/rattacher/", {"structure": claimant.pk}
            ).status_code
            == 403
        )
    claim.refresh_from_db()
    free_place.refresh_from_db()
    assert (claim.status, free_place.structure) == ("pending", None)


def test_the_operator_page_lists_approves_refuses_and_attaches(
    client, reunion_places, claimant, claimant_user, operator
):
    first, second, third = Place.objects.filter(structure__isnull=True).order_by("pk")[:3]
    claim = services.place_claim_create(actor=claimant_user, place=first, structure=claimant)
    other_claim = services.place_claim_create(actor=claimant_user, place=second, structure=claimant)
    client.force_login(operator)
    home = client.get(f"/compte/organisations/{operator.memberships.get().organisation_id}/")
    assert "/lieux/rattachements/" in home.content.decode()
    page = client.get("/lieux/rattachements/").content.decode()
    assert first.nom in page and second.nom in page and "Association Ti Case" in page
    client.post(f"/lieux/rattachements/{claim.pk}/decider/", {"action": "approve"})
    first.refresh_from_db()
    assert first.structure == claimant
    response = client.post(
        f"/lieux/rattachements/{other_claim.pk}/decider/",
        {"action": "refuse", "reason": ""},
        follow=True,
    )
    assert "Motif du refus" in response.content.decode()
    other_claim.refresh_from_db()
    assert other_claim.status == "pending"
    client.post(
        f"/lieux/rattachements/{other_claim.pk}/decider/",
        {"action": "refuse", "reason": "Lieu municipal"},
    )
    other_claim.refresh_from_db()
    assert (other_claim.status, other_claim.refusal_reason) == ("refused", "Lieu municipal")
    page = client.get("/lieux/rattachements/", {"q": third.nom}).content.decode()
    assert f'action="/lieux/{third.pk}/rattacher/"' in page
    response = client.post(
        f"/lieux/{third.pk}/rattacher/", {"structure": claimant.pk, "q": third.nom}
    )
    assert response.status_code == 302 and "q=" in response.url
    third.refresh_from_db()
    assert third.structure == claimant


def test_import_page_says_merged_places_and_pairs_to_review(client, reunion_places, operator):
    client.force_login(operator)
    upload = SimpleUploadedFile("copie.csv", REUNION_FILE.read_bytes(), content_type="text/csv")
    response = client.post("/lieux/import/", {"file": upload, "source": "copie", "wet_run": "on"})
    content = response.content.decode()
    assert "fusionnés en une seule fiche : 155" in content
    assert Place.objects.filter(merged_into__isnull=True).count() == 155
