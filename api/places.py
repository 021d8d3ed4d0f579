"""The places of the directory for partners, public (no key): rows of the national standard
for mediation places v1.0.2 (the same rows as the CSV export), filters, cursor pagination,
and a GeoJSON variant."""

import base64
import json
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import create_model

from core.exceptions import PassnumError
from places.enums import Fee, Public, Service, SupportMode
from places.selectors import PlaceFilters, accepted_program_names, places_page
from places.standard import FIELDS_V1, SCHEMA_V1_PATH, export_row
from programs.models import Program

router = Router(tags=["lieux"])

LIMIT_DEFAULT, LIMIT_MAX = 100, 1000
COORDINATES = ("latitude", "longitude")
_DESCRIPTIONS = {
    field["name"]: field.get("description", "").split("\n")[0][:300]
    for field in json.loads(SCHEMA_V1_PATH.read_text())["fields"]
}


def _standard_fields(*, coordinates: bool) -> dict:
    fields = {}
    for name in FIELDS_V1:
        if name in COORDINATES:
            if coordinates:
                fields[name] = (float | None, Field(None, description=_DESCRIPTIONS[name]))
            continue
        fields[name] = (str, Field(description=_DESCRIPTIONS[name]))
    return fields


PlaceV1 = create_model("PlaceV1", __base__=Schema, **_standard_fields(coordinates=True))
PlaceProperties = create_model(
    "PlaceProperties", __base__=Schema, **_standard_fields(coordinates=False)
)


class PlacePage(Schema):
    items: list[PlaceV1]
    next_cursor: str | None = Field(description="À passer en `cursor` pour la page suivante.")
    next: str | None = Field(description="Adresse de la page suivante (ou null : c'est la fin).")


class Point(Schema):
    type: Literal["Point"] = "Point"
    coordinates: list[float] = Field(description="[longitude, latitude] (WGS 84).")


class Feature(Schema):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: Point | None = Field(description="null pour un lieu sans position connue.")
    properties: PlaceProperties


class FeatureCollection(Schema):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature]
    next_cursor: str | None = None
    next: str | None = None


class PlaceQuery(Schema):
    code_insee: str = Field("", pattern=r"^([0-9]{2}|2[AB])[0-9]{3}$|^$", description="Commune.")
    code_postal: str = Field("", pattern=r"^[0-9]{5}$|^$", description="Code postal.")
    departement: str = Field(
        "", pattern=r"^([0-9]{2,3}|2[AB])$|^$", description="Département (47, 974…)."
    )
    programme: str = Field("", max_length=80, description="Lieux qui acceptent ce programme.")
    services: list[Service] = Field([], description="Au moins un de ces services.")
    publics: list[Public] = Field([], description="Au moins un de ces publics.")
    frais: list[Fee] = Field([], description="Au moins un de ces frais à charge.")
    modalites_accompagnement: list[SupportMode] = Field([], description="Au moins une.")
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX, description="Lieux par page.")
    cursor: str = Field("", max_length=100, description="Le `next_cursor` de la page d'avant.")


def _cursor_encode(pk: int) -> str:
    return base64.urlsafe_b64encode(f"p1:{pk}".encode()).decode().rstrip("=")


def _cursor_decode(cursor: str) -> int | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = text.split(":")
        if prefix != "p1":
            raise ValueError(prefix)
        return int(value)
    except (ValueError, UnicodeDecodeError) as error:
        raise PassnumError(
            "cursor : curseur inconnu, reprenez le `next_cursor` d'une page.", field="cursor"
        ) from error


def _page(request: HttpRequest, query: PlaceQuery, response: HttpResponse):
    program_id = None
    if query.programme:
        program_id = Program.objects.filter(slug=query.programme).values_list("pk", flat=True)
        program_id = program_id.first()
        if program_id is None:
            raise PassnumError(f"programme : « {query.programme} » inconnu.", field="programme")
    places, more = places_page(
        filters=PlaceFilters(
            services=[value.value for value in query.services],
            publics=[value.value for value in query.publics],
            fees=[value.value for value in query.frais],
            support_modes=[value.value for value in query.modalites_accompagnement],
            program_id=program_id,
        ),
        code_insee=query.code_insee,
        code_postal=query.code_postal,
        departement=query.departement,
        after=_cursor_decode(query.cursor),
        limit=query.limit,
    )
    names = accepted_program_names(place_ids=[place.pk for place in places])
    rows = [export_row(place, program_names=names.get(place.pk, [])) for place in places]
    for row in rows:
        for name in COORDINATES:
            row[name] = row[name] if row[name] != "" else None
    cursor = _cursor_encode(places[-1].pk) if more else None
    following = None
    if cursor:
        params = request.GET.copy()
        params["cursor"] = cursor
        following = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        response["Link"] = f'<{following}>; rel="next"'
    return rows, cursor, following


@router.get(
    "/",
    response=PlacePage,
    auth=None,
    summary="Lieux de médiation numérique (standard v1.0.2)",
)
def places_list(request: HttpRequest, response: HttpResponse, query: Query[PlaceQuery]):
    """The places, in a stable order, with the fields of the national standard of mediation
    places v1.0.2 (multi-valued fields joined by `|`, as in the CSV). Public, no key. A page
    holds `limit` places; `next_cursor` (and the `Link: rel="next"` header) gives the next."""
    rows, cursor, following = _page(request, query, response)
    return {"items": rows, "next_cursor": cursor, "next": following}


@router.get(
    "/geojson",
    response=FeatureCollection,
    auth=None,
    summary="Lieux de médiation numérique en GeoJSON",
    openapi_extra={
        "responses": {200: {"description": "FeatureCollection (RFC 7946)."}},
        "x-content-type": "application/geo+json",
    },
)
def places_geojson(request: HttpRequest, response: HttpResponse, query: Query[PlaceQuery]):
    """The same places and filters as a GeoJSON FeatureCollection (RFC 7946): one Point
    feature per place ([longitude, latitude]), the standard's fields as properties; served
    as `application/geo+json`. Public, no key."""
    rows, cursor, following = _page(request, query, response)
    features = []
    for row in rows:
        latitude, longitude = row.pop("latitude"), row.pop("longitude")
        point = None
        if latitude is not None and longitude is not None:
            point = {"type": "Point", "coordinates": [longitude, latitude]}
        features.append({"type": "Feature", "id": row["id"], "geometry": point, "properties": row})
    response["Content-Type"] = "application/geo+json"
    return {
        "type": "FeatureCollection",
        "features": features,
        "next_cursor": cursor,
        "next": following,
    }
