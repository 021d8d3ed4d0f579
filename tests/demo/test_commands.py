import datetime as dt
import io
import random
import re
import xml.etree.ElementTree as ET

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Sum
from django.utils import timezone

from accompaniments.enums import SessionKind, SessionStatus
from accompaniments.models import SatisfactionSurvey, Session
from accompaniments.services import unit_consume
from accounts.models import User
from beneficiaries.enums import DiagnosticKind, OrientationStatus
from beneficiaries.models import Beneficiary, Diagnostic, Orientation
from demo.accounts import ACCOUNTS, DEMO_PASSWORD, organisation
from demo.activity import Person, Workshop, plan
from programs.models import Program
from settlement.enums import BatchStatus, LineStatus
from settlement.exports import sepa_validate
from settlement.models import PaymentBatch, PricingLine
from vouchers.enums import UnitEventKind
from vouchers.models import Carnet, UnitEvent


def _counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label
        in (
            "accounts",
            "places",
            "programs",
            "beneficiaries",
            "vouchers",
            "accompaniments",
            "settlement",
            "controls",
            "core",
        )
    }


def _load(*args) -> str:
    out = io.StringIO()
    call_command("load_demo", "--wet-run", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _debug(settings):
    settings.DEBUG = True


def test_load_demo_brings_a_year_of_activity_and_a_second_run_changes_nothing(communes, tmp_path):
    out = _load()
    first = _counts()
    assert first["places.Place"] == 158
    oriented = Orientation.objects.filter(beneficiary__isnull=False)
    assert Orientation.objects.filter(beneficiary__isnull=True).count() == 2
    assert oriented.count() >= 50 and oriented.filter(status=OrientationStatus.CAME).exists()
    assert (first["programs.Program"], first["programs.Agreement"]) == (2, 5)
    assert "0 refusées" in out  # every action of the year went through the services
    kap = Program.objects.get(slug__startswith="kap-konekt")
    pass_47 = Program.objects.get(slug__startswith="pass-numerique-47")
    assert (kap.min_age, kap.residence_required, kap.entry_diagnostic_required) == (18, True, True)
    assert pass_47.entry_diagnostic_required and pass_47.residence_required
    year = timezone.localdate().year
    for program, departement in ((kap, "974"), (pass_47, "47")):
        people = Beneficiary.objects.filter(carnets__program=program).distinct()
        assert people.count() >= 150
        communes = set(people.values_list("commune_id", flat=True))
        assert len(communes) >= 15 and {code[: len(departement)] for code in communes} == {
            departement
        }
        issued = Carnet.objects.filter(program=program).values_list("issued_at", flat=True)
        assert {moment.year for moment in issued} == {year}
        assert len({moment.month for moment in issued}) >= 10  # spread over the year
        uses = UnitEvent.objects.filter(unit__program=program, kind=UnitEventKind.CONSUMED)
        assert uses.count() >= 500
        assert Diagnostic.objects.filter(program=program, kind=DiagnosticKind.EXIT).count() >= 40
        assert SatisfactionSurvey.objects.filter(program=program).count() >= 30
    workshops = Session.objects.filter(program=kap, kind=SessionKind.COLLECTIVE)
    assert workshops.filter(status=SessionStatus.DONE).count() >= 100
    assert workshops.filter(starts_at__gt=timezone.now()).exists()  # some still to come
    full = workshops.annotate(n=Count("participants")).filter(n=kap.max_group_size)
    assert full.exists()
    # Every closed month was paid through the settlement services, the last one included.
    paid = PaymentBatch.objects.filter(status=BatchStatus.PAID).order_by("until")
    last_month_end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    assert [batch.until for batch in paid][-1] == last_month_end
    assert paid.count() == last_month_end.month
    total = PricingLine.objects.filter(transfer__batch__in=paid).aggregate(s=Sum("amount_cents"))
    assert total["s"] == sum(batch.total_cents for batch in paid) > 0
    assert kap.__class__.objects.get(pk=kap.pk).reimbursed_cents > 0

    # The demo logins and the voucher printed for the structure of Agen keep working.
    for email, *_rest in ACCOUNTS:
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD)
    serial, code = re.search(r"numéro (\S+), code (\S+)", out).groups()
    answer = unit_consume(
        actor=None, structure=organisation("structure_agen"), serial=serial, code=code, test=True
    )
    assert answer.ok, answer.message
    # The settled months were paid by valid SEPA files; nothing is left to pay up to their end.
    _sepa_of_the_last_batch_is_valid(tmp_path)

    out = _load()
    assert _counts() == first
    assert DEMO_PASSWORD in out


def _described(value):
    if isinstance(value, Person):
        return (value.last_name, value.first_name, value.birth_date, value.commune.code)
    if isinstance(value, Workshop):
        return (value.structure.pk, value.starts_at, value.title, value.theme)
    if isinstance(value, random.Random):
        return value.random()
    return getattr(value, "pk", value)


def _actions(timeline):
    return [
        (when, run.func.__name__, [_described(arg) for arg in run.args])
        for when, _order, run in timeline.actions
    ]


def test_the_demo_year_is_drawn_from_a_seed(communes):
    """Two plans on the same day: the same people, the same actions at the same moments."""
    _load("--without-activity")
    now = timezone.now()
    first_people, first = plan(now=now)
    second_people, second = plan(now=now)
    assert len(first_people) == len(second_people) >= 300
    assert _actions(first) == _actions(second)
    assert len(first.actions) > 2000


def test_load_demo_is_a_dry_run_without_wet_run(communes):
    call_command("load_demo", "--without-activity", stdout=io.StringIO())
    assert _counts()["places.Place"] == 0


def test_load_demo_refuses_production(communes, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo", "--wet-run", stdout=io.StringIO())


def test_without_activity_the_demo_is_small(communes):
    _load("--without-activity")
    counts = _counts()
    assert (counts["vouchers.Carnet"], counts["accompaniments.Session"]) == (5, 2)


def _sepa_of_the_last_batch_is_valid(tmp_path):
    """settlement_batch up to the last closed month finds nothing new; settlement_export of
    the last batch gives a SEPA file valid against the XSD whose total is its lines'."""
    last_month_end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    out = io.StringIO()
    call_command("settlement_batch", "--until", last_month_end.isoformat(), "--wet-run", stdout=out)
    assert "Rien de nouveau" in out.getvalue()  # the demo paid every closed month already
    batch = PaymentBatch.objects.order_by("-until").first()
    call_command("settlement_export", batch.message_id, "--dir", str(tmp_path), stdout=out)
    content = (tmp_path / "sepa.xml").read_bytes()
    sepa_validate(content)
    namespace = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    control_sum = ET.fromstring(content).find("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespace)
    accepted = PricingLine.objects.filter(transfer__batch=batch).aggregate(s=Sum("amount_cents"))
    assert round(float(control_sum.text) * 100) == accepted["s"] == batch.total_cents
    assert not PricingLine.objects.filter(
        transfer__batch=batch, status=LineStatus.SUSPICIOUS
    ).exists()
