from django.contrib import admin
from django.urls import include, path

from api.api import api
from core.views import health

urlpatterns = [
    path("", include("public.urls")),
    path("sante/", health, name="health"),
    path("compte/", include("accounts.urls")),
    path("territoires/", include("territories.urls")),
    path("lieux/", include("places.urls")),
    path("programmes/", include("programs.urls")),
    path("beneficiaires/", include("beneficiaries.urls")),
    path("carnets/", include("vouchers.urls")),
    path("accompagnements/", include("accompaniments.urls")),
    path("remboursements/", include("settlement.urls")),
    path("controles/", include("controls.urls")),
    path("", include("reporting.urls")),
    path("api/v1/", api.urls),
    path("admin-technique/", admin.site.urls),
]

handler400 = "public.views.bad_request"
handler404 = "public.views.page_not_found"
handler500 = "public.views.server_error"
