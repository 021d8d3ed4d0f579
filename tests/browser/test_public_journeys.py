"""The public's two journeys, on a phone (360 px) with screenshots at 360 and 1280 px: find a
place near Saint-Paul and read its workshops; check what is left on a carnet."""

import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accompaniments.models import Session
from accounts.models import User
from demo.accounts import organisation
from programs.models import Program
from tests.browser.checks import check_page
from tests.browser.test_counter_path import _person_with_card

pytestmark = pytest.mark.django_db(transaction=True)
REUNION = ZoneInfo("Indian/Reunion")


@pytest.fixture
def demo(communes, settings):
    settings.DEBUG = True
    call_command("load_demo", "--wet-run", "--without-activity", stdout=io.StringIO())


def test_the_public_finds_a_place_near_saint_paul_and_reads_its_workshops(page, live_server, demo):
    workshop = Session.objects.get(kind="collective", title__contains="smartphone")
    page.goto(f"{live_server.url}/")
    check_page(page, "accueil")
    page.get_by_role("link", name="Trouver un lieu près de chez moi").click()
    page.wait_for_load_state()
    check_page(page, "recherche-vide")

    # The program filter is in view, not under "Affiner la recherche".
    assert page.get_by_label("Accepte le programme").is_visible()
    # Typing the commune and pressing Enter searches with the first commune proposed.
    box = page.get_by_role("combobox", name="Commune ou code postal")
    box.click()
    page.keyboard.type("Saint-Paul", delay=15)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*commune=97415.*"))
    page.wait_for_load_state()
    heading = page.locator("#resultats-titre").inner_text()
    assert "à moins de 20 km de Saint-Paul" in heading
    assert page.locator(".passnum-results > li").count() == 10  # pages of 10
    assert page.get_by_role("link", name="Page suivante").is_visible()
    # On a phone the map comes before the long list.
    map_box = page.locator("#carte-lieux").bounding_box()
    list_box = page.locator("#liste-lieux").bounding_box()
    assert map_box["y"] < list_box["y"]
    zoom_in = page.locator(".leaflet-control-zoom-in")
    assert zoom_in.get_attribute("aria-label") == "Rapprocher (zoom avant)"  # not "Zoom in"
    check_page(page, "recherche-saint-paul")

    page.get_by_label("Accepte le programme").select_option(label=workshop.program.name)
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()
    assert "2 lieux à moins de 20 km de Saint-Paul" in page.locator("#resultats-titre").inner_text()
    phone = page.locator(".passnum-results a[href^='tel:']").first
    assert re.fullmatch(r"0\d( \d\d){4}", phone.inner_text())
    page.get_by_role("link", name=workshop.place.nom).click()
    page.wait_for_load_state()

    main = page.locator("main").inner_text()
    assert f"Ce lieu accepte {workshop.program.name}" in main
    local = workshop.starts_at.astimezone(REUNION)
    assert f"à {local.hour}h{local:%M}" in main  # the workshop in La Réunion's time
    assert "Prochains ateliers ici" in main and workshop.title in main
    assert "Comment s'y rendre" in main and "Calculer mon itinéraire" in main
    assert page.locator("main a[href^='tel:+262']").count() >= 1
    check_page(page, "fiche-lieu")

    page.get_by_role("link", name="Tous les ateliers près d'ici").click()
    page.wait_for_load_state()
    assert workshop.title in page.locator("main").inner_text()
    page.get_by_label("Pour apprendre quoi ?").select_option(
        label="Aide aux démarches administratives"
    )
    page.get_by_role("button", name="Voir les ateliers").click()
    page.wait_for_load_state()
    assert workshop.title not in page.locator("main").inner_text()
    page.get_by_label("Pour apprendre quoi ?").select_option(label="tous les thèmes")
    page.get_by_role("button", name="Voir les ateliers").click()
    page.wait_for_load_state()
    item = page.locator(".passnum-workshop", has_text=workshop.title)
    assert f"{workshop.seats_left} places libres" in item.inner_text().lower()
    check_page(page, "agenda")


def test_an_unknown_commune_keeps_the_list_open_and_says_why(page, live_server, communes):
    page.goto(f"{live_server.url}/lieux/")
    box = page.get_by_role("combobox", name="Commune ou code postal")
    box.click()
    page.keyboard.type("Zzyzx", delay=15)
    page.keyboard.press("Enter")
    message = page.locator("[data-autocomplete-message]")
    expect(message).to_contain_text("Aucune commune ne correspond à « Zzyzx »")
    assert box.get_attribute("aria-expanded") == "true"  # the list stays open
    assert page.url.endswith("/lieux/")  # nothing was sent
    # Typed, left (the list closes), come back and Enter: the commune is looked up again.
    box.fill("")
    box.click()
    page.keyboard.type("97470", delay=15)
    page.wait_for_selector('[role="option"][data-value="97410"]')
    page.locator("h1").click()
    expect(page.locator('[role="option"][data-value="97410"]')).to_have_count(0)
    box.click()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*commune=97410.*"))
    assert "de Saint-Benoît" in page.locator("#resultats-titre").inner_text()


def test_a_person_checks_their_balance(page, live_server, demo):
    program = Program.objects.get(slug=f"kap-konekt-{timezone.localdate().year}")
    _person, card = _person_with_card(
        program,
        organisation("france_travail_974"),
        User.objects.get(email="prescripteur@demo.example"),
        "Gisèle",
        20,
    )
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Mon carnet : ce qu'il me reste").click()
    page.wait_for_load_state()
    assert page.get_by_role("img", name=re.compile("couverture d'un carnet")).is_visible()
    check_page(page, "mon-carnet")
    # Typed as a person would: lower case, spaces for dashes; a wrong code first.
    typed = card.carnet.number.lower().replace("-", " ")
    page.get_by_label("Numéro du carnet").fill(typed)
    page.get_by_label("Code du carnet").fill("AAAA AAAA")
    page.get_by_role("button", name="Voir mon carnet").click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert main.count("Numéro de carnet ou code incorrect") == 1  # shown once
    assert page.get_by_label("Numéro du carnet").input_value() == typed  # kept
    check_page(page, "mon-carnet-erreur")
    page.get_by_label("Code du carnet").fill(card.access_code.lower().replace("-", ""))
    page.get_by_role("button", name="Voir mon carnet").click()
    page.wait_for_load_state()
    assert "Il vous reste 10 h d'accompagnement sur 10 h" in page.locator("main").inner_text()
    check_page(page, "mon-carnet-solde")
    # The header links the page too (the phone menu holds it below 992 px).
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/lieux/")
    page.locator("header .fr-header__tools").get_by_role("link", name="Mon carnet").click()
    page.wait_for_load_state()
    assert page.url.endswith("/carnets/solde/")


@pytest.mark.parametrize(
    "path",
    [
        "/accessibilite/",
        "/mentions-legales/",
        "/donnees-personnelles/",
        "/compte/connexion/",
        "/compte/mot-de-passe/oubli/",
        "/page-qui-n-existe-pas/",
    ],
)
def test_public_pages_show_words_on_every_link_and_button(page, live_server, communes, path):
    page.goto(f"{live_server.url}{path}")
    check_page(page, f"public{path}")
