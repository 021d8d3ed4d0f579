import io

import pytest
from django.core.management import call_command

from accompaniments.models import Session
from beneficiaries.models import Beneficiary
from demo.accounts import organisation
from tests.browser.conftest import axe_violations, has_no_horizontal_scroll
from tests.browser.test_foundation_pages import _login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(communes, settings):
    settings.DEBUG = True
    call_command("load_demo", "--wet-run", "--without-activity", stdout=io.StringIO())


def _visit(page, live_server, path):
    page.goto(f"{live_server.url}{path}")
    assert page.locator("h1").count() == 1, path
    assert axe_violations(page) == [], path
    assert has_no_horizontal_scroll(page), path


def test_prescriber_pages(page, live_server, demo):
    prescriber = organisation("france_travail_974")
    person = Beneficiary.objects.filter(prescriber=prescriber).first()
    program = person.carnets.first().program
    _login(page, live_server, "prescripteur@demo.example")
    for path in (
        f"/beneficiaires/organisations/{prescriber.pk}/personnes/",
        f"/beneficiaires/organisations/{prescriber.pk}/personnes/nouvelle/",
        f"/beneficiaires/personnes/{person.pk}/",
        f"/beneficiaires/personnes/{person.pk}/diagnostic/{program.pk}/",
        f"/carnets/remettre/{person.pk}/",
        f"/carnets/{person.carnets.first().pk}/",
        f"/carnets/suivi/{prescriber.pk}/",
    ):
        _visit(page, live_server, path)


def test_structure_pages(page, live_server, demo):
    structure = organisation("structure_le_port")
    _login(page, live_server, "structure@demo.example")
    for path in (
        f"/accompagnements/structure/{structure.pk}/",
        "/accompagnements/valider/?serie=KK26-00000001-8",
        f"/accompagnements/structure/{structure.pk}/seances/",
        f"/accompagnements/structure/{structure.pk}/seances/nouvelle/",
        f"/accompagnements/seances/{Session.objects.filter(kind='collective').first().pk}/",
        f"/compte/organisations/{structure.pk}/cles-api/",
        f"/beneficiaires/organisations/{structure.pk}/orientations-recues/",
        f"/lieux/structure/{structure.pk}/",
    ):
        _visit(page, live_server, path)


def test_public_balance_form(page, live_server, demo):
    _visit(page, live_server, "/carnets/solde/")
    page.get_by_label("Numéro du carnet").fill("KK26-C000001")
    page.get_by_label("Code du carnet").fill("AAAA-AAAA")
    page.get_by_role("button", name="Voir mon carnet").click()
    page.wait_for_load_state()
    assert "Numéro de carnet ou code incorrect" in page.content()
    assert page.get_by_label("Numéro du carnet").input_value() == "KK26-C000001"


def test_operator_pages(page, live_server, demo):
    from places.models import Place

    _login(page, live_server, "operateur@demo.example")
    for path in (
        "/lieux/import/",
        "/lieux/signalements/",
        "/carnets/bloques/",
        f"/programmes/lieux/{Place.objects.first().pk}/gerer/",
        "/programmes/",
    ):
        _visit(page, live_server, path)
