import datetime as dt
import uuid
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Header, Query, Router, Schema
from ninja.errors import AuthorizationError, HttpError
from ninja.responses import Status
from pydantic import AwareDatetime, StrictBool

from accompaniments.enums import ConsumeOutcome, SessionKind, SessionStatus
from accompaniments.exceptions import AccompanimentsError
from accompaniments.models import Session
from accompaniments.selectors import sessions_page
from accompaniments.services import (
    session_cancel,
    session_create,
    session_update,
    unit_consume,
)
from accounts.enums import ApiScope
from accounts.models import User
from core.services import idempotent_call, request_fingerprint
from places.enums import Service
from places.models import Place
from programs.models import Program, Track
from programs.selectors import program_local

router = Router(tags=["unités"])

IDEMPOTENCY_KEY_MAX = 100
# Printable ASCII, no space: a UUID, or any token the client makes for one request.
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]+$"
# A serial as printed (KK26-00000001-8) or typed: 2 to 6 letters or digits, then 9 digits,
# with one space or dash allowed between any two characters. Every serial it accepts is
# read by vouchers.codes.serial_normalize (a wrong check digit is the `unknown` outcome).
SERIAL_PATTERN = r"^[A-Za-z0-9](?:[ -]?[A-Za-z0-9]){1,5}(?:[ -]?[0-9]){9}$"


class ConsumeIn(Schema):
    serial: Annotated[
        str,
        Field(
            min_length=1,
            max_length=30,
            pattern=SERIAL_PATTERN,
            description="Numéro du chèque, tel qu'imprimé (tirets ou espaces permis).",
            examples=["KK26-00000001-8"],
        ),
    ]
    code: Annotated[
        str,
        Field(
            min_length=1,
            max_length=12,
            description="Code secret du chèque (8 caractères, tiret permis).",
            examples=["ABCD-EFGH"],
        ),
    ]
    test: StrictBool = Field(
        False, description="Seulement vérifier le chèque, sans l'utiliser ni de clé."
    )


class ConsumeOut(Schema):
    outcome: ConsumeOutcome = Field(description="Ce qui s'est passé.")
    ok: bool
    message: str = Field(description="Message pour la personne, en français.")
    serial: str | None = None
    value_cents: int | None = None


REFUSED = {ConsumeOutcome.ALREADY_USED: 409}


def scope_require(request: HttpRequest, scope: ApiScope) -> None:
    """403 (problem details) unless the request's API key has `scope`."""
    if scope not in request.auth.scopes:
        raise AuthorizationError(
            message=f"Cette clé d'API n'a pas le droit « {scope.value} » ({scope.label}) : "
            "l'administrateur de l'organisation peut créer une clé qui l'a."
        )


@router.post(
    "/consume",
    response={200: ConsumeOut, 409: ConsumeOut, 422: ConsumeOut},
    summary="Utiliser un chèque",
    openapi_extra={
        "responses": {
            200: {"description": "Chèque utilisé (ou valable, avec `test`)."},
            409: {"description": "Chèque déjà utilisé (`outcome` : already_used)."},
            422: {"description": "Chèque refusé : voir `outcome` et `message` (JSON)."},
        }
    },
)
def consume(
    request: HttpRequest,
    payload: ConsumeIn,
    idempotency_key: str = Header(
        ...,
        alias="Idempotency-Key",
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX,
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description=(
            f"Obligatoire, une par demande ({IDEMPOTENCY_KEY_MAX} caractères ASCII visibles au "
            "plus, sans espace, un UUID par exemple) : la même clé avec la même demande rend la "
            "première réponse ; avec une autre demande, elle est refusée (422). Avec `test`, "
            "elle n'est pas gardée."
        ),
    ),
):
    """Uses a voucher (or only checks it with `test`). Requires the `units:consume` scope.
    200: used (or valid); 409: already used; 422: refused (see `outcome`, JSON), or a request
    refused before any check (problem details): body or header invalid, `Idempotency-Key`
    missing or already used for another request."""
    scope_require(request, ApiScope.UNITS_CONSUME)
    organisation = request.organisation
    if not organisation.is_structure:
        return Status(
            422,
            {
                "outcome": "not_here",
                "ok": False,
                "message": "Cette clé n'est pas celle d'une structure.",
            },
        )
    if payload.test:
        result = unit_consume(
            actor=None,
            structure=organisation,
            serial=payload.serial,
            code=payload.code,
            test=True,
        )
    else:
        key = idempotency_key
        # The key is held here, with a fingerprint of the body: the same key sent with
        # another body is refused, never answered with the first body's answer.
        result = unit_consume(
            actor=None,
            structure=organisation,
            serial=payload.serial,
            code=payload.code,
            idempotency_key=key,
            fingerprint=request_fingerprint(payload.model_dump()),
        )
    status = 200 if result.ok else REFUSED.get(result.outcome, 422)
    return Status(status, result.as_dict())


