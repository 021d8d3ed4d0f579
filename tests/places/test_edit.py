"""Places kept up to date: a structure edits its own places (hours in a weekly grid, contacts,
accessibility, services), the operator any place; an error report is closed by the correction;
the change is journaled and the page says when the place was updated."""

import datetime as dt

import pytest

from core.models import AuditEntry
from places import services
from places.exceptions import PlacesError
from places.hours import week_to_osm
from places.models import Place, PlaceErrorReport
from places.services import places_import
from tests.places.helpers import REUNION_FILE

T = dt.time


def _grid(**days) -> dict:
    """Form data: d0_open1='09:00'… for the days given as ((open, close), …)."""
    data = {}
    for day, ranges in days.items():
        index = int(day[1:])
        for n, (start, end) in enumerate(ranges, start=1):
            data[f"d{index}_open{n}"], data[f"d{index}_close{n}"] = start, end
    return data


def _form(**extra):
    week = {f"d{d}": (("09:00", "12:00"), ("14:00", "17:00")) for d in range(5)}
    week["d5"] = (("09:00", "12:00"),)
    return {
        **_grid(**week),
        "telephone": "0262 12 34 56",
        "courriel": "contact@cyber.re",
        "site_web": "https://cyber.re",
        "fiche_acces_libre": "",
        "services": ["Aide aux démarches administratives"],
        **extra,
    }


def test_the_weekly_grid_gives_opening_hours_in_the_osm_format():
    week = [[(T(9), T(12)), (T(14), T(17))]] * 5 + [[(T(9), T(12))], []]
    assert week_to_osm(week) == "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00"
    assert week_to_osm([[], [(T(8, 30), T(12))], [], [], [], [], [(T(10), T(12))]]) == (
        "Tu 08:30-12:00; Su 10:00-12:00"
    )
    assert week_to_osm([[]] * 7) == ""
    with pytest.raises(PlacesError, match="mardi"):
        week_to_osm([[], [(T(12), T(9))], [], [], [], [], []])
    with pytest.raises(PlacesError, match="après-midi"):
        week_to_osm([[(T(9), T(13)), (T(12), T(17))], [], [], [], [], [], []])


def test_a_structure_updates_its_place_and_the_page_says_when(client, structure, structure_user):
    place = Place.objects.get(source_id="ultra-num-974-132")
    client.force_login(structure_user)
    page = client.get(f"/lieux/{place.pk}/modifier/")
    content = page.content.decode()
    assert page.status_code == 200 and "Lundi, ouverture le matin" in content
    assert (
        'name="d0_open1" value="09:00"' in content and 'name="d0_close2" value="17:30"' in content
    )
    response = client.post(f"/lieux/{place.pk}/modifier/", _form())
    assert response.status_code == 302
    place.refresh_from_db()
    assert place.horaires == "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00"
    assert place.horaires_valid and place.telephone == "+262262123456"
    assert (place.courriels, place.site_web) == (["contact@cyber.re"], ["https://cyber.re"])
    assert place.services == ["Aide aux démarches administratives"]
    assert place.date_maj == dt.date(2026, 11, 25)
    assert place.record["telephone"] != "+262262123456"  # the source's own record is kept
    entry = AuditEntry.objects.get(action="places.edited")
    assert "telephone" in entry.data["fields"] and "telephone" not in entry.data["values"]
    assert entry.data["values"]["horaires"]["après"].startswith("Mo-Fr")
    detail = client.get(f"/lieux/{place.pk}/").content.decode()
    assert "Fiche mise à jour le 25 novembre 2026" in detail
    assert "Mettre à jour la fiche" in detail


