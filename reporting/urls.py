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
    path("tableaux-de-bord/structure/<int:pk>/", views.structure_dashboard, name="structure"),
    path(
        "tableaux-de-bord/structure/<int:pk>/export/<slug:table>/",
        views.structure_export,
        name="structure_export",
    ),
    path("tableaux-de-bord/prescripteur/<int:pk>/", views.prescriber_dashboard, name="prescriber"),
    path(
        "tableaux-de-bord/prescripteur/<int:pk>/export/<slug:table>/",
        views.prescriber_export,
        name="prescriber_export",
    ),
    path(
        "tableaux-de-bord/prescripteur/<int:pk>/suivi/",
        views.prescriber_follow_up,
        name="prescriber_follow_up",
    ),
    path("donnees-ouvertes/", views.open_data, name="open_data"),
    path("donnees-ouvertes/indicateurs-mensuels.csv", views.open_data_csv, name="open_data_csv"),
    path(
        "donnees-ouvertes/indicateurs-mensuels.json",
        views.open_data_json,
        name="open_data_json",
    ),
]
