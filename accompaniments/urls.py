from django.urls import path

from accompaniments import views

app_name = "accompaniments"

urlpatterns = [
    path("valider/", views.redeem, name="redeem"),
    path("accueil/", views.welcome, name="welcome"),
    path("accueil/seance-immediate/", views.walk_in, name="walk_in"),
    path("structure/<int:organisation_pk>/", views.dashboard, name="dashboard"),
    path("structure/<int:organisation_pk>/seances/", views.session_list, name="session_list"),
    path(
        "structure/<int:organisation_pk>/seances/nouvelle/",
        views.session_create,
        name="session_create",
    ),
    path("seances/<int:pk>/", views.session_detail, name="session_detail"),
    path("seances/<int:pk>/modifier/", views.session_change, name="session_change"),
    path("seances/<int:pk>/annuler/", views.session_cancel, name="session_cancel"),
    path("seances/<int:pk>/inscrire/", views.book, name="book"),
    path("seances/<int:pk>/anonymes/", views.anonymous_add, name="anonymous_add"),
    path("participants/<int:participant_pk>/presence/", views.attendance, name="attendance"),
    path("participants/<int:participant_pk>/annuler/", views.booking_cancel, name="booking_cancel"),
    path("avis/<int:beneficiary_pk>/<int:program_pk>/", views.survey, name="survey"),
]
