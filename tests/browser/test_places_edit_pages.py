import io

import pytest
from django.core.management import call_command

from accounts.models import User
from places.models import Place
from places.services import place_error_report_create
from tests.browser.conftest import axe_violations, has_no_horizontal_scroll
from tests.browser.test_foundation_pages import _login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(communes, settings):
    settings.DEBUG = True
    call_command("load_demo", "--wet-run", stdout=io.StringIO())


def _check(page):
    assert axe_violations(page) == []
    assert has_no_horizontal_scroll(page)


def test_a_structure_updates_its_hours_with_the_keyboard_on_a_small_phone(page, live_server, demo):
    user = User.objects.get(email="structure@demo.example")
    place = Place.objects.filter(structure__memberships__user=user).order_by("pk").first()
    report = place_error_report_create(place=place, message="Fermé le samedi maintenant.")
    _login(page, live_server, "structure@demo.example")
    page.goto(f"{live_server.url}/lieux/{place.pk}/")
    page.get_by_role("link", name="Mettre à jour la fiche").click()
    page.wait_for_load_state()
    _check(page)
    page.get_by_label("Mercredi, ouverture le matin").fill("08:30")
    page.get_by_label("Mercredi, fermeture le matin").fill("12:00")
    page.get_by_role("button", name="Enregistrer la fiche").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/lieux/{place.pk}/")
    page.wait_for_load_state()
    assert "Fiche mise à jour le" in page.content()
    _check(page)
    place.refresh_from_db()
    assert "We 08:30-12:00" in place.horaires
    page.goto(f"{live_server.url}/lieux/{place.pk}/modifier/?signalement={report.pk}")
    assert "Fermé le samedi maintenant." in page.content()
    _check(page)


def test_the_operator_duplicates_page_is_accessible(page, live_server, demo):
    from places.services import places_import
    from places.standard import REUNION_FILE

    places_import(
        content=REUNION_FILE.read_text().replace("Cyber", "Cyber-espace").encode(), source="copie"
    )
    _login(page, live_server, "operateur@demo.example")
    page.goto(f"{live_server.url}/lieux/doublons/")
    assert "Dernières fusions automatiques" in page.content()
    _check(page)
