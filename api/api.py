import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import (
    AuthenticationError,
    AuthorizationError,
    HttpError,
    Throttled,
    ValidationError,
)

from accompaniments.api import router as accompaniments_router
from accompaniments.api import sessions_router
from api.auth import ApiKeyAuth, rate_per_minute
from api.places import router as places_router
from api.problems import PROBLEM_CONTENT_TYPE, Problem, problem, validation_problem
from api.stats import router as stats_router
from core.exceptions import PassnumError

DESCRIPTION = """API de passnum : utiliser des chèques et des heures depuis un autre logiciel,
publier les séances d'une structure, lire les lieux (publics, sans clé : standard national des
lieux de médiation numérique v1.0.2, et GeoJSON ; pagination par curseur `next_cursor`).

Chaque demande porte une clé d'API de l'organisation (`Authorization: Bearer pn_…`), qui a des
droits (`units:consume`, `sessions:write`, `stats:read`) et une limite de demandes par minute.
Toute demande refusée avant l'opération reçoit un document « problem details » (RFC 9457,
`application/problem+json`) avec un message en français : 400 corps illisible (pas du JSON),
401 clé absente ou inconnue, 403 droit manquant, 404 séance inconnue, 413 corps trop grand, 422
demande invalide
(`errors` nomme chaque champ en cause) ou refusée, 429 trop de demandes (en-tête
`Retry-After`)."""

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_RESPONSES = {
    400: "Corps de la requête illisible : un objet JSON est attendu.",
    401: "Clé d'API absente, inconnue ou désactivée.",
    403: "La clé n'a pas le droit que demande l'opération.",
    413: "Corps de la requête trop grand.",
    404: "Introuvable : l'objet nommé dans l'adresse n'existe pas pour cette clé.",
    422: "Demande invalide (en-tête ou corps hors du schéma) ou refusée.",
    429: "Trop de demandes pour cette clé : réessayer après `Retry-After` secondes.",
}
HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    429: {
        "Retry-After": {
            "schema": {"type": "integer", "minimum": 1},
            "description": "Secondes à attendre avant la prochaine demande.",
        }
    },
}


class PassnumApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The generated document, with the problem details of every operation: 401, 403
        and 429 where a key is required, 400 and 422 where a body or parameter is read."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        definition = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(definition.pop("$defs", {}))
        schemas["Problem"] = definition
        for path, operations in schema["paths"].items():
            for operation in operations.values():
                if content_type := operation.pop("x-content-type", None):
                    success = operation["responses"][200]["content"]
                    success[content_type] = success.pop("application/json")
                statuses = [404] if "{" in path else []
                if operation.get("requestBody"):
                    statuses += [400, 413, 422]
                elif operation.get("parameters"):
                    statuses.append(422)
                if operation.get("security"):
                    statuses += [401, 403, 429]
                responses = operation.setdefault("responses", {})
                for status in sorted(statuses):
                    answer = responses.setdefault(status, {})
                    if "content" in answer:
                        answer["description"] = (
                            f"{answer.get('description', '')} Ou : {PROBLEM_RESPONSES[status]}"
                        ).strip()
                    else:
                        answer["description"] = PROBLEM_RESPONSES[status]
                    answer.setdefault("content", {})[PROBLEM_CONTENT_TYPE] = {"schema": PROBLEM_REF}
                    if status in HEADERS:
                        answer["headers"] = HEADERS[status]
        return schema


api = PassnumApi(
    title="passnum",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=ApiKeyAuth(),
)
api.add_router("/units/", accompaniments_router)
api.add_router("/stats/", stats_router)
api.add_router("/sessions/", sessions_router)
api.add_router("/places/", places_router)


@api.exception_handler(PassnumError)
def refusal(request, error: PassnumError):
    """Every refusal of a service, as a problem details document with its French message."""
    return problem(422, "Refusé", error.message, field=error.field)


@api.exception_handler(ValidationError)
def invalid(request, error: ValidationError):
    """A header or body outside the schema: 422 naming each field at fault."""
    return validation_problem(error.errors)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, error: AuthenticationError):
    response = problem(
        401,
        "Non authentifié",
        "Clé d'API absente, inconnue ou désactivée : envoyez l'en-tête "
        "« Authorization: Bearer pn_… » avec une clé active de votre organisation.",
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(AuthorizationError)
def forbidden(request, error: AuthorizationError):
    detail = error.message
    if detail == "Forbidden":  # django-ninja's own message
        detail = "Cette clé d'API n'a pas le droit de faire cette demande."
    return problem(403, "Accès refusé", detail)


@api.exception_handler(Throttled)
def throttled(request, error: Throttled):
    wait = max(1, math.ceil(error.wait or 60))
    response = problem(
        429,
        "Trop de demandes",
        f"Trop de demandes pour cette clé d'API ({rate_per_minute()} par minute au plus) : "
        f"réessayez dans {wait} s.",
    )
    response["Retry-After"] = str(wait)
    return response


@api.exception_handler(HttpError)
def http_error(request, error: HttpError):
    """Other refusals of django-ninja: 400 when the body is not JSON, in French."""
    if error.status_code == 400:
        detail = "Corps de la requête illisible : un objet JSON est attendu."
        if settings.DEBUG:
            detail += f" ({error.message})"
        return problem(400, "Requête illisible", detail)
    return problem(error.status_code, "Refusé", error.message)


@api.exception_handler(RequestDataTooBig)
def too_big(request, error: RequestDataTooBig):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return problem(
        413,
        "Requête trop grande",
        f"Corps de la requête trop grand : {limit // 1024} Ko au plus.",
    )


@api.exception_handler(Http404)
def not_found(request, error: Http404):
    return problem(404, "Introuvable", "Cette adresse de l'API n'existe pas.")
