from django.urls import path

from controls import views

app_name = "controls"

urlpatterns = [
    path("", views.review, name="review"),
    path("lignes/<int:pk>/decision/", views.decide, name="decide"),
]
