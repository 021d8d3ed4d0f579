from ninja import NinjaAPI

from accompaniments.api import router as accompaniments_router
from api.auth import ApiKeyAuth

api = NinjaAPI(
    title="passnum",
    version="1",
    description="API de passnum : utiliser des chèques et des heures depuis un autre logiciel.",
    urls_namespace="api",
    auth=ApiKeyAuth(),
)
api.add_router("/units/", accompaniments_router)
