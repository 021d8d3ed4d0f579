from django.urls import path

from settlement import views

app_name = "settlement"

urlpatterns = [
    path("lots/", views.batch_list, name="batch_list"),
    path("lots/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("lots/<int:pk>/etat/", views.batch_status, name="batch_status"),
    path("virements/<int:pk>/rejet/", views.transfer_reject, name="transfer_reject"),
    path("structure/<int:organisation_pk>/", views.structure_claims, name="structure_claims"),
    path("demandes/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("lignes/<int:pk>/contester/", views.line_contest, name="line_contest"),
    path("financeur/<int:organisation_pk>/", views.funder_documents, name="funder_documents"),
]
