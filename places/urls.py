from django.urls import path

from places import views

app_name = "places"

urlpatterns = [
    path("", views.search, name="search"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/signaler/", views.report_error, name="report_error"),
    path("<int:pk>/modifier/", views.place_edit, name="edit"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.json", views.export_json, name="export_json"),
    path(
        "export-data-inclusion/<str:kind>.<str:extension>",
        views.export_data_inclusion,
        name="export_data_inclusion",
    ),
    path("import/", views.import_places, name="import"),
    path("import/lignes-rejetees.csv", views.import_report_download, name="import_report"),
    path("signalements/", views.error_reports, name="error_reports"),
    path("signalements/<int:pk>/traiter/", views.error_report_handle, name="error_report_handle"),
    path("structure/<int:organisation_pk>/", views.structure_places, name="structure_places"),
    path("<int:pk>/c-est-notre-lieu/", views.place_claim, name="claim"),
    path("<int:pk>/rattacher/", views.place_attach, name="attach"),
    path("rattachements/", views.claims, name="claims"),
    path("doublons/", views.duplicates, name="duplicates"),
    path("doublons/<int:pk>/decider/", views.duplicate_decide, name="duplicate_decide"),
    path("rattachements/<int:pk>/decider/", views.claim_decide, name="claim_decide"),
]
