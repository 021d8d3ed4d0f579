"""Each role's main path, in a browser, as a person would go (issue 12): a prescriber registers,
diagnoses, issues and orients; a structure scans a carnet, runs a workshop and records
attendance; a funder reads the program page; a structure signs up and the operator validates
it. Every page visited: no serious or critical axe-core violation, no sideways scrolling at
360 px; screenshots at 360 and 1280 px in reports/browser/ (git-ignored)."""

import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accompaniments.services import session_create
from accounts.models import Organisation, User
from beneficiaries.enums import DEFAULT_SKILLS
from beneficiaries.services import beneficiary_create, diagnostic_record
from demo.accounts import DEMO_PASSWORD, organisation
from places.models import Place
from programs.models import Program
from territories.models import Commune
from tests.browser.conftest import axe_violations, has_no_horizontal_scroll
from tests.browser.test_foundation_pages import _login
from vouchers.services import carnet_issue

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(__file__).resolve().parents[2] / "reports" / "browser"
REUNION = ZoneInfo("Indian/Reunion")


@pytest.fixture
def demo(communes, settings):
    settings.DEBUG = True
    call_command("load_demo", "--wet-run", stdout=io.StringIO())


class Journey:
    """Checks each page of a path and keeps its screenshots at the two widths."""

    def __init__(self, page, name: str):
        self.page = page
        self.folder = SHOTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.step = 0
        page.set_default_timeout(10_000)

    def check(self, label: str) -> str:
        page = self.page
        page.wait_for_load_state()
        assert axe_violations(page) == [], label
        assert has_no_horizontal_scroll(page), label
        self.step += 1
        stem = self.folder / f"{self.step:02d}-{label}"
        page.screenshot(path=f"{stem}-360.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 800})
        page.screenshot(path=f"{stem}-1280.png", full_page=True)
        page.set_viewport_size({"width": 360, "height": 740})
        return page.locator("main").inner_text()


def _choose_commune(page, label: str, typed: str, option: str):
    """Types in a commune autocomplete and picks an option with the keyboard."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.fill(typed)
    page.get_by_role("option", name=re.compile(option)).first.wait_for()
    box.press("ArrowDown")
    box.press("Enter")


def test_a_prescriber_registers_diagnoses_issues_and_orients(page, live_server, demo):
    prescriber = organisation("france_travail_974")
    journey = Journey(page, "prescripteur")
    _login(page, live_server, "prescripteur@demo.example")
    journey.check("accueil")

    page.goto(f"{live_server.url}/beneficiaires/organisations/{prescriber.pk}/personnes/")
    journey.check("personnes")
    page.get_by_role("link", name="Inscrire une personne").click()
    journey.check("inscrire")
    page.get_by_label("Prénom").fill("Josiane")
    page.get_by_label("Nom", exact=True).fill("Grondin")
    page.get_by_label("Date de naissance").fill("1952-04-18")
    _choose_commune(page, "Commune où la personne habite", "Saint-Paul", "Saint-Paul")
    page.locator("input[name=consent_method]").first.check(force=True)
    page.get_by_role("button", name=re.compile("Inscrire|Enregistrer")).last.click()
    text = journey.check("fiche-personne")
    assert "Josiane Grondin" in text

    page.get_by_role("link", name=re.compile("Diagnostic d'entrée — Kap")).click()
    journey.check("diagnostic")
    for group in page.locator("fieldset:has(input[name^=skill_])").all():
        group.locator("input[type=radio]").first.check(force=True)
    page.get_by_role("button", name=re.compile("Enregistrer")).click()
    text = journey.check("diagnostic-enregistre")
    assert "Diagnostic enregistré" in text

    page.get_by_role("link", name=re.compile("Remettre un carnet — Kap")).click()
    journey.check("remettre")
    page.get_by_role("button", name="Remettre le carnet").click()
    text = journey.check("carnet-remis")
    assert "Josiane" in text

    person = prescriber.beneficiaries.filter(first_name="Josiane", last_name="Grondin").latest("pk")
    page.goto(f"{live_server.url}/beneficiaires/personnes/{person.pk}/")
    page.get_by_role("link", name="Orienter vers un lieu").click()
    journey.check("recherche-lieu")
    program = Program.objects.get(slug=f"kap-konekt-{timezone.localdate().year}")
    assert page.get_by_label("Accepte le programme").input_value() == str(program.pk)
    page.locator(".passnum-results a").first.click()
    journey.check("lieu")
    page.get_by_role("link", name="Orienter une personne vers ce lieu").click()
    journey.check("orienter")
    assert page.get_by_label("Personne déjà suivie").input_value() == str(person.pk)
    page.get_by_label("Son besoin").fill("Faire sa demande de retraite en ligne")
    page.get_by_role("button", name="Enregistrer et préparer la fiche").click()
    text = journey.check("fiche-orientation")
    assert "Josiane Grondin" in text and "Quand y aller" in text


def test_a_structure_scans_a_carnet_runs_a_workshop_and_records_attendance(page, live_server, demo):
    program = Program.objects.get(slug=f"kap-konekt-{timezone.localdate().year}")
    structure = organisation("structure_le_port")
    prescriber = organisation("france_travail_974")
    advisor = User.objects.get(email="prescripteur@demo.example")
    mediator = User.objects.get(email="mediateur@demo.example")
    person = beneficiary_create(
        actor=advisor,
        prescriber=prescriber,
        first_name="Lucien",
        last_name="Payet",
        birth_date=dt.date(1958, 6, 2),
        commune=Commune.objects.get(code="97407"),
        consent_method="oral",
    )
    diagnostic_record(
        actor=advisor,
        beneficiary=person,
        program=program,
        kind="entry",
        answers=dict.fromkeys((key for key, _label in DEFAULT_SKILLS), 0),
    )
    card = carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=person,
        program=program,
        units=10,
        delivery="paper",
    )
    starts = timezone.now().astimezone(REUNION).replace(second=0, microsecond=0)
    starts -= dt.timedelta(minutes=5)
    session_create(
        actor=mediator,
        structure=structure,
        place=Place.objects.filter(structure=structure).first(),
        program=program,
        kind="collective",
        title="Atelier France Connect",
        starts_at=starts,
        duration_minutes=60,
        mediator=mediator,
        capacity=5,
    )

    journey = Journey(page, "structure")
    _login(page, live_server, "structure@demo.example")
    journey.check("accueil")
    page.goto(f"{live_server.url}/accompagnements/accueil/")
    journey.check("scanner")
    page.get_by_label("Numéro de la carte ou du carnet").fill(card.carnet.number)
    page.get_by_label("Code de la carte").fill(card.access_code)
    page.get_by_role("button", name="Ouvrir la carte").click()
    text = journey.check("carte-ouverte")
    assert "Il reste 10 h sur sa carte" in text
    page.locator("li", has_text="Atelier France Connect").get_by_role(
        "button", name="Inscrire Lucien à cette séance"
    ).click()
    text = journey.check("atelier")
    assert f"à {starts:%H:%M}" in text
    page.locator("tr", has_text="Lucien").get_by_role("button", name="Présent").click()
    text = journey.check("presence")
    assert "décomptées pour Lucien" in text
    assert Program.objects.get(pk=program.pk).consumed_cents > 0


def test_a_funder_reads_the_program_page(page, live_server, demo):
    program = Program.objects.get(slug=f"kap-konekt-{timezone.localdate().year}")
    journey = Journey(page, "financeur")
    _login(page, live_server, "financeur@demo.example")
    journey.check("accueil")
    page.goto(f"{live_server.url}/programmes/")
    journey.check("programmes")
    page.get_by_role("link", name=program.name).first.click()
    text = journey.check("programme")
    assert "Où en est le budget" in page.content() and "Conventions" in text
    page.get_by_label("Que faire ?").first.select_option("suspended")
    page.get_by_label("Motif").first.fill("Contrôle des présences en cours")
    page.get_by_role("button", name="Continuer").first.click()
    text = journey.check("convention-confirmer")
    assert "Suspendre cette convention ?" in text
    page.get_by_role("link", name="Annuler, ne rien changer").click()
    page.get_by_role("link", name="Modifier les réglages du programme").click()
    text = journey.check("reglages")
    assert "Des carnets ont déjà été remis" in text
    page.go_back()
    page.get_by_role("link", name="Couverture du territoire").click()
    journey.check("couverture")

    # A new program: départements and communes chosen with the autocomplete.
    page.goto(f"{live_server.url}/programmes/nouveau/")
    journey.check("nouveau-programme")
    page.get_by_label("Nom", exact=True).fill("Pass numérique Ouest 2027")
    page.get_by_label("Identifiant court").fill("pass-ouest-2027")
    page.get_by_label("Début").fill("2027-01-01")
    page.get_by_label("Fin", exact=True).fill("2027-12-31")
    page.get_by_label("Date de fin de validité").fill("2027-12-31")
    box = page.get_by_role("combobox", name=re.compile("^Départements du programme"))
    box.fill("réunion")
    page.get_by_role("option", name="La Réunion (974)").wait_for()
    journey.check("autocompletion-ouverte")
    box.press("ArrowDown")
    box.press("Enter")
    assert page.get_by_role("checkbox", name="La Réunion (974)").is_checked()
    communes = page.get_by_role("combobox", name=re.compile("^Communes en plus"))
    communes.fill("Saint-Paul")
    page.get_by_role("option", name=re.compile("Saint-Paul")).first.click()
    assert page.get_by_role("checkbox", name=re.compile("Saint-Paul")).is_checked()
    page.get_by_label("Frais de l'opérateur sur les achats (%)").fill("4,5")
    page.get_by_role("button", name="Créer le programme").click()
    journey.check("programme-cree")
    created = Program.objects.get(slug="pass-ouest-2027")
    assert list(created.departements.values_list("code", flat=True)) == ["974"]
    assert list(created.communes.values_list("code", flat=True)) == ["97415"]
    assert created.operator_fee_purchase_bp == 450


def test_a_structure_signs_up_and_the_operator_validates_it(page, live_server, communes):
    from accounts import services

    operator = services.organisation_create(
        actor=None, name="Opérateur", kinds=["operator"], siret="90000001910000"
    )
    operator_user = services.user_create(email="ope@exemple.fr", password=DEMO_PASSWORD)
    services.membership_create(actor=None, user=operator_user, organisation=operator)

    journey = Journey(page, "inscription")
    page.goto(f"{live_server.url}/compte/connexion/")
    page.get_by_role("link", name="Inscrire votre organisation").click()
    journey.check("formulaire")
    page.get_by_label(re.compile("Une structure de médiation numérique")).check(force=True)
    page.get_by_label("Nom de l'organisation").fill("Kaz Numérik La Saline")
    page.get_by_label("SIRET (14 chiffres)").fill("732 829 320 00074")
    _choose_commune(page, "Commune du siège", "Saint-Paul", "Saint-Paul")
    page.get_by_label("Nom du lieu").fill("Kaz Numérik, salle de La Saline")
    page.get_by_role("textbox", name=re.compile("^Adresse Numéro")).fill("3 chemin des Roches")
    _choose_commune(page, "Commune", "Saint-Paul", "Saint-Paul")
    page.get_by_label("Votre prénom").fill("Maëva")
    page.get_by_label("Votre nom").fill("Hoarau")
    page.get_by_label("Votre adresse e-mail professionnelle").fill("maeva@kaz.example")
    page.locator("#id_password1").fill("Un-mot-de-passe-solide-2026")
    page.locator("#id_password2").fill("Un-mot-de-passe-solide-2026")
    page.get_by_role("button", name="Inscrire l'organisation").click()
    assert "Vérifiez votre boîte e-mail" in journey.check("envoye")

    link = re.search(r"http\S+/inscription/confirmer/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link.replace("http://127.0.0.1:8000", live_server.url))
    assert "Adresse e-mail confirmée" in journey.check("confirme")

    kaz = Organisation.objects.get(name="Kaz Numérik La Saline")
    page.get_by_role("link", name="Me connecter").click()
    page.get_by_label("Adresse e-mail").fill("maeva@kaz.example")
    page.get_by_label("Mot de passe").fill("Un-mot-de-passe-solide-2026")
    page.get_by_role("button", name="Se connecter").click()
    assert "attend la validation" in journey.check("accueil-en-attente")
    page.context.clear_cookies()

    _login(page, live_server, "ope@exemple.fr")
    page.goto(f"{live_server.url}/compte/inscriptions/")
    journey.check("inscriptions-a-valider")
    page.get_by_role("link", name="Kaz Numérik La Saline").click()
    journey.check("inscription-operateur")
    page.get_by_label("Valider l'organisation").check(force=True)
    page.get_by_label("Motif envoyé à l'organisation").fill(
        "SIRET vérifié ; lieu ouvert au public."
    )
    page.get_by_role("button", name="Enregistrer la décision").click()
    assert "validée" in journey.check("decision")
    kaz.refresh_from_db()
    assert kaz.habilitation == "validated"
    assert Place.objects.filter(structure=kaz, nom="Kaz Numérik, salle de La Saline").exists()
