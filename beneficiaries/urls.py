from django.urls import path

from beneficiaries import views

app_name = "beneficiaries"

urlpatterns = [
    path("orienter/<int:place_pk>/", views.orientation_create, name="orientation_create"),
    path("orientations/<int:pk>/", views.orientation_detail, name="orientation_detail"),
    path("orientations/<int:pk>/fiche.pdf", views.orientation_pdf, name="orientation_pdf"),
    path("orientations/<int:pk>/venue/", views.orientation_outcome, name="orientation_outcome"),
    path(
        "organisations/<int:organisation_pk>/orientations-envoyees/",
        views.orientations_sent,
        name="orientations_sent",
    ),
    path(
        "organisations/<int:organisation_pk>/orientations-recues/",
        views.orientations_received,
        name="orientations_received",
    ),
    path(
        "organisations/<int:organisation_pk>/personnes/",
        views.beneficiary_list,
        name="beneficiary_list",
    ),
    path(
        "organisations/<int:organisation_pk>/personnes/nouvelle/",
        views.beneficiary_create,
        name="beneficiary_create",
    ),
    path("personnes/<int:pk>/", views.beneficiary_detail, name="beneficiary_detail"),
    path("personnes/<int:pk>/modifier/", views.beneficiary_update, name="beneficiary_update"),
    path(
        "personnes/<int:pk>/donnees.json",
        views.beneficiary_data_export,
        name="beneficiary_data_export",
    ),
    path(
        "personnes/<int:pk>/diagnostic/<int:program_pk>/",
        views.diagnostic_create,
        name="diagnostic_create",
    ),
]
