import datetime as dt

import pytest
from django.template.loader import render_to_string

from beneficiaries.enums import ConsentMethod
from beneficiaries.services import beneficiary_create
from settlement.models import PricingLine
from settlement.services import line_contest, lines_control
from territories.models import Commune
from tests.controls.helpers import issue, priced, use

REVIEW = "/controles/"


@pytest.fixture
def hold(pass_structure, money_program, advisor, prescriber):
    """Makes held lines: one voucher each of people living in Agen, outside the program's
    territory (only OUTSIDE_TERRITORY holds them)."""
    counter = {"n": 0}

    def make(count):
        for _ in range(count):
            counter["n"] += 1
            person = beneficiary_create(
                actor=advisor,
                prescriber=prescriber,
                first_name=f"Paul{counter['n']}",
                last_name="Martin",
                birth_date=dt.date(1960, 5, counter["n"]),
                commune=Commune.objects.get(code="47001"),
                consent_method=ConsentMethod.ORAL,
            )
            use(
                pass_structure,
                issue(money_program, person, actor=advisor, prescriber=prescriber),
                0,
            )
        lines_control(lines=priced())
        return list(PricingLine.objects.filter(status="suspicious").order_by("pk"))

    return make


def _decide(client, line, decision, reason):
    return client.post(
        f"/controles/lignes/{line.pk}/decision/",
        {"decision": decision, "reason": reason, "page": "1"},
        follow=True,
    ).content.decode()


def test_the_operator_sees_held_lines_and_decides(client, operator_user, structure_user, hold):
    first, second = hold(2)
    line_contest(
        actor=structure_user, line=second, note="Cette personne vient d'emménager à Saint-Paul."
    )
    client.force_login(operator_user)
    page = client.get(REVIEW).content.decode()
    assert page.count("<h1") == 1 and "<caption>2 lignes à vérifier" in page
    assert '<table tabindex="0">' in page
    assert "Cyber-case test" in page and "Pass numérique test" in page
    assert "25/11/2026 10:0" in page  # Europe/Paris, the program's zone
    assert "10,00\u00a0€" in page
    assert "habite à Agen (47001), hors du territoire de Pass numérique test." in page
    assert "Contestation de la structure :</strong> Cette personne vient d&#x27;emménager" in page

    refused = _decide(client, first, "accept", "   ")
    assert "Motif : écrivez pourquoi, la structure le lira." in refused
    assert PricingLine.objects.get(pk=first.pk).status == "suspicious"

    done = _decide(client, first, "accept", "Adresse vérifiée : elle habite à Saint-Leu.")
    assert f"Ligne n° {first.pk} de Cyber-case test acceptée" in done
    first.refresh_from_db()
    assert (first.status, first.reviewed_by, first.review_reason) == (
        "accepted",
        operator_user,
        "Adresse vérifiée : elle habite à Saint-Leu.",
    )
    again = _decide(client, first, "reject", "Finalement non.")
    assert "Cette ligne n&#x27;attend plus de décision." in again

    _decide(client, second, "reject", "Aucun justificatif de domicile.")
    second.refresh_from_db()
    assert (second.status, second.review_reason) == ("rejected", "Aucun justificatif de domicile.")
    assert "Aucune ligne à vérifier" in client.get(REVIEW).content.decode()


def test_only_operators_see_or_decide(client, structure_user, advisor, hold):
    [line] = hold(1)
    assert client.get(REVIEW).status_code == 302  # to the login page
    for user in (structure_user, advisor):
        client.force_login(user)
        assert client.get(REVIEW).status_code == 403
        response = client.post(
            f"/controles/lignes/{line.pk}/decision/",
            {"decision": "accept", "reason": "Je me l'accorde."},
        )
        assert response.status_code == 403
    line.refresh_from_db()
    assert line.status == "suspicious"


def test_the_page_runs_the_same_queries_for_2_or_12_lines(
    client, operator_user, hold, django_assert_max_num_queries
):
    hold(2)
    client.force_login(operator_user)
    with django_assert_max_num_queries(8) as few:
        assert client.get(REVIEW).status_code == 200
    hold(10)
    with django_assert_max_num_queries(8) as many:
        page = client.get(REVIEW).content.decode()
    assert "<caption>12 lignes à vérifier" in page
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_operator_home_link():
    assert 'href="/controles/"' in render_to_string("controls/home_links/operator.html")
    for kind in ("funder", "prescriber", "structure"):
        assert render_to_string(f"controls/home_links/{kind}.html").strip() == ""
