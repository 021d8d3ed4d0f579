from django.http import HttpRequest
from ninja import Header, Router, Schema
from ninja.responses import Status

from accompaniments.enums import ConsumeOutcome
from accompaniments.services import unit_consume

router = Router(tags=["unités"])


class ConsumeIn(Schema):
    serial: str
    code: str
    test: bool = False


class ConsumeOut(Schema):
    outcome: str
    ok: bool
    message: str
    serial: str | None = None
    value_cents: int | None = None


REFUSED = {ConsumeOutcome.ALREADY_USED: 409}


@router.post("/consume", response={200: ConsumeOut, 409: ConsumeOut, 422: ConsumeOut})
def consume(
    request: HttpRequest,
    payload: ConsumeIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
):
    """Uses a voucher (or only checks it with `test`). Send an `Idempotency-Key` header: a
    replayed key returns the first answer. 409: already used; 422: refused (see `outcome`)."""
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
    result = unit_consume(
        actor=None,
        structure=organisation,
        serial=payload.serial,
        code=payload.code,
        idempotency_key=idempotency_key[:100],
        test=payload.test,
    )
    status = 200 if result.ok else REFUSED.get(result.outcome, 422)
    return Status(status, result.as_dict())
