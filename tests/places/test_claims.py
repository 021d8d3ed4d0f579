"""Point 8: a structure claims a place that has no structure ("C'est notre lieu"); the operator
approves (the place is attached to it) or refuses with a reason, or attaches a place directly."""

import pytest
from django.db import IntegrityError, transaction

from accounts.enums import OrganisationKind as K
from core.models import AuditEntry
from places import services
from places.exceptions import PlacesError
from places.models import Place, PlaceClaim


@pytest.fixture
def operator(make_organisation, make_member):
    return make_member(make_organisation(name="Opérateur test", kinds=(K.OPERATOR,)))


@pytest.fixture
def claimant(make_organisation):
    return make_organisation(name="Association Ti Case", kinds=(K.STRUCTURE,))


@pytest.fixture
def claimant_user(claimant, make_member):
    return make_member(claimant)


@pytest.fixture
def free_place(reunion_places):
    return Place.objects.filter(structure__isnull=True).order_by("pk").first()


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


# --- Pages ---------------------------------------------------------------------------------


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
