"""The Kap Konèk.t path at a Saint-Paul/Le Port counter, in a browser, in La Réunion time:
a person walks in with a paper card, is welcomed by its number and code, joins a workshop of 5
that has just started, is marked present, and reads the hours left on the balance page."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from accompaniments.services import participant_book, session_create
from accounts.models import User
from beneficiaries.enums import DEFAULT_SKILLS
from beneficiaries.services import beneficiary_create, diagnostic_record
from demo.accounts import organisation
from places.models import Place
from programs.models import Program
from territories.models import Commune
from tests.browser.conftest import axe_violations, has_no_horizontal_scroll
from tests.browser.test_foundation_pages import _login
from vouchers.pdf import balance_url
from vouchers.services import carnet_issue

pytestmark = pytest.mark.django_db(transaction=True)
REUNION = ZoneInfo("Indian/Reunion")


@pytest.fixture
def demo(communes, settings):
    settings.DEBUG = True
    call_command("load_demo", "--wet-run", "--without-activity", stdout=io.StringIO())


def _person_with_card(program, prescriber, advisor, first_name, day):
    person = beneficiary_create(
        actor=advisor,
        prescriber=prescriber,
        first_name=first_name,
        last_name="Hoarau",
        birth_date=dt.date(1955, 3, day),
        commune=Commune.objects.get(code="97415"),
        consent_method="oral",
    )
    diagnostic_record(
        actor=advisor,
        beneficiary=person,
        program=program,
        kind="entry",
        answers={key: 0 for key, _label in DEFAULT_SKILLS},
    )
    return person, carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=person,
        program=program,
        units=10,
        delivery="paper",
    )


def test_a_walk_in_joins_a_workshop_of_5_and_reads_the_hours_left(page, live_server, demo):
    program = Program.objects.get(slug=f"kap-konekt-{timezone.localdate().year}")
    structure = organisation("structure_le_port")
    prescriber = organisation("france_travail_974")
    advisor = User.objects.get(email="prescripteur@demo.example")
    mediator = User.objects.get(email="mediateur@demo.example")
    now = timezone.now().astimezone(REUNION).replace(second=0, microsecond=0)
    # Started ten minutes ago, but today in La Réunion (00:00 at the earliest just after midnight).
    starts = max(now - dt.timedelta(minutes=10), now.replace(hour=0, minute=0))
    workshop = session_create(
        actor=mediator,
        structure=structure,
        place=Place.objects.filter(structure=structure).first(),
        program=program,
        kind="collective",
        title="Atelier messagerie",
        starts_at=starts,
        duration_minutes=60,
        mediator=mediator,
        capacity=5,
    )
    for index, name in enumerate(["Josie", "Lucien", "Mireille", "Paul"]):
        person, _issued = _person_with_card(program, prescriber, advisor, name, index + 1)
        participant_book(actor=mediator, session=workshop, beneficiary=person, booked_by=structure)
    walk_in, card = _person_with_card(program, prescriber, advisor, "Gisèle", 20)

    _login(page, live_server, "structure@demo.example")
    page.goto(f"{live_server.url}/accompagnements/accueil/")
    assert axe_violations(page) == [] and has_no_horizontal_scroll(page)
    page.get_by_label("Numéro de la carte ou du carnet").fill(card.carnet.number)
    page.get_by_label("Code de la carte").fill(card.access_code)
    page.get_by_role("button", name="Ouvrir la carte").click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "Il reste 10 h sur sa carte" in text
    assert f"à {starts:%H:%M}" in text  # the workshop's hour in La Réunion
    assert axe_violations(page) == [] and has_no_horizontal_scroll(page)
    page.locator("li", has_text="Atelier messagerie").get_by_role(
        "button", name="Inscrire Gisèle à cette séance"
    ).click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "5 / 5 places prises" in text and f"à {starts:%H:%M}" in text

    row = page.locator("tr", has_text="Gisèle")
    row.get_by_role("button", name="Présent").click()
    page.wait_for_load_state()
    assert "1 h 00 décomptées pour Gisèle" in page.content()
    assert axe_violations(page) == [] and has_no_horizontal_scroll(page)

    page.goto(balance_url(card.link_token).replace("http://127.0.0.1:8000", live_server.url))
    page.wait_for_load_state()
    assert "Il vous reste 9 h" in page.locator("main").inner_text()  # the QR code's link
    assert "#" not in page.url
    page.goto(f"{live_server.url}/carnets/solde/")
    page.get_by_label("Numéro du carnet").fill(card.carnet.number)
    page.get_by_label("Code du carnet").fill(card.access_code)
    page.get_by_role("button", name="Voir mon carnet").click()
    page.wait_for_load_state()
    assert "Il vous reste 9 h d'accompagnement sur 10 h" in page.locator("main").inner_text()
    assert Program.objects.get(pk=program.pk).consumed_cents > 0