# --- Sessions: a structure publishes and updates its workshops ------------------------------

sessions_router = Router(tags=["séances"])
PLACE_ID = (
    "Lieu de la structure : son identifiant public (source:identifiant, comme dans /places/)."
)


class SessionIn(Schema):
    program: str = Field(max_length=80, description="Identifiant court du programme.")
    place: str = Field(max_length=400, description=PLACE_ID)
    kind: SessionKind = Field(description="individual ou collective (atelier).")
    title: str = Field("", max_length=150)
    starts_at: AwareDatetime = Field(description="Début, avec son fuseau (ISO 8601).")
    duration_minutes: int = Field(ge=5, le=480)
    capacity: int = Field(1, ge=1, le=50, description="Places d'un atelier (1 en individuel).")
    mediator: str = Field(max_length=254, description="Adresse e-mail d'un membre de la structure.")
    track: str | None = Field(None, max_length=120, description="Nom du parcours du programme.")
    themes: list[Service] = Field([], description="Services du standard des lieux.")


class SessionChange(Schema):
    place: str | None = Field(None, max_length=400, description=PLACE_ID)
    title: str | None = Field(None, max_length=150)
    starts_at: AwareDatetime | None = None
    duration_minutes: int | None = Field(None, ge=5, le=480)
    capacity: int | None = Field(None, ge=1, le=50)
    mediator: str | None = Field(None, max_length=254)
    track: str | None = Field(None, max_length=120)
    themes: list[Service] | None = None


class SessionCancel(Schema):
    reason: str = Field(min_length=1, max_length=300, description="Motif, dit aux inscrits.")


class SessionOut(Schema):
    id: str = Field(description="UUID de la séance.")
    program: str
    place: str
    kind: SessionKind
    title: str
    starts_at: str = Field(description="ISO 8601, heure du programme.")
    ends_at: str
    duration_minutes: int
    capacity: int
    seats_taken: int
    seats_left: int
    status: SessionStatus
    mediator: str
    track: str | None
    themes: list[str]


class SessionQuery(Schema):
    program: str = Field("", max_length=80, description="Seulement ce programme.")
    since: dt.date | None = Field(None, description="Séances à partir de ce jour.")
    limit: int = Field(100, ge=1, le=500)
    cursor: str = Field("", max_length=100, description="Le `next_cursor` de la page d'avant.")


class SessionPage(Schema):
    items: list[SessionOut]
    next_cursor: str | None = None


def _session_out(session: Session) -> dict:
    starts = program_local(session.program, session.starts_at)
    return {
        "id": str(session.uuid),
        "program": session.program.slug,
        "place": session.place.public_id,
        "kind": session.kind,
        "title": session.title,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(minutes=session.duration_minutes)).isoformat(),
        "duration_minutes": session.duration_minutes,
        "capacity": session.capacity,
        "seats_taken": session.seats_taken,
        "seats_left": session.seats_left,
        "status": session.status,
        "mediator": session.mediator.email,
        "track": session.track.name if session.track else None,
        "themes": list(session.themes),
    }


def _structure(request: HttpRequest):
    scope_require(request, ApiScope.SESSIONS_WRITE)
    if not request.organisation.is_structure:
        raise AuthorizationError(message="Cette clé n'est pas celle d'une structure.")
    return request.organisation


def _place(structure, public_id: str):
    source, _, source_id = public_id.partition(":")
    place = Place.objects.filter(structure=structure, source=source, source_id=source_id).first()
    if place is None:
        raise AccompanimentsError(
            f"place : lieu « {public_id} » inconnu de votre structure.", "place"
        )
    return place


def _mediator(structure, email: str):
    user = User.objects.filter(
        email=email.strip().lower(), memberships__organisation=structure
    ).first()
    if user is None:
        raise AccompanimentsError(
            "mediator : cette adresse n'est pas celle d'un membre de votre structure.", "mediator"
        )
    return user


def _track(program, name: str | None):
    if not name:
        return None
    track = Track.objects.filter(program=program, name=name).first()
    if track is None:
        raise AccompanimentsError(
            f"track : parcours « {name} » inconnu de {program.name}.", "track"
        )
    return track


def _session_of(structure, session_id: str) -> Session:
    session = (
        Session.objects.filter(uuid=session_id, structure=structure)
        .select_related("program", "place", "mediator", "track", "structure")
        .first()
    )
    if session is None:
        raise HttpError(404, "Séance inconnue de votre structure.")
    return session


