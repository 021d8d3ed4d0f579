"""vouchers.views: issuing a carnet to one person or to several, printing it, its balance."""

import datetime as dt
import re

from django.utils.html import escape

from beneficiaries.enums import DEFAULT_SKILLS
from beneficiaries.models import Beneficiary, Diagnostic
from beneficiaries.services import diagnostic_record
from places.enums import LinkSource
from places.models import Place, PlaceProgram
from programs.models import PrescriberQuota
from tests.factories import CarnetFactory
from tests.vouchers.helpers import (
    ANSWERS,
    access_code_from_issued_page,
    codes_from_issued_page,
    new_person,
    pdf_from_issued_page,
    qr_texts,
    set_rules,
)
from vouchers.codes import token_hash
from vouchers.models import Allowance, Carnet
from vouchers.pdf import redemption_url

ANSWERS_BEGINNER = {f"skill_{key}": "0" for key, _label in DEFAULT_SKILLS}


def test_register_diagnose_issue_print_and_see_the_balance(
    client, money_program, prescriber, advisor, reunion_places
):
    client.force_login(advisor)
    response = client.post(
        f"/beneficiaires/organisations/{prescriber.pk}/personnes/nouvelle/",
        {
            "first_name": "Josiane",
            "last_name": "Hoarau",
            "birth_date": "1948-03-12",
            "commune": "97410",
            "phone": "0692 12 34 56",
            "email": "",
            "categories": ["senior"],
            "consent_method": "oral",
        },
    )
    beneficiary = Beneficiary.objects.get()
    assert response.url == f"/beneficiaires/personnes/{beneficiary.pk}/"
    assert beneficiary.phone == "0692123456"

    client.post(
        f"/beneficiaires/personnes/{beneficiary.pk}/diagnostic/{money_program.pk}/",
        ANSWERS_BEGINNER | {"chosen_units": "", "override_reason": ""},
    )
    diagnostic = Diagnostic.objects.get()
    assert (diagnostic.level, diagnostic.chosen_units) == ("beginner", 10)

    page = client.get(f"/carnets/remettre/{beneficiary.pk}/?programme={money_program.pk}")
    assert 'value="10" selected' in page.content.decode()
    response = client.post(
        f"/carnets/remettre/{beneficiary.pk}/",
        {"program": money_program.pk, "units": "10", "delivery": "paper"},
    )
    content = response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    codes = codes_from_issued_page(content)
    assert len(codes) == 10
    carnet = Carnet.objects.get()
    pdf = pdf_from_issued_page(content)
    assert pdf.startswith(b"%PDF")
    texts = qr_texts(pdf)
    assert sorted(t for t in texts if "valider" in t) == sorted(redemption_url(s) for s, _ in codes)
    assert redemption_url(codes[0][0]).endswith(f"/accompagnements/valider/?serie={codes[0][0]}")
    balance_links = [t for t in texts if "/carnets/solde/#" in t]
    assert len(balance_links) == 1
    token = balance_links[0].rsplit("#", 1)[1]
    assert token_hash(token) == carnet.link_token_hash

    client.logout()
    # The token rides after "#" (never sent, never logged); the page's script posts it.
    # The places near the person (Saint-Benoît) that accept the program: those within 30 km.
    near = Place.objects.get(source_id="ultra-num-974-132")  # Saint-Benoît
    far = Place.objects.get(source_id="ultra-num-974-002")  # Saint-Pierre, 60 km away
    for place in (near, far):
        PlaceProgram.objects.create(
            place=place, program=money_program, link_source=LinkSource.OPERATOR
        )
    commune = beneficiary.commune
    Place.objects.filter(pk=near.pk).update(latitude=commune.latitude, longitude=commune.longitude)
    balance = client.post("/carnets/solde/", {"token": token})
    assert "<strong>10</strong> chèques sur 10" in balance.content.decode()
    assert "à moins d'1 km" in balance.content.decode()
    assert f'href="/lieux/{near.pk}/">{escape(near.nom)}</a>' in balance.content.decode()
    assert f"/lieux/{far.pk}/" not in balance.content.decode()
    unknown = client.post("/carnets/solde/", {"token": "x" * 22})
    assert "Ce lien de carnet n&#x27;est pas valable" in unknown.content.decode()
    by_code = client.post(
        "/carnets/solde/", {"number": carnet.number, "code": access_code_from_issued_page(content)}
    )
    assert "Carnet de Josiane" in by_code.content.decode()
    wrong = client.post("/carnets/solde/", {"number": carnet.number, "code": "AAAA-AAAA"})
    assert "Numéro de carnet ou code incorrect" in wrong.content.decode()


