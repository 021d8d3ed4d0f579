from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("tableaux-de-bord/", views.index, name="index"),
    path("tableaux-de-bord/colonnes/", views.columns, name="columns"),
    path("tableaux-de-bord/programmes/<slug:slug>/", views.funder_dashboard, name="funder"),
    path(
        "tableaux-de-bord/programmes/<slug:slug>/utilisations/",
        views.funder_uses,
        name="funder_uses",
    ),
    path(
        "tableaux-de-bord/programmes/<slug:slug>/export/<slug:table>/",
        views.funder_export,
        name="funder_export",
    ),
]
