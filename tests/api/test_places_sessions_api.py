"""The partner API's places (public, standard v1.0.2, cursor, GeoJSON) and sessions (a
structure publishes and updates its workshops with `sessions:write`), every answer in a
documented status and shape."""

import datetime as dt
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from django.core import mail

from accompaniments.enums import SessionStatus
from accompaniments.models import Session
from accompaniments.services import participant_book
from accounts.enums import ApiScope
from accounts.services import api_key_create
from core import sms
from core.models import AuditEntry
from places.models import Place, PlaceProgram
from places.selectors import places_export_rows
from places.standard import FIELDS_V1

PROBLEM = "application/problem+json"
REUNION = ZoneInfo("Indian/Reunion")


@pytest.fixture
def openapi(client, db):
    return client.get("/api/v1/openapi.json").json()


def documented(openapi, response, path, method="get") -> None:
    """The answer's status is documented for the operation, with its content type, and its
    body matches the schema documented for them."""
    answers = openapi["paths"][path][method]["responses"]
    assert str(response.status_code) in answers, response.status_code
    content_type = response["Content-Type"].split(";")[0]
    content = answers[str(response.status_code)]["content"]
    assert content_type in content, (response.status_code, content_type)
    schema = dict(content[content_type]["schema"], components=openapi["components"])
    jsonschema.validate(response.json(), schema)


# --- Places ----------------------------------------------------------------------------------


def test_places_are_public_rows_of_the_standard_walked_by_cursor(client, reunion_places, openapi):
    path = "/api/v1/places/"
    seen, url, pages = [], f"{path}?limit=40", 0
    while url:
        response = client.get(url)
        documented(openapi, response, path)
        body = response.json()
        assert len(body["items"]) <= 40
        seen += body["items"]
        url, pages = body["next"], pages + 1
        if url:
            assert response["Link"] == f'<{url}>; rel="next"'
            url = url.replace("http://testserver", "")
    assert pages == 4 and len(seen) == Place.objects.count() == 155
    assert len({row["id"] for row in seen}) == 155  # no place twice, none missing
    assert set(seen[0]) == set(FIELDS_V1)
    # The same rows as the standard's CSV export (one rule for both), coordinates as numbers.
    exported = {row["id"]: row for row in places_export_rows()}
    for row in seen:
        expected = dict(exported[row["id"]])
        for name in ("latitude", "longitude"):
            expected[name] = expected[name] if expected[name] != "" else None
        assert row == expected


def test_places_filters_by_commune_departement_service_and_program(client, reunion_places, program):
    le_port = client.get("/api/v1/places/?code_insee=97407&limit=1000").json()["items"]
    assert le_port and {row["code_insee"] for row in le_port} == {"97407"}
    assert len(client.get("/api/v1/places/?departement=974&limit=1000").json()["items"]) == 155
    assert client.get("/api/v1/places/?departement=47").json()["items"] == []
    service = "Aide aux démarches administratives"
    helping = client.get("/api/v1/places/", {"services": service, "limit": 1000}).json()["items"]
    assert helping and all(service in row["services"].split("|") for row in helping)
    assert len(helping) == sum(service in p.services for p in Place.objects.order_by("pk"))
    place = Place.objects.order_by("pk").first()
    PlaceProgram.objects.create(place=place, program=program, link_source="operator")
    accepting = client.get("/api/v1/places/", {"programme": program.slug}).json()["items"]
    assert [row["id"] for row in accepting] == [place.public_id]
    assert program.name in accepting[0]["autres_formations_labels"]


def test_places_refusals_are_problem_details_naming_the_field(client, reunion_places, openapi):
    path = "/api/v1/places/"
    for query, field in (
        ("cursor=not-a-cursor", "cursor"),
        ("limit=0", "limit"),
        ("code_postal=974", "code_postal"),
        ("services=Cuisine", "services.0"),
        ("programme=inconnu", "programme"),
    ):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 422 and response["Content-Type"].startswith(PROBLEM)
        assert response.json()["field"] == field, query
        documented(openapi, response, path)


