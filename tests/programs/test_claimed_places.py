"""Point 8: a structure offers only its own places, in its application and in the agreement
built from it; the service says so, not only the form."""

import pytest

from accounts.enums import OrganisationKind as K
from places.models import Place
from programs import services
from programs.exceptions import ProgramsError
from tests.fixtures_programs import VALID_BIC, VALID_IBAN


@pytest.fixture
def other_structure(make_organisation, reunion_places):
    other = make_organisation(name="Autre structure", kinds=(K.STRUCTURE,))
    Place.objects.filter(source_id="ultra-num-974-001").update(structure=other)
    return other


def _save(call, structure, user, places, application=None):
    return services.application_save(
        actor=user,
        call=call,
        structure=structure,
        application=application,
        rna=structure.rna,
        places=places,
        services=["Aide aux démarches administratives"],
        weekly_opening_hours=30,
        iban=VALID_IBAN,
        bic=VALID_BIC,
    )


def test_ticking_another_structures_place_is_refused_by_the_service(
    open_call, structure, structure_user, other_structure
):
    theirs = Place.objects.get(structure=other_structure)
    mine = list(Place.objects.filter(structure=structure))
    with pytest.raises(ProgramsError) as refused:
        _save(open_call, structure, structure_user, [*mine, theirs])
    assert str(refused.value).startswith(
        f"Lieux proposés : « {theirs.nom} » ({theirs.commune}) n'est pas rattaché à "
        "Cyber-case test. Une structure ne propose que ses propres lieux."
    )
    free = Place.objects.filter(structure__isnull=True).first()
    with pytest.raises(ProgramsError, match="n'est pas rattaché"):
        _save(open_call, structure, structure_user, [free])
    assert not open_call.applications.exists()
    application = _save(open_call, structure, structure_user, mine)
    assert set(application.places.all()) == set(mine)
    with pytest.raises(ProgramsError, match="ne sont pas rattachés"):
        _save(open_call, structure, structure_user, [theirs, free], application=application)
    assert set(application.places.all()) == set(mine)


def test_the_application_form_lists_only_the_structures_own_places(
    client, open_call, structure, structure_user, other_structure
):
    client.force_login(structure_user)
    response = client.get(f"/programmes/appels/{open_call.pk}/candidater/")
    offered = set(response.context["form"].fields["places"].queryset)
    assert offered == set(Place.objects.filter(structure=structure)) and len(offered) == 2
    theirs = Place.objects.get(structure=other_structure)
    response = client.post(
        f"/programmes/appels/{open_call.pk}/candidater/",
        {
            "rna": structure.rna,
            "places": [theirs.pk],
            "services": ["Aide aux démarches administratives"],
            "weekly_opening_hours": "30",
            "iban": VALID_IBAN,
            "bic": VALID_BIC,
        },
    )
    assert response.status_code == 200 and not open_call.applications.exists()
    assert "places" in response.context["form"].errors


def test_a_place_attached_elsewhere_after_saving_blocks_submission_and_stays_out_of_the_agreement(
    open_call, structure, structure_user, other_structure, funder_user
):
    mine = list(Place.objects.filter(structure=structure).order_by("pk"))
    application = _save(open_call, structure, structure_user, mine)
    Place.objects.filter(pk=mine[0].pk).update(structure=other_structure)
    with pytest.raises(ProgramsError, match="n'est pas rattaché à Cyber-case test"):
        services.application_submit(actor=structure_user, application=application)
    Place.objects.filter(pk=mine[0].pk).update(structure=structure)
    services.application_submit(actor=structure_user, application=application)
    Place.objects.filter(pk=mine[0].pk).update(structure=other_structure)  # during the review
    agreement = services.application_accept(actor=funder_user, application=application)
    assert list(agreement.places.all()) == [mine[1]]
    assert not mine[0].program_links.exists() and mine[1].program_links.exists()
