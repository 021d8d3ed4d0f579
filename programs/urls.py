from django.urls import path

from programs import views

app_name = "programs"

urlpatterns = [
    path("", views.program_list, name="program_list"),
    path("nouveau/", views.program_create, name="program_create"),
    path("appels/", views.calls_open, name="calls_open"),
    path("appels/<int:pk>/", views.call_detail, name="call_detail"),
    path("appels/<int:pk>/publier/", views.call_publish, name="call_publish"),
    path("appels/<int:pk>/candidater/", views.application_create, name="application_create"),
    path("candidatures/<int:pk>/", views.application_detail, name="application_detail"),
    path("candidatures/<int:pk>/modifier/", views.application_edit, name="application_edit"),
    path("candidatures/<int:pk>/action/", views.application_action, name="application_action"),
    path("candidatures/<int:pk>/evaluation/", views.application_review, name="application_review"),
    path("conventions/<int:pk>/etat/", views.agreement_status, name="agreement_status"),
    path("lieux/<int:pk>/gerer/", views.place_manage, name="place_manage"),
    path("<slug:slug>/", views.program_detail, name="program_detail"),
    path("<slug:slug>/reglages/", views.program_edit, name="program_edit"),
    path("<slug:slug>/financements/", views.commitment_add, name="commitment_add"),
    path("<slug:slug>/quotas/", views.quota_set, name="quota_set"),
    path("<slug:slug>/appels/nouveau/", views.call_create, name="call_create"),
    path("<slug:slug>/couverture/", views.coverage, name="coverage"),
]
