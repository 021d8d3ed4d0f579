import pytest

from places.models import Place
from tests.browser.conftest import axe_violations, has_no_horizontal_scroll
from tests.places.helpers import REUNION_FILE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def places(communes):
    from places.services import places_import

    places_import(content=REUNION_FILE.read_bytes(), source="ultra-num")


def test_search_with_the_keyboard_then_place_page_on_a_small_phone(page, live_server, places):
    page.goto(f"{live_server.url}/lieux/")
    assert axe_violations(page) == []
    box = page.get_by_role("combobox", name="Commune ou code postal")
    box.click()
    page.keyboard.type("97437", delay=20)
    page.wait_for_selector('[role="option"][data-value="97410"]')
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()
    assert "à moins de 20 km de Saint-Benoît" in page.content()
    # Map tiles are blocked here: the list still gives every place, and the map does not break the page.
    assert page.locator(".passnum-results > li").count() == 10  # pages of 10
    assert axe_violations(page) == []
    assert has_no_horizontal_scroll(page)
    page.locator(".passnum-results a").first.click()
    page.wait_for_load_state()
    assert "Signaler une erreur sur ce lieu" in page.content()
    assert axe_violations(page) == []
    assert has_no_horizontal_scroll(page)


def test_around_me_asks_for_the_position_only_on_click(page, live_server, places):
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": -21.034, "longitude": 55.713})
    page.goto(f"{live_server.url}/lieux/")
    assert "de votre position" not in page.content()
    page.get_by_role("button", name="Autour de moi").click()
    page.wait_for_url("**/lieux/?*")
    page.wait_for_load_state()
    assert "de votre position" in page.content()
    assert Place.objects.count() == 155


def test_the_map_page_runs_under_the_content_security_policy(browser, live_server, reunion_places):
    """No bypass here: the search page with its map loads with no CSP violation."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("http://localhost", "http://127.0.0.1"))
            else route.abort()
        ),
    )
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/lieux/?commune_label=97437&commune=97437&radius=20")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").count() == 1
    context.close()
    assert violations == []
