"""Problem details (RFC 9457) for every answer of the API that is not an operation's own:
the schemas the OpenAPI document shows and the French messages of invalid requests."""

import json

from django.http import HttpResponse
from ninja import Schema

PROBLEM_CONTENT_TYPE = "application/problem+json"


class ProblemField(Schema):
    field: str
    location: str
    message: str


class Problem(Schema):
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[ProblemField] | None = None


def problem(status: int, title: str, detail: str, **extra) -> HttpResponse:
    """A problem details answer: `extra` (field, errors) is added when given."""
    body = {"title": title, "status": status, "detail": detail}
    body |= {name: value for name, value in extra.items() if value is not None}
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type=f"{PROBLEM_CONTENT_TYPE}; charset=utf-8",
    )


def _message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "obligatoire"
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return "ne peut pas être vide"
        return f"{ctx.get('min_length')} caractères au moins"
    if kind == "string_too_long":
        return f"{ctx.get('max_length')} caractères au plus"
    if kind == "string_pattern_mismatch":
        return "format invalide"
    if kind == "string_type":
        return "texte attendu"
    if kind in ("bool_type", "bool_parsing"):
        return "true ou false attendu"
    if kind in ("int_type", "int_parsing"):
        return "nombre entier attendu"
    if kind in ("model_attributes_type", "model_type", "dict_type"):
        return "objet JSON attendu"
    if kind == "timezone_aware":
        return "date-heure avec son fuseau attendue (par exemple 2026-12-01T09:00:00+04:00)"
    if kind in ("datetime_parsing", "datetime_type", "datetime_from_date_parsing"):
        return "date-heure ISO 8601 attendue"
    if kind in ("date_parsing", "date_type", "date_from_datetime_parsing"):
        return "date AAAA-MM-JJ attendue"
    if kind in ("uuid_parsing", "uuid_type"):
        return "UUID attendu"
    if kind == "greater_than_equal":
        return f"au moins {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"au plus {ctx.get('le')}"
    if kind == "list_type":
        return "liste attendue"
    if kind == "enum":
        expected = str(ctx.get("expected", "")).replace("' or '", "' ou '")
        return f"valeur attendue parmi : {expected}"
    return "valeur invalide"


def _field(loc) -> tuple[str, str]:
    """(field, location) from a django-ninja error location: ("body", "payload", "serial")
    gives ("serial", "body"); ("header", "Idempotency-Key") gives the header's name."""
    parts = [str(part) for part in loc]
    location = parts[0] if parts else ""
    names = parts[1:]
    if location in ("body", "query") and len(names) > 1 and names[0] in ("payload", "query"):
        names = names[1:]  # the view's parameter name means nothing to a client
    return ".".join(names) or location, location


def validation_problem(errors: list[dict]) -> HttpResponse:
    """422 for a request the schema refuses, with each field at fault and its message."""
    fields = []
    for error in errors:
        field, location = _field(error.get("loc", ()))
        fields.append({"field": field, "location": location, "message": _message(error)})
    detail = " ; ".join(f"{item['field']} : {item['message']}" for item in fields)
    return problem(
        422,
        "Requête invalide",
        f"Requête invalide. {detail}." if detail else "Requête invalide.",
        field=fields[0]["field"] if fields else None,
        errors=fields,
    )