def test_only_the_place_structure_and_the_operator_edit(
    client, structure, make_member, make_organisation, operator
):
    place = Place.objects.get(source_id="ultra-num-974-132")
    other = Place.objects.get(source_id="ultra-num-974-001")
    client.force_login(make_member(make_organisation(name="Autre structure")))
    assert client.get(f"/lieux/{place.pk}/modifier/").status_code == 403
    assert client.post(f"/lieux/{place.pk}/modifier/", _form()).status_code == 403
    client.logout()
    assert client.get(f"/lieux/{place.pk}/modifier/").status_code == 302  # to the login page
    client.force_login(operator)
    assert client.post(f"/lieux/{other.pk}/modifier/", _form()).status_code == 302
    other.refresh_from_db()
    assert other.telephone == "+262262123456"


def test_a_grid_with_a_missing_hour_keeps_what_was_typed(client, structure, structure_user):
    place = Place.objects.get(source_id="ultra-num-974-132")
    client.force_login(structure_user)
    form = _form(d6_open1="10:00", telephone="12")
    response = client.post(f"/lieux/{place.pk}/modifier/", form)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Horaires du dimanche : donnez l&#x27;heure d&#x27;ouverture" in content
    assert 'value="10:00"' in content
    form = _form(telephone="12")
    content = client.post(f"/lieux/{place.pk}/modifier/", form).content.decode()
    assert "Téléphone : un numéro français à 10 chiffres" in content
    place.refresh_from_db()
    assert place.local_edits == {}


def test_an_error_report_is_closed_by_the_correction(client, structure, operator):
    place = Place.objects.get(source_id="ultra-num-974-132")
    report = services.place_error_report_create(place=place, message="Le numéro a changé.")
    client.force_login(operator)
    reports_page = client.get("/lieux/signalements/").content.decode()
    assert f"/lieux/{place.pk}/modifier/?signalement={report.pk}" in reports_page
    form = client.get(f"/lieux/{place.pk}/modifier/?signalement={report.pk}")
    assert "Le numéro a changé." in form.content.decode()
    client.post(f"/lieux/{place.pk}/modifier/", {**_form(), "signalement": report.pk})
    report.refresh_from_db()
    assert (report.status, report.handled_by) == ("fixed", operator)
    assert "telephone" in report.handling_note
    assert AuditEntry.objects.filter(action="places.report_handled").count() == 1


def test_nothing_changed_is_said(structure, operator):
    place = Place.objects.get(source_id="ultra-num-974-132")
    with pytest.raises(PlacesError, match="Rien n'a changé"):
        services.place_edit(actor=operator, place=place, changes={"telephone": place.telephone})
    other = PlaceErrorReport.objects.create(
        place=Place.objects.exclude(pk=place.pk).first(), message="x"
    )
    with pytest.raises(PlacesError, match="ne concerne pas ce lieu"):
        services.place_edit(
            actor=operator, place=place, changes={"telephone": "0262000000"}, report=other
        )


def test_a_correction_stays_until_the_source_publishes_a_newer_date(structure, operator):
    place = Place.objects.get(source_id="ultra-num-974-132")
    services.place_edit(
        actor=operator, place=place, changes={"telephone": "0262000001", "site_web": []}
    )
    text = REUNION_FILE.read_text()
    # The source changes the place's name, still dated 2023: the correction stays, an emptied
    # field stays empty, the new name shows.
    renamed = text.replace("PIJ de St Benoît Cybercase MJC,", "PIJ Saint-Benoît Cybercase MJC,")
    report = places_import(content=renamed.encode(), source="ultra-num")
    assert report.updated == 1
    place.refresh_from_db()
    assert (place.telephone, place.site_web) == ("+262262000001", [])
    assert place.nom == "PIJ Saint-Benoît Cybercase MJC"
    # The source publishes the place again after the correction: its phone wins.
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if "ultra-num-974-132" in line)
    lines[index] = lines[index].replace("2023-03-28", "2026-12-01")
    places_import(content="\n".join(lines).encode(), source="ultra-num")
    place.refresh_from_db()
    assert place.telephone == place.record["telephone"] and place.date_maj == dt.date(2026, 12, 1)
