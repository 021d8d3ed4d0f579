"""places.services: the same place from several sources is one public place, which keeps every
source record; the operator's decisions on doubtful pairs are kept across imports."""

import io

import pytest
from django.core.management import call_command

from core.models import AuditEntry
from places import services
from places.enums import MatchStatus
from places.models import Place, PlaceMatch
from places.selectors import place_records, place_search, places_export_rows, public_places
from places.services import places_import
from tests.places.helpers import REUNION_FILE, place_row, places_csv

LAT, LON = "-21.0340", "55.7130"  # Saint-Benoît


def test_the_same_file_under_two_source_names_leaves_the_public_places_unchanged(
    reunion_places, tmp_path
):
    path = tmp_path / "copie.csv"
    path.write_bytes(REUNION_FILE.read_bytes())
    out = io.StringIO()
    call_command("import_places", str(path), "--source", "copie", "--wet-run", stdout=out)
    line = out.getvalue().strip().splitlines()[-1]
    assert "ajoutés : 155 ;" in line and "fusionnés : 155 ;" in line
    assert Place.objects.count() == 310
    assert public_places().count() == 155
    for place in public_places():
        assert sorted(r.source for r in place_records(place=place)) == ["copie", "ultra-num"]
    rows = list(places_export_rows())
    assert len(rows) == 155 and rows[0]["source"] == "copie, ultra-num"
    results = place_search(latitude=-21.0340, longitude=55.7130, radius_km=20)
    assert len({r.nom for r in results}) == len(results)  # each place once
    # Importing both again changes nothing.
    again = places_import(content=REUNION_FILE.read_bytes(), source="copie")
    assert (again.unchanged, again.merged, public_places().count()) == (155, 0, 155)


def test_a_merged_place_takes_each_field_from_the_freshest_source(communes, client):
    common = {"latitude": LAT, "longitude": LON, "nom": "Cyber-case de Beaufonds"}
    places_import(
        content=places_csv(
            place_row(
                id="old",
                date_maj="2023-01-10",
                telephone="+262262111111",
                horaires="Mo-Fr 08:00-12:00",
                **common,
            )
        ),
        source="hub",
    )
    report = places_import(
        content=places_csv(
            place_row(id="new", date_maj="2026-06-01", telephone="+262262222222", **common)
        ),
        source="cnfs",
    )
    assert report.merged == 1
    public = public_places().get()
    assert public.source == "hub"  # the first record keeps the public place and its links
    assert (public.telephone, public.horaires) == ("+262262222222", "Mo-Fr 08:00-12:00")
    assert public.date_maj.isoformat() == "2026-06-01"
    assert public.record["telephone"] == "+262262111111"  # its own source record is kept
    merged = Place.objects.get(source="cnfs")
    response = client.get(f"/lieux/{merged.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/lieux/{public.pk}/"
    page = client.get(f"/lieux/{public.pk}/").content.decode()
    assert "sources : hub (old), cnfs (new)" in page


def _doubtful_pair():
    """Two records a bit alike: same street, same position, names that share one word."""
    places_import(
        content=places_csv(
            place_row(
                id="a",
                nom="Collectif Moufia Bois de Nèfles",
                adresse="20 boulevard Gandhi",
                latitude=LAT,
                longitude=LON,
            )
        ),
        source="hub",
    )
    places_import(
        content=places_csv(
            place_row(
                id="b",
                nom="Cybercase Moufia Bois de Nèfles",
                adresse="20 rue Gandhi",
                latitude=LAT,
                longitude=LON,
            )
        ),
        source="cnfs",
    )
    return PlaceMatch.objects.get()


def test_a_doubtful_pair_waits_for_the_operator_whose_decision_is_kept(communes, operator):
    match = _doubtful_pair()
    assert match.status == MatchStatus.PENDING
    assert public_places().count() == 2
    services.place_match_decide(actor=operator, match=match, same=True)
    assert public_places().count() == 1
    # The next import of a changed record applies the decision again.
    report = places_import(
        content=places_csv(
            place_row(
                id="b",
                nom="Cybercase Moufia Bois de Nèfles",
                adresse="20 rue Gandhi",
                latitude=LAT,
                longitude=LON,
                telephone="+262262333333",
            )
        ),
        source="cnfs",
    )
    assert (report.updated, report.merged) == (1, 1)
    match.refresh_from_db()
    assert (match.status, match.decided_by) == (MatchStatus.CONFIRMED, operator)
    assert public_places().get().telephone == "+262262333333"
    services.place_match_decide(actor=operator, match=match, same=False)
    assert public_places().count() == 2
    assert Place.objects.get(source_id="a").telephone == ""  # its own values again
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"places.match_confirmed", "places.match_split"} <= actions


def test_an_obvious_split_by_the_operator_survives_the_next_import(communes, operator):
    common = {"latitude": LAT, "longitude": LON, "nom": "Cyber-case de Beaufonds"}
    places_import(content=places_csv(place_row(id="x", **common)), source="hub")
    places_import(content=places_csv(place_row(id="y", **common)), source="cnfs")
    match = PlaceMatch.objects.get()
    assert match.status == MatchStatus.MERGED
    services.place_match_decide(actor=operator, match=match, same=False)
    places_import(
        content=places_csv(place_row(id="y", presentation_resume="Nouveau", **common)),
        source="cnfs",
    )
    assert PlaceMatch.objects.get().status == MatchStatus.SPLIT
    assert public_places().count() == 2


def test_programs_accepted_by_a_merged_record_go_to_the_public_place(communes, make_program):
    common = {"latitude": LAT, "longitude": LON, "nom": "Cyber-case de Beaufonds"}
    places_import(content=places_csv(place_row(id="x", **common)), source="hub")
    places_import(content=places_csv(place_row(id="y", **common)), source="cnfs")
    public = public_places().get()
    split_record = Place.objects.get(source="cnfs")
    services.place_program_accept(actor=None, place=split_record, program=make_program())
    places_import(
        content=places_csv(place_row(id="y", presentation_resume="Changé", **common)),
        source="cnfs",
    )
    assert public.program_links.count() == 1


def test_the_duplicates_page_is_for_the_operator(
    client, communes, operator, make_member, make_organisation
):
    match = _doubtful_pair()
    client.force_login(make_member(make_organisation()))
    assert client.get("/lieux/doublons/").status_code == 403
    client.force_login(operator)
    page = client.get("/lieux/doublons/").content.decode()
    assert "Collectif Moufia Bois de Nèfles" in page and "Même lieu : fusionner" in page
    response = client.post(f"/lieux/doublons/{match.pk}/decider/", {"decision": "same"})
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.status == MatchStatus.CONFIRMED
    assert client.post(f"/lieux/doublons/{match.pk}/decider/", {"decision": "?"}).status_code == 302
    match.refresh_from_db()
    assert match.status == MatchStatus.CONFIRMED


@pytest.mark.parametrize("decision", ["same", "different"])
def test_deciding_needs_the_operator(client, communes, make_member, make_organisation, decision):
    match = _doubtful_pair()
    client.force_login(make_member(make_organisation()))
    response = client.post(f"/lieux/doublons/{match.pk}/decider/", {"decision": decision})
    assert response.status_code == 403
    assert PlaceMatch.objects.get().status == MatchStatus.PENDING
