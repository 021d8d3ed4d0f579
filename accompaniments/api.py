from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Header, Router, Schema
from ninja.errors import AuthorizationError
from ninja.responses import Status
from pydantic import StrictBool

from accompaniments.enums import ConsumeOutcome
from accompaniments.services import unit_consume
from accounts.enums import ApiScope
from core.services import request_fingerprint

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
