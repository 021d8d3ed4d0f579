"""places.selectors: searching places around a point, their opening hours."""

import datetime as dt

import time_machine

from places.models import Place
from places.selectors import (
    PlaceFilters,
    opening_hours_plain,
    place_is_open,
    place_search,
    with_places,
)
from places.services import places_import
from territories.models import Commune
from tests.places.helpers import place_row, places_csv

# Arrondissement of Saint-Benoît (the east), as INSEE codes.
EAST = {"97410", "97406", "97402", "97409", "97417", "97421", "97419"}
WEST_AND_NORTH = {"97407", "97415", "97411", "97408", "97413", "97423", "97418"}


def _found(results):
    """The places of the results, in their order, with every column."""
    places = Place.objects.in_bulk([r.pk for r in results])
    return [places[r.pk] for r in results]


def _origin(name):
    commune = Commune.objects.get(name=name, departement_id="974")
    return {"latitude": commune.latitude, "longitude": commune.longitude}


def test_saint_benoit_within_20_km_lists_places_of_the_east_nearest_first(reunion_places):
    results = place_search(**_origin("Saint-Benoît"), radius_km=20)
    assert len(results) >= 10
    codes = [place.commune_ref_id for place in _found(results)]
    # La Poste's reference point of Saint-Benoît lies inland, so the circle also crosses the
    # mountains; the nearest places are all in the east and none is on the west or north coast.
    assert set(codes[:15]) <= EAST
    assert "97410" in codes[:10]
    assert not set(codes) & WEST_AND_NORTH
    distances = [r.distance_km for r in results]
    assert distances == sorted(distances) and distances[-1] <= 20
    west = place_search(**_origin("Le Port"), radius_km=20)
    assert not {r.pk for r in west} & {r.pk for r in results}


def test_filters_any_of_within_a_group(reunion_places):
    origin = _origin("Saint-Pierre")
    everything = place_search(**origin, radius_km=30)
    admin = place_search(
        **origin,
        radius_km=30,
        filters=PlaceFilters(services=["Aide aux démarches administratives"]),
    )
    assert 0 < len(admin) < len(everything)
    assert all("Aide aux démarches administratives" in place.services for place in _found(admin))


def test_filters_any_of_within_a_group_and_all_groups(reunion_places):
    """The same answer whether the database filters (PostgreSQL) or Python does (SQLite)."""
    origin = _origin("Saint-Pierre")
    services = ["Aide aux démarches administratives", "Insertion professionnelle via le numérique"]
    modes = ["Accompagnement individuel", "À distance"]
    pks = list(Place.objects.order_by("pk").values_list("pk", flat=True))
    Place.objects.filter(pk__in=pks[::3]).update(modalites_accompagnement=modes[:1])
    Place.objects.filter(pk__in=pks[1::3]).update(modalites_accompagnement=modes[1:] + ["Autre"])
    found = place_search(
        **origin, radius_km=30, filters=PlaceFilters(services=services, support_modes=modes)
    )
    expected = {
        place.pk
        for place in Place.objects.all()
        if set(services) & set(place.services) and set(modes) & set(place.modalites_accompagnement)
    }
    assert found and {r.pk for r in found} == expected & {
        r.pk for r in place_search(**origin, radius_km=30)
    }
    one = place_search(**origin, radius_km=30, filters=PlaceFilters(services=services[:1]))
    assert len(one) < len(
        place_search(**origin, radius_km=30, filters=PlaceFilters(services=services))
    )


def test_with_places_reads_the_shown_results_with_their_programs(
    reunion_places, django_assert_num_queries
):
    results = place_search(**_origin("Saint-Denis"), radius_km=10)
    assert all(r.place is None for r in results)
    with django_assert_num_queries(2):
        shown = with_places(results[:3])
    assert [r.place.nom for r in shown] == [r.nom for r in results[:3]]
    assert all(r.place.adresse for r in shown)


def test_radius_is_respected(reunion_places):
    small = place_search(**_origin("Saint-Denis"), radius_km=5)
    large = place_search(**_origin("Saint-Denis"), radius_km=100)
    assert len(small) < len(large) == Place.objects.count()
    assert all(r.distance_km <= 5 for r in small)


def test_open_now_uses_the_place_local_time(reunion_places):
    place = Place.objects.get(source_id="ultra-num-974-002")  # Mo-Fr 08:00-20:00; Sa 08:00-16:00
    # Wednesday 2026-11-25 06:00 UTC is 10:00 in La Réunion, 07:00 in Paris.
    assert place_is_open(place, at=dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)) is True
    assert place_is_open(place, at=dt.datetime(2026, 11, 25, 17, 0, tzinfo=dt.UTC)) is False
    with time_machine.travel(dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)):
        results = place_search(
            **_origin("Saint-Pierre"), radius_km=10, filters=PlaceFilters(open_now=True)
        )
    assert place.pk in {r.pk for r in results}
    assert all(found.horaires_valid for found in _found(results))


def test_open_on_a_weekday(reunion_places):
    origin = _origin("Saint-Pierre")
    saturday = place_search(**origin, radius_km=30, filters=PlaceFilters(open_weekday=5))
    sunday = place_search(**origin, radius_km=30, filters=PlaceFilters(open_weekday=6))
    assert "ultra-num-974-002" in {place.source_id for place in _found(saturday)}
    assert "ultra-num-974-002" not in {place.source_id for place in _found(sunday)}


def test_opening_hours_in_plain_french(reunion_places):
    place = Place.objects.get(source_id="ultra-num-974-002")
    hours = dict(opening_hours_plain(place))
    assert hours["Lundi"] == "8 h à 20 h"
    assert hours["Samedi"] == "8 h à 16 h"
    assert hours["Dimanche"] == "fermé"


def test_a_place_without_insee_code_is_open_in_its_own_time_zone(communes):
    places_import(
        content=places_csv(
            place_row(horaires="Mo-Fr 08:30-16:30", latitude="-21.03", longitude="55.71")
        ),
        source="t",
    )
    place = Place.objects.get()
    assert place.code_insee == "" and place.commune_ref_id == "97410"
    # Wednesday 13:30 UTC is 17:30 in La Réunion (closed) and 14:30 in Paris (open).
    at = dt.datetime(2026, 11, 25, 13, 30, tzinfo=dt.UTC)
    assert place_is_open(place, at=at) is False

    with time_machine.travel(at):
        found = place_search(
            latitude=-21.03, longitude=55.71, radius_km=5, filters=PlaceFilters(open_now=True)
        )
    assert found == []


def test_hours_past_midnight_and_public_holidays(communes):
    places_import(
        content=places_csv(
            place_row(id="a", horaires="24/7"),
            place_row(id="b", horaires="Fr 22:00-02:00"),
            place_row(id="c", horaires="Mo-Fr 08:00-12:00; PH off"),
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