def test_places_in_geojson(client, reunion_places, openapi):
    path = "/api/v1/places/geojson"
    Place.objects.filter(pk=Place.objects.order_by("pk").first().pk).update(
        latitude=None, longitude=None
    )
    response = client.get(f"{path}?limit=1000")
    assert response["Content-Type"] == "application/geo+json"
    answers = openapi["paths"][path]["get"]["responses"]["200"]["content"]
    schema = dict(answers["application/geo+json"]["schema"], components=openapi["components"])
    body = response.json()
    jsonschema.validate(body, schema)
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 155
    first, second = body["features"][:2]
    assert first["geometry"] is None  # no position known: a null geometry (RFC 7946)
    place = Place.objects.get(source="ultra-num", source_id=second["id"].split(":")[1])
    assert second["geometry"] == {
        "type": "Point",
        "coordinates": [place.longitude, place.latitude],
    }
    assert "latitude" not in second["properties"] and second["properties"]["nom"] == place.nom


# --- Sessions --------------------------------------------------------------------------------


@pytest.fixture
def partner(kk):
    """The structure's software, with a key that may write sessions."""
    _record, key = api_key_create(
        actor=None, organisation=kk["structure"], name="agenda", scopes=[ApiScope.SESSIONS_WRITE]
    )
    place = Place.objects.filter(structure=kk["structure"]).order_by("pk").first()
    return kk | {"key": key, "place": place}


