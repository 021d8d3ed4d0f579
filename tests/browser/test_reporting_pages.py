"""Dashboards, exports documentation and open data pages: accessible (axe-core) and usable
at 360 px wide, charts drawn under the Content-Security-Policy (no inline script)."""

import io

import pytest
from django.core.management import call_command

from programs.models import Program
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


def test_funder_dashboard_is_accessible_and_draws_its_charts(page, live_server, demo):
    program = Program.objects.get(slug__startswith="kap-konekt")
    errors = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content-Security-Policy" in message.text else None
        ),
    )
    _login(page, live_server, "financeur@demo.example")
    page.goto(f"{live_server.url}/tableaux-de-bord/programmes/{program.slug}/?periode=annee")
    _check(page)
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]')).filter(c => !c.hidden && c.width > 0).length"
    )
    assert drawn >= 1 and errors == []
    for path in ("/tableaux-de-bord/", "/tableaux-de-bord/colonnes/", "/donnees-ouvertes/"):
        page.goto(f"{live_server.url}{path}")
        _check(page)


@pytest.mark.parametrize(
    ("email", "key", "path"),
    [
        ("structure@demo.example", "structure_le_port", "structure"),
        ("prescripteur@demo.example", "france_travail_974", "prescripteur"),
    ],
)
def test_structure_and_prescriber_dashboards_are_accessible(
    page, live_server, demo, email, key, path
):
    from demo.accounts import organisation

    _login(page, live_server, email)
    page.goto(f"{live_server.url}/tableaux-de-bord/{path}/{organisation(key).pk}/?periode=annee")
    _check(page)
