"""At 360 px every action of the working pages is on screen (tables of actions become stacked
rows), primary actions are 44 px, every link and button shows words, axe finds nothing serious;
each page is saved at 360 and 1280 px. One demo load, every role in turn."""

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from accompaniments.models import Session
from beneficiaries.models import Beneficiary, Orientation
from demo.accounts import organisation
from programs.models import Program
from tests.browser.checks import check_page
from tests.browser.test_foundation_pages import _login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(communes, settings):
    settings.DEBUG = True
    call_command("load_demo", "--wet-run", "--without-activity", stdout=io.StringIO())


def _visit(page, live_server, path: str, name: str, min_actions: int = 0) -> None:
    page.goto(f"{live_server.url}{path}")
    assert page.locator("h1").count() == 1, path
    actions = check_page(page, name)
    assert actions["count"] >= min_actions, (path, actions["count"])


def _logout(page, live_server):
    page.context.clear_cookies()


def test_the_working_pages_hold_on_a_phone(page, live_server, demo):
    year = timezone.localdate().year
    kk = Program.objects.get(slug=f"kap-konekt-{year}")
    le_port = organisation("structure_le_port")
    ft = organisation("france_travail_974")
    ccas = organisation("ccas_saint_paul")
    workshop = Session.objects.get(kind="collective", structure=le_port)
    person = Beneficiary.objects.filter(prescriber=ft).first()

    _login(page, live_server, "structure@demo.example")
    for path, name, actions in [
        (f"/accompagnements/structure/{le_port.pk}/", "structure-accueil", 2),
        (
            f"/beneficiaires/organisations/{le_port.pk}/orientations-recues/",
            "orientations-recues",
            4,  # "Venue" and "Pas venue" for each person waiting
        ),
        (f"/accompagnements/structure/{le_port.pk}/seances/", "seances", 3),
        (f"/accompagnements/seances/{workshop.pk}/", "atelier", 3),
        (f"/accompagnements/seances/{workshop.pk}/modifier/", "atelier-modifier", 1),
        (f"/accompagnements/seances/{workshop.pk}/annuler/", "atelier-annuler", 1),
        ("/accompagnements/valider/", "valider-un-cheque", 1),
        ("/accompagnements/accueil/", "accueil-comptoir", 1),
        (f"/compte/organisations/{le_port.pk}/membres/", "membres", 1),
        (f"/compte/organisations/{le_port.pk}/cles-api/", "cles-api", 1),
        ("/programmes/appels/", "appels-ouverts", 0),
    ]:
        _visit(page, live_server, path, name, actions)

    _logout(page, live_server)
    _login(page, live_server, "prescripteur@demo.example")
    for path, name, actions in [
        (f"/beneficiaires/organisations/{ft.pk}/personnes/", "personnes", 1),
        (f"/beneficiaires/personnes/{person.pk}/", "fiche-personne", 1),
        (f"/beneficiaires/organisations/{ft.pk}/orientations-envoyees/", "orientations", 0),
    ]:
        _visit(page, live_server, path, name, actions)

    _logout(page, live_server)
    _login(page, live_server, "ccas@demo.example")
    orientation = Orientation.objects.filter(prescriber=ccas).first()
    for path, name, actions in [
        (f"/beneficiaires/orientations/{orientation.pk}/", "fiche-orientation", 2),
        (f"/beneficiaires/organisations/{ccas.pk}/orientations-envoyees/", "envoyees", 0),
        (f"/lieux/{workshop.place_id}/", "fiche-lieu-prescripteur", 2),
    ]:
        _visit(page, live_server, path, name, actions)
    assert page.get_by_role("link", name="Orienter une personne vers ce lieu").is_visible()
    page.goto(f"{live_server.url}/beneficiaires/orientations/{orientation.pk}/")
    phone = page.locator("main a[href^='tel:']").first.inner_text()
    assert re.fullmatch(r"0\d( \d\d){4}", phone), phone  # read by pairs

    _logout(page, live_server)
    _login(page, live_server, "financeur@demo.example")
    for path, name, actions in [
        (f"/programmes/{kk.slug}/", "programme", 1),  # the agreements' "Appliquer"
        (f"/programmes/appels/{kk.calls.first().pk}/", "appel-et-candidatures", 0),
    ]:
        _visit(page, live_server, path, name, actions)

    _logout(page, live_server)
    _login(page, live_server, "operateur@demo.example")
    for path, name, actions in [
        ("/compte/organisations/", "organisations", 1),
        ("/controles/", "controles", 0),
        ("/remboursements/lots/", "lots", 0),
        ("/lieux/signalements/", "signalements", 0),
    ]:
        _visit(page, live_server, path, name, actions)
