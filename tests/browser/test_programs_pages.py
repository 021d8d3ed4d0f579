import io

import pytest
from django.core.management import call_command

from programs.models import Application, Program
from tests.browser.conftest import axe_violations, has_no_horizontal_scroll
from tests.browser.test_foundation_pages import _login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(communes, settings):
    settings.DEBUG = True
    call_command("load_demo", "--wet-run", "--without-activity", stdout=io.StringIO())


def _check(page):
    assert axe_violations(page) == []
    assert has_no_horizontal_scroll(page)


def test_funder_pages_are_accessible_on_a_small_phone(page, live_server, demo):
    program = Program.objects.get(slug__startswith="kap-konekt")
    _login(page, live_server, "financeur@demo.example")
    for path in (
        f"/programmes/{program.slug}/",
        f"/programmes/{program.slug}/couverture/",
        f"/programmes/appels/{program.calls.get().pk}/",
        f"/programmes/candidatures/{Application.objects.filter(call__program=program).first().pk}/",
        "/programmes/nouveau/",
    ):
        page.goto(f"{live_server.url}{path}")
        _check(page)


def test_structure_pages_are_accessible_on_a_small_phone(page, live_server, demo):
    _login(page, live_server, "structure@demo.example")
    page.goto(f"{live_server.url}/programmes/appels/")
    _check(page)
    page.goto(
        f"{live_server.url}/beneficiaires/organisations/{_structure_pk()}/orientations-recues/"
    )
    _check(page)


def _structure_pk():
    from demo.accounts import organisation

    return organisation("structure_le_port").pk
