import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q, Sum

from accompaniments.services import unit_consume
from accounts.models import Organisation
from beneficiaries.models import Beneficiary, BeneficiaryStructure
from demo.national import FULL, scaled, voucher_code
from places.models import Place
from programs.models import Agreement, PrescriberQuota, Program
from vouchers.codes import code_matches, serial_normalize
from vouchers.models import Allowance, Carnet, Unit, UnitEvent


@pytest.fixture
def national(communes):
    call_command("generate_national", scale=0.01, wet_run=True, verbosity=0)


def test_the_sizes_follow_the_scale():
    assert scaled(1.0) == FULL
    assert scaled(0.01) == {
        "programs": 1,
        "structures": 50,
        "prescribers": 20,
        "places": 250,
        "beneficiaries": 4000,
        "carnets": 2000,
    }


@pytest.mark.django_db
def test_the_dataset_at_one_hundredth_is_whole_and_consistent(national):
    assert Program.objects.count() == 1
    assert Organisation.objects.filter(is_structure=True).count() == 50
    assert Organisation.objects.filter(is_prescriber=True).count() == 20
    assert Place.objects.count() == 250 and Beneficiary.objects.count() == 4000
    assert Carnet.objects.count() == 2000 and Unit.objects.count() == 20000
    assert Agreement.objects.count() == 50
    # One issue event per unit, one use event per used unit.
    assert UnitEvent.objects.filter(kind="issued").count() == 20000
    consumed = Unit.objects.filter(state="consumed")
    assert UnitEvent.objects.filter(kind="consumed").count() == consumed.count()
    assert 0.2 < consumed.count() / 20000 < 0.8
    # People in the communes of the program's département, in proportion to population.
    program = Program.objects.get()
    assert set(Beneficiary.objects.values_list("commune__departement", flat=True)) == {"974"}
    assert (
        Beneficiary.objects.filter(commune="97411").count()
        > Beneficiary.objects.filter(commune="97412").count()
    )  # Saint-Denis before Saint-Joseph
    # Carnets issued month after month, and never in the future.
    months = Carnet.objects.dates("issued_at", "month")
    assert len(months) >= 10
    # The budget, quotas and allowances say what the units say.
    totals = Unit.objects.aggregate(
        issued=Sum("value_cents", filter=Q(state="issued")),
        used=Sum("value_cents", filter=Q(state="consumed")),
    )
    assert (program.committed_cents, program.consumed_cents) == (totals["issued"], totals["used"])
    assert program.funded_cents >= program.committed_cents + program.consumed_cents
    assert PrescriberQuota.objects.aggregate(n=Sum("units_issued"))["n"] == 20000
    assert Allowance.objects.aggregate(n=Sum("units_issued"))["n"] == 20000
    served = BeneficiaryStructure.objects.count()
    assert served == consumed.values("carnet__beneficiary", "consumed_by").distinct().count()
    keys = Beneficiary.objects.values("identity_key").distinct().count()
    assert keys == 4000  # one record per person
    per_person = Carnet.objects.values("beneficiary").annotate(n=Count("id"))
    assert max(row["n"] for row in per_person) == 1


@pytest.mark.django_db
def test_a_generated_voucher_is_used_like_any_other(national):
    unit = Unit.objects.filter(state="issued").select_related("program").first()
    assert serial_normalize(unit.serial) == unit.serial
    code = voucher_code(unit.serial)
    assert code_matches(serial=unit.serial, code=code, stored_hash=unit.code_hash)
    structure = Agreement.objects.filter(program=unit.program).first().structure
    result = unit_consume(
        actor=None, structure=structure, serial=unit.serial, code=code, idempotency_key="n1"
    )
    assert result.outcome == "consumed"
    # New rows after the generated ones get new ids.
    assert (
        Organisation.objects.create(name="Nouvelle", is_structure=True, rna="W999999999").pk
        > structure.pk
    )


@pytest.mark.django_db
def test_the_dataset_is_not_generated_twice(national):
    with pytest.raises(CommandError, match="déjà des carnets"):
        call_command("generate_national", scale=0.01, wet_run=True, verbosity=0)
