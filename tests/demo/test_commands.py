import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from programs.models import Program


def _counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label
        in ("accounts", "places", "programs", "beneficiaries", "vouchers", "accompaniments", "core")
    }


@pytest.fixture(autouse=True)
def _debug(settings):
    settings.DEBUG = True


def test_load_demo_twice_changes_nothing(communes):
    call_command("load_demo", "--wet-run", stdout=io.StringIO())
    first = _counts()
    assert first["places.Place"] == 158
    assert first["beneficiaries.Orientation"] == 2
    assert (first["programs.Program"], first["programs.Agreement"]) == (2, 5)
    assert (first["vouchers.Carnet"], first["accompaniments.Session"]) == (5, 2)
    out = io.StringIO()
    call_command("load_demo", "--wet-run", stdout=out)
    assert _counts() == first
    assert "demo-passnum-2026" in out.getvalue()


def test_load_demo_is_a_dry_run_without_wet_run(communes):
    call_command("load_demo", stdout=io.StringIO())
    assert _counts()["places.Place"] == 0


def test_load_demo_refuses_production(communes, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo", "--wet-run", stdout=io.StringIO())


def test_the_demo_programs_carry_their_rules(communes, settings):
    settings.DEBUG = True
    call_command("load_demo", "--wet-run", stdout=io.StringIO())
    kap = Program.objects.get(slug__startswith="kap-konekt")
    assert (kap.min_age, kap.residence_required, kap.entry_diagnostic_required) == (18, True, True)
    pass_47 = Program.objects.get(slug__startswith="pass-numerique-47")
    assert pass_47.entry_diagnostic_required and pass_47.residence_required


def test_the_demo_batch_exports_a_valid_sepa_file_and_a_second_run_pays_nothing(communes, tmp_path):
    """Issue acceptance: on the demo data, settlement_batch then settlement_export give a SEPA
    file valid against the XSD whose total is the accepted lines'; running again adds nothing."""
    import xml.etree.ElementTree as ET

    from django.db.models import Sum
    from django.utils import timezone

    from settlement.exports import sepa_validate
    from settlement.models import PaymentBatch, PricingLine

    call_command("load_demo", "--wet-run", stdout=io.StringIO())
    out = io.StringIO()
    today = timezone.localdate().isoformat()
    call_command("settlement_batch", "--until", today, "--wet-run", stdout=out)
    assert "Rien de nouveau" in out.getvalue()  # the demo built the first batch already
    batch = PaymentBatch.objects.get()
    call_command("settlement_export", batch.message_id, "--dir", str(tmp_path), stdout=out)
    content = (tmp_path / "sepa.xml").read_bytes()
    sepa_validate(content)
    namespace = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    control_sum = ET.fromstring(content).find("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespace)
    accepted = PricingLine.objects.filter(transfer__batch=batch).aggregate(s=Sum("amount_cents"))
    assert round(float(control_sum.text) * 100) == accepted["s"] == batch.total_cents == 3000
