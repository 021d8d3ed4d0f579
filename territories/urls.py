from django.urls import path

from territories import views

app_name = "territories"

urlpatterns = [
    path("communes/", views.commune_autocomplete, name="commune_autocomplete"),
    path("departements/", views.departement_autocomplete, name="departement_autocomplete"),
]
