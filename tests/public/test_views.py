import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("public:home", "Trouver un lieu près de chez moi"),
        ("public:accessibility", "partiellement conforme"),
        ("public:legal", "Directeur de la publication"),
        ("public:personal_data", "Combien de temps"),
    ],
)
def test_public_pages(client, db, name, text):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert text in response.content.decode()


def test_not_found_page_in_the_site_design(client, db):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "Page introuvable" in content and "fr-header" in content


def test_server_error_page(db, settings):
    from django.test import RequestFactory

    from public.views import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Le service rencontre un problème" in response.content.decode()


def test_operator_name_comes_from_settings(client, db, settings):
    settings.PASSNUM_OPERATOR_NAME = "Opérateur de test"
    response = Client().get(reverse("public:legal"))
    assert "Opérateur de test" in response.content.decode()