def test_pages_offer_no_second_carnet_and_link_the_one_in_progress(
    client, money_program, prescriber, advisor
):
    holder = new_person(prescriber, advisor)
    carnet = CarnetFactory(program=money_program, beneficiary=holder).carnet
    newcomer = new_person(prescriber, advisor, first_name="Paul")
    client.force_login(advisor)
    issue_link = "Remettre un carnet — Pass numérique test"
    page = client.get(f"/beneficiaires/personnes/{holder.pk}/").content.decode()
    assert issue_link not in page
    assert "Carnet en cours" in page and f'href="/carnets/{carnet.pk}/">n° {carnet.number}' in page
    assert issue_link in client.get(f"/beneficiaires/personnes/{newcomer.pk}/").content.decode()
    page = client.get(
        f"/carnets/remettre/{holder.pk}/?programme={money_program.pk}"
    ).content.decode()
    assert "Carnet en cours" in page and f"/carnets/{carnet.pk}/" in page
    assert "Remettre le carnet</button>" not in page
    page = client.get(
        f"/carnets/remettre/{newcomer.pk}/?programme={money_program.pk}"
    ).content.decode()
    assert "Remettre le carnet</button>" in page


def test_a_refusal_shows_on_the_issue_form_with_what_was_typed(
    client, money_program, prescriber, advisor
):
    set_rules(money_program, min_age=18)
    child = new_person(
        prescriber, advisor, birth_date=dt.date(2020, 5, 1), email="parent@example.org"
    )
    client.force_login(advisor)
    page = client.get(f"/carnets/remettre/{child.pk}/").content.decode()
    assert "Léa a 6 ans" in page and "Remettre le carnet</button>" not in page
    response = client.post(
        f"/carnets/remettre/{child.pk}/",
        {"program": money_program.pk, "units": "5", "delivery": "email"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Ce programme est réservé aux personnes de 18 ans et plus : Léa a 6 ans." in content
    assert 'value="5" selected' in content
    assert re.search(r'<input type="radio" name="delivery" value="email"[^>]* checked>', content)
    assert Carnet.objects.count() == 0


def test_batch_issuance_reports_who_may_not_receive_a_carnet_and_why(
    client, money_program, prescriber, advisor
):
    set_rules(money_program, min_age=18)
    adult = new_person(prescriber, advisor, first_name="Paul")
    child = new_person(prescriber, advisor, birth_date=dt.date(2020, 5, 1))
    for person in (adult, child):
        diagnostic_record(
            actor=advisor, beneficiary=person, program=money_program, kind="entry", answers=ANSWERS
        )
    client.force_login(advisor)
    page = client.get(f"/carnets/lot/{prescriber.pk}/").content.decode()
    assert f'id="b-{adult.pk}"' in page and f'id="b-{child.pk}"' not in page
    assert "Ne peuvent pas recevoir de carnet Pass numérique test" in page
    assert "Léa a 6 ans" in page
    response = client.post(
        f"/carnets/lot/{prescriber.pk}/",
        {"program": money_program.pk, "beneficiaries": [adult.pk, child.pk]},
    )
    assert "1 carnets remis" in response.content.decode()
    assert list(Carnet.objects.values_list("beneficiary", flat=True)) == [adult.pk]


def test_batch_issuance_gives_one_pdf(
    client, money_program, make_beneficiary, advisor, prescriber, monkeypatch
):
    people = [make_beneficiary() for _ in range(3)]
    answers = dict.fromkeys((key for key, _label in DEFAULT_SKILLS), 1)
    for person in people:
        diagnostic_record(
            actor=advisor, beneficiary=person, program=money_program, kind="entry", answers=answers
        )
    client.force_login(advisor)
    page = client.get(f"/carnets/lot/{prescriber.pk}/").content.decode()
    assert all(p.first_name in page for p in people)
    response = client.post(
        f"/carnets/lot/{prescriber.pk}/",
        {"program": money_program.pk, "beneficiaries": [people[0].pk, people[1].pk]},
    )
    content = response.content.decode()
    assert "2 carnets remis" in content
    assert (
        len([t for t in qr_texts(pdf_from_issued_page(content)) if "valider" in t])
        == 2 * Carnet.objects.first().units_count
    )
    monkeypatch.setattr("vouchers.views.BATCH_PAGE_MAX", 0)
    response = client.post(
        f"/carnets/lot/{prescriber.pk}/",
        {"program": money_program.pk, "beneficiaries": [people[2].pk]},
    )
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert Carnet.objects.count() == 3


def test_a_digital_carnet_for_someone_without_a_phone_leaves_nothing_behind(
    client, money_program, make_beneficiary, advisor
):
    person = make_beneficiary()
    client.force_login(advisor)
    response = client.post(
        f"/carnets/remettre/{person.pk}/",
        {"program": money_program.pk, "units": "10", "delivery": "sms"},
    )
    assert "Aucun téléphone portable" in response.content.decode()
    money_program.refresh_from_db()
    assert (Carnet.objects.count(), money_program.committed_cents) == (0, 0)

    assert PrescriberQuota.objects.get(program=money_program).units_issued == 0
    assert not Allowance.objects.filter(units_issued__gt=0).exists()