def call(client, method, path, body=None, key=None, idempotency_key=None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    return getattr(client, method)(path, body, content_type="application/json", headers=headers)


def workshop(partner, **changes):
    return {
        "program": partner["program"].slug,
        "place": partner["place"].public_id,
        "kind": "collective",
        "title": "Atelier : les démarches en ligne",
        "starts_at": "2026-12-03T09:00:00+04:00",
        "duration_minutes": 120,
        "capacity": 5,
        "mediator": partner["mediator"].email,
        "themes": ["Aide aux démarches administratives"],
    } | changes


def test_a_structure_publishes_a_workshop_once_per_idempotency_key(client, partner, openapi):
    path = "/api/v1/sessions/"
    created = call(client, "post", path, workshop(partner), partner["key"], "w-1")
    assert created.status_code == 201, created.json()
    documented(openapi, created, path, "post")
    body = created.json()
    session = Session.objects.get(uuid=body["id"])
    assert (session.structure, session.capacity, session.kind) == (
        partner["structure"],
        5,
        "collective",
    )
    assert session.starts_at == dt.datetime(2026, 12, 3, 9, tzinfo=REUNION)
    assert body["starts_at"] == "2026-12-03T09:00:00+04:00" and body["seats_left"] == 5
    assert AuditEntry.objects.filter(action="session.created", object_id=str(session.pk)).exists()
    replay = call(client, "post", path, workshop(partner), partner["key"], "w-1")
    assert replay.status_code == 201 and replay.json() == body
    assert Session.objects.count() == 1
    other = call(client, "post", path, workshop(partner, title="Autre"), partner["key"], "w-1")
    assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
    listed = call(client, "get", path, key=partner["key"])
    documented(openapi, listed, path)
    assert [item["id"] for item in listed.json()["items"]] == [body["id"]]


def test_the_rules_of_the_pages_hold_through_the_api(client, partner, openapi):
    """The same service as the page refuses: more than the program's 5 seats, a place of
    another structure, a mediator from elsewhere, a day without agreement, no time zone."""
    path = "/api/v1/sessions/"
    other_place = Place.objects.exclude(structure=partner["structure"]).order_by("pk").first()
    for changes, field in (
        ({"capacity": 6}, "capacity"),
        ({"place": other_place.public_id}, "place"),
        ({"mediator": "nobody@example.org"}, "mediator"),
        ({"starts_at": "2027-03-01T09:00:00+04:00"}, "starts_at"),
        ({"starts_at": "2026-12-03T09:00:00"}, "starts_at"),
        ({"duration_minutes": 600}, "duration_minutes"),
        ({"track": "Inconnu"}, "track"),
        ({"program": "inconnu"}, "program"),
    ):
        refused = call(client, "post", path, workshop(partner, **changes), partner["key"], "k")
        assert refused.status_code == 422 and refused["Content-Type"].startswith(PROBLEM)
        assert refused.json()["field"] == field, (changes, refused.json())
        documented(openapi, refused, path, "post")
    assert not Session.objects.exists()


def test_a_workshop_is_updated_then_cancelled_and_the_people_booked_are_told(
    client, partner, beneficiary, openapi, django_capture_on_commit_callbacks
):
    key = partner["key"]
    created = call(client, "post", "/api/v1/sessions/", workshop(partner), key, "w-1").json()
    path = f"/api/v1/sessions/{created['id']}"
    session = Session.objects.get(uuid=created["id"])
    participant_book(actor=None, session=session, beneficiary=beneficiary, booked_by=None)
    mail.outbox.clear()
    sms.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        moved = call(client, "patch", path, {"starts_at": "2026-12-04T14:00:00+04:00"}, key)
    assert moved.status_code == 200, moved.json()
    documented(openapi, moved, "/api/v1/sessions/{session_id}", "patch")
    assert moved.json()["starts_at"] == "2026-12-04T14:00:00+04:00"
    assert moved.json()["title"] == created["title"]  # only the fields sent change
    told = [(m["to"], m["text"]) for m in sms.outbox] + [(m.to, m.body) for m in mail.outbox]
    assert len(told) == 1 and "04/12 à 14:00" in told[0][1]

    too_small = call(client, "patch", path, {"capacity": 0}, key)
    assert too_small.status_code == 422 and too_small.json()["field"] == "capacity"
    session.refresh_from_db()
    Session.objects.filter(pk=session.pk).update(seats_taken=3)
    under = call(client, "patch", path, {"capacity": 2}, key)
    assert under.status_code == 422 and under.json()["field"] == "capacity"
    assert Session.objects.get(pk=session.pk).capacity == 5

    mail.outbox.clear()
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = call(client, "post", f"{path}/cancel", {"reason": "Médiateur malade"}, key)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == SessionStatus.CANCELLED
    told = [m["text"] for m in sms.outbox] + [m.body for m in mail.outbox]
    assert len(told) == 1 and "Médiateur malade" in told[0]
    again = call(client, "patch", path, {"title": "Nouveau titre"}, key)
    assert again.status_code == 422 and "ne se modifie plus" in again.json()["detail"]


def test_sessions_need_the_scope_and_see_only_their_structure(
    client, partner, make_organisation, openapi
):
    created = call(client, "post", "/api/v1/sessions/", workshop(partner), partner["key"], "w-1")
    path = f"/api/v1/sessions/{created.json()['id']}"
    _record, consume_only = api_key_create(
        actor=None, organisation=partner["structure"], name="caisse"
    )
    forbidden = call(client, "get", path, key=consume_only)
    assert forbidden.status_code == 403 and forbidden["Content-Type"].startswith(PROBLEM)
    documented(openapi, forbidden, "/api/v1/sessions/{session_id}")
    other = make_organisation(name="Autre structure")
    _record, other_key = api_key_create(
        actor=None, organisation=other, name="agenda", scopes=[ApiScope.SESSIONS_WRITE]
    )
    hidden = call(client, "get", path, key=other_key)
    assert hidden.status_code == 404 and hidden["Content-Type"].startswith(PROBLEM)
    documented(openapi, hidden, "/api/v1/sessions/{session_id}")
    unknown = call(client, "get", "/api/v1/sessions/not-a-uuid", key=partner["key"])
    assert unknown.status_code == 422
    anonymous = call(client, "get", path)
    assert anonymous.status_code == 401
    documented(openapi, anonymous, "/api/v1/sessions/{session_id}")
    assert call(client, "get", path, key=partner["key"]).status_code == 200
