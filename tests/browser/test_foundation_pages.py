import pytest

from demo.accounts import DEMO_PASSWORD
from demo.accounts import load as load_demo_accounts
from tests.browser.conftest import axe_violations, has_no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)


class _Out:
    def write(self, text):
        pass


@pytest.fixture
def demo(communes):
    load_demo_accounts(stdout=_Out())


PUBLIC_PAGES = [
    "/",
    "/accessibilite/",
    "/mentions-legales/",
    "/donnees-personnelles/",
    "/compte/connexion/",
    "/compte/mot-de-passe/oubli/",
    "/page-qui-n-existe-pas/",
]


def _login(page, live_server, email):
    page.goto(f"{live_server.url}/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_are_accessible_on_a_small_phone(page, live_server, db, path):
    page.goto(f"{live_server.url}{path}")
    assert axe_violations(page) == []
    assert has_no_horizontal_scroll(page)


def test_logged_in_pages_are_accessible(page, live_server, demo):
    _login(page, live_server, "structure@demo.example")
    assert "Espace structure de médiation" in page.content()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Gérer les membres et inviter des collègues").click()
    page.wait_for_load_state()
    assert "Membres de" in page.content()
    assert axe_violations(page) == []


def test_commune_autocomplete_works_with_the_keyboard(page, live_server, demo):
    _login(page, live_server, "operateur@demo.example")
    page.goto(f"{live_server.url}/compte/organisations/nouvelle/")
    box = page.get_by_role("combobox")
    box.click()
    page.keyboard.type("st paul 974", delay=20)
    page.wait_for_selector('[role="option"][data-value="97415"]')
    assert box.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant")
    page.keyboard.press("Enter")
    assert page.locator('input[name="commune"]').input_value() == "97415"
    assert box.input_value().startswith("Saint-Paul")
    assert axe_violations(page) == []
