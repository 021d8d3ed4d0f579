"""programs.selectors: the territory a program covers and where its agreements' places are."""

from places.models import Place
from programs.selectors import program_coverage
from tests.factories import AgreementFactory


def test_coverage_lists_communes_without_an_agreement_place_nearby(
    client, structure, funder_user, program
):
    AgreementFactory(program=program, structure=structure, accepted_by=funder_user, active=True)
    rows = {r.commune.name: r for r in program_coverage(program=program)}
    assert len(rows) == 24
    assert rows["Saint-Benoît"].structures == [structure.name]
    assert rows["Saint-Paul"].nearest_km > 30
    client.force_login(funder_user)
    page = client.get(
        f"/programmes/{program.slug}/couverture/", {"distance": "15"}
    ).content.decode()
    assert "Saint-Paul — lieu le plus proche à" in page
    assert "Saint-Benoît — " not in page


def test_coverage_names_the_structure_of_the_agreement(structure, funder_user, program):
    AgreementFactory(program=program, structure=structure, accepted_by=funder_user, active=True)
    Place.objects.filter(structure=structure).update(structure=None)
    rows = {row.commune.name: row for row in program_coverage(program=program)}
    assert rows["Saint-Benoît"].structures == [structure.name]