NOT_FOUND = {404: {"description": "Séance inconnue de votre structure."}}


@sessions_router.get("/", response=SessionPage, summary="Séances de la structure")
def sessions_list(request: HttpRequest, query: Query[SessionQuery]):
    """The structure's sessions, by start then creation, `limit` per page. Requires the
    `sessions:write` scope."""
    structure = _structure(request)
    after = None
    if query.cursor:
        try:
            after = Session.objects.get(uuid=query.cursor, structure=structure)
        except (Session.DoesNotExist, ValueError, ValidationError) as error:
            raise AccompanimentsError("cursor : curseur inconnu.", field="cursor") from error
    page, more = sessions_page(
        structure=structure,
        program_slug=query.program,
        since=query.since,
        after=after,
        limit=query.limit,
    )
    return {
        "items": [_session_out(session) for session in page],
        "next_cursor": str(page[-1].uuid) if more else None,
    }


@sessions_router.post(
    "/",
    response={201: SessionOut},
    summary="Publier une séance",
    openapi_extra={"responses": {201: {"description": "Séance publiée (ou la même, rejouée)."}}},
)
def sessions_create(
    request: HttpRequest,
    payload: SessionIn,
    idempotency_key: str = Header(
        ...,
        alias="Idempotency-Key",
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX,
        description="Une par demande : la même clé avec la même demande rend la même séance.",
    ),
):
    """Publishes an individual session or a workshop, under the rules of the pages
    (accompaniments.services.session_create). Requires the `sessions:write` scope."""
    structure = _structure(request)
    program = Program.objects.filter(slug=payload.program).first()
    if program is None:
        raise AccompanimentsError(f"program : programme « {payload.program} » inconnu.", "program")

    def create() -> Session:
        return session_create(
            actor=None,
            structure=structure,
            place=_place(structure, payload.place),
            program=program,
            kind=payload.kind,
            title=payload.title,
            starts_at=payload.starts_at,
            duration_minutes=payload.duration_minutes,
            mediator=_mediator(structure, payload.mediator),
            capacity=payload.capacity,
            track=_track(program, payload.track),
            themes=[theme.value for theme in payload.themes],
        )

    session = idempotent_call(
        organisation_id=structure.pk,
        scope="session_create",
        key=idempotency_key,
        fingerprint=request_fingerprint(payload.model_dump(mode="json")),
        compute=create,
        encode=lambda created: {"session": str(created.uuid)},
        decode=lambda stored: Session.objects.get(uuid=stored["session"]),
    )
    return Status(201, _session_out(_session_of(structure, str(session.uuid))))


@sessions_router.get(
    "/{session_id}",
    response=SessionOut,
    summary="Une séance",
    openapi_extra={"responses": NOT_FOUND},
)
def sessions_get(request: HttpRequest, session_id: uuid.UUID):
    """One session of the structure. Requires the `sessions:write` scope."""
    return _session_out(_session_of(_structure(request), str(session_id)))


@sessions_router.patch(
    "/{session_id}",
    response=SessionOut,
    summary="Modifier une séance à venir",
    openapi_extra={"responses": NOT_FOUND},
)
def sessions_update(request: HttpRequest, session_id: uuid.UUID, payload: SessionChange):
    """Changes a session still to come (accompaniments.services.session_update): only the
    fields sent; the people booked are told of a new hour or place. Requires the
    `sessions:write` scope."""
    structure = _structure(request)
    session = _session_of(structure, str(session_id))
    sent = payload.model_dump(exclude_unset=True)
    changes = {
        name: sent[name]
        for name in ("title", "starts_at", "duration_minutes", "capacity")
        if sent.get(name) is not None
    }
    if sent.get("place"):
        changes["place"] = _place(structure, sent["place"])
    if sent.get("mediator"):
        changes["mediator"] = _mediator(structure, sent["mediator"])
    if "track" in sent:
        changes["track"] = _track(session.program, sent["track"])
    if sent.get("themes") is not None:
        changes["themes"] = [Service(theme).value for theme in sent["themes"]]
    updated = session_update(actor=None, session=session, **changes)
    return _session_out(_session_of(structure, str(updated.uuid)))


@sessions_router.post(
    "/{session_id}/cancel",
    response=SessionOut,
    summary="Annuler une séance à venir",
    openapi_extra={"responses": NOT_FOUND},
)
def sessions_cancel(request: HttpRequest, session_id: uuid.UUID, payload: SessionCancel):
    """Cancels a session still to come; the people booked or waiting are told. Requires the
    `sessions:write` scope."""
    structure = _structure(request)
    session = session_cancel(
        actor=None, session=_session_of(structure, str(session_id)), reason=payload.reason
    )
    return _session_out(session)
