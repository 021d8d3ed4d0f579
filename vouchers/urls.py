from django.urls import path

from vouchers import views

app_name = "vouchers"

urlpatterns = [
    path("remettre/<int:beneficiary_pk>/", views.carnet_issue, name="carnet_issue"),
    path("lot/<int:organisation_pk>/", views.carnet_batch, name="carnet_batch"),
    path("suivi/<int:organisation_pk>/", views.carnets_unused, name="carnets_unused"),
    path("<int:pk>/", views.carnet_detail, name="carnet_detail"),
    path("<int:pk>/opposition/", views.carnet_opposition, name="carnet_opposition"),
    path("solde/", views.balance, name="balance"),
    path("bloques/", views.units_blocked, name="units_blocked"),
]
