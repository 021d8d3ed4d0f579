from ninja import NinjaAPI

from accompaniments.api import router as accompaniments_router
from api.auth import ApiKeyAuth
from core.exceptions import PassnumError

api = NinjaAPI(
    title="passnum",
    version="1",
    description="API de passnum : utiliser des chèques et des heures depuis un autre logiciel.",
    urls_namespace="api",
    auth=ApiKeyAuth(),
)
api.add_router("/units/", accompaniments_router)


@api.exception_handler(PassnumError)
def refusal(request, error: PassnumError):
    """Every refusal of a service, as a problem details document with its French message."""
    body = {"title": "Refusé", "status": 422, "detail": error.message}
    if error.field:
        body["field"] = error.field
    return api.create_response(request, body, status=422)
