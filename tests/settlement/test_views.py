import io

import pytest
from django.core.management import call_command

from accounts.enums import OrganisationKind as K
from settlement.enums import LineStatus
from settlement.models import PaymentBatch, PricingLine
from tests.settlement.conftest import accept_all


@pytest.fixture
def operator_user(make_organisation, make_member):
    return make_member(make_organisation(name="Opérateur", kinds=(K.OPERATOR,)))


def test_the_operator_builds_sends_and_pays_a_batch_on_pages(client, operator_user, use_vouchers):
    use_vouchers(2)
    accept_all()
    client.force_login(operator_user)
    page = client.get("/remboursements/lots/").content.decode()
    assert "20,00" in page  # accepted, not yet paid
    response = client.post("/remboursements/lots/", {"until": "2026-11-25"})
    batch = PaymentBatch.objects.get()
    assert response.url == f"/remboursements/lots/{batch.pk}/"
    detail = client.get(response.url).content.decode()
    assert "Marquer envoyé à la banque" in detail and "Cyber-case test" in detail
    client.post(f"/remboursements/lots/{batch.pk}/etat/", {"step": "sent"})
    client.post(f"/remboursements/lots/{batch.pk}/etat/", {"step": "paid"})
    batch.refresh_from_db()
    assert batch.status == "paid"
    again = client.post("/remboursements/lots/", {"until": "2026-11-25"}, follow=True)
    assert "Rien de nouveau à payer" in again.content.decode()


def test_only_the_operator_sees_batches(client, agreed, make_member):
    client.force_login(make_member(agreed))
    assert client.get("/remboursements/lots/").status_code == 403


def test_a_structure_reads_its_claims_and_contests_a_refused_line(
    client, use_vouchers, agreed, make_member, make_organisation
):
    from settlement.services import claims_build

    use_vouchers(2)
    claims_build(until=PricingLine.objects.latest("happened_at").happened_at.replace(year=2027))
    line = PricingLine.objects.first()
    PricingLine.objects.filter(pk=line.pk).update(
        status=LineStatus.REJECTED, review_reason="Chèque d'un autre programme"
    )
    client.force_login(make_member(agreed))
    page = client.get(f"/remboursements/structure/{agreed.pk}/").content.decode()
    assert "Prochain virement prévu le" in page and "novembre 2026" in page
    claim = line.claim
    detail = client.get(f"/remboursements/demandes/{claim.pk}/").content.decode()
    assert "Chèque d&#x27;un autre programme" in detail
    client.post(f"/remboursements/lignes/{line.pk}/contester/", {"note": "C'est bien le nôtre"})
    line.refresh_from_db()
    assert line.status == LineStatus.SUSPICIOUS and line.contest_note
    other = make_member(make_organisation(name="Autre structure"))
    client.force_login(other)
    assert client.get(f"/remboursements/demandes/{claim.pk}/").status_code == 403


def test_the_funder_sees_its_calls_for_funds(client, use_vouchers, funder, funder_user):
    from settlement.services import batch_build
    from tests.settlement.conftest import TODAY

    use_vouchers(3)
    accept_all()
    batch_build(actor=None, until=TODAY)
    client.force_login(funder_user)
    page = client.get(f"/remboursements/financeur/{funder.pk}/").content.decode()
    assert "appel de fonds" in page and "30,00" in page


def test_the_batch_command_is_dry_by_default_and_pays_nothing_twice(use_vouchers, tmp_path):
    use_vouchers(2)
    accept_all()
    out = io.StringIO()
    call_command("settlement_batch", "--until", "2026-11-25", stdout=out)
    assert "Simulation" in out.getvalue() and "20,00" in out.getvalue()
    assert not PaymentBatch.objects.exists()
    out = io.StringIO()
    call_command(
        "settlement_batch", "--until", "2026-11-25", "--dir", str(tmp_path), "--wet-run", stdout=out
    )
    batch = PaymentBatch.objects.get()
    assert f"Lot {batch.message_id} : 1 virement, 20,00" in out.getvalue()
    assert (tmp_path / "sepa.xml").exists() and str(tmp_path / "sepa.xml") in out.getvalue()
    out = io.StringIO()
    call_command("settlement_batch", "--until", "2026-11-25", "--wet-run", stdout=out)
    assert "Rien de nouveau" in out.getvalue()
