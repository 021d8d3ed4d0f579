import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from programs.enums import FunderCategory
from programs.models import FundingCommitment, Program
from programs.services import commitment_add
from settlement import services
from settlement.enums import LineStatus, TransferStatus
from settlement.exceptions import SettlementError
from settlement.models import Claim, FunderDocument, PricingLine, Transfer
from tests.settlement.conftest import TODAY, accept_all
from vouchers.enums import UnitEventKind, UnitState
from vouchers.models import Unit, UnitEvent


def test_each_use_is_priced_once_when_it_happens(use_vouchers, agreed, money_program):
    issued = use_vouchers(3)
    lines = PricingLine.objects.filter(event__unit__carnet=issued.carnet)
    assert [line.amount_cents for line in lines] == [1000, 1000, 1000]
    assert {line.structure_id for line in lines} == {agreed.pk}
    assert services.lines_price_missing() == 0
    event = lines[0].event
    with pytest.raises(IntegrityError), transaction.atomic():
        PricingLine.objects.create(
            event=event,
            structure=agreed,
            program=money_program,
            amount_cents=1000,
            happened_at=event.at,
        )


def test_a_batch_pays_accepted_lines_once(use_vouchers, agreed, money_program):
    use_vouchers(3)
    use_vouchers(2)
    accept_all()
    outcome = services.batch_build(actor=None, until=TODAY)
    batch = outcome.batch
    assert batch.total_cents == 5000
    transfer = batch.transfers.get()
    assert (transfer.structure, transfer.amount_cents) == (agreed, 5000)
    assert transfer.iban.startswith("FR76")
    assert PricingLine.objects.filter(transfer=transfer).count() == 5
    again = services.batch_build(actor=None, until=TODAY)
    assert again.batch is None
    calls = FunderDocument.objects.filter(batch=batch, kind="call")
    assert sum(calls.values_list("amount_cents", flat=True)) == batch.total_cents


def test_a_rejected_line_never_reaches_a_batch(use_vouchers, agreed):
    use_vouchers(2)
    first, second = PricingLine.objects.order_by("pk")
    PricingLine.objects.update(status=LineStatus.SUSPICIOUS)
    with pytest.raises(SettlementError, match="Motif"):
        services.line_review(actor=None, line=first, accept=False, reason=" ")
    services.line_review(actor=None, line=first, accept=False, reason="Chèque utilisé deux fois")
    services.line_review(actor=None, line=second, accept=True, reason="Vérifié au téléphone")
    batch = services.batch_build(actor=None, until=TODAY).batch
    assert batch.total_cents == 1000
    first.refresh_from_db()
    assert first.transfer is None and first.status == LineStatus.REJECTED


def test_the_structure_contests_a_refused_line_once(use_vouchers, agreed):
    use_vouchers(1)
    line = PricingLine.objects.get()
    PricingLine.objects.update(status=LineStatus.REJECTED, review_reason="Hors convention")
    services.line_contest(actor=None, line=line, note="La convention était signée le 1er")
    line.refresh_from_db()
    assert line.status == LineStatus.SUSPICIOUS
    with pytest.raises(SettlementError, match="ne peut plus être contestée"):
        services.line_contest(actor=None, line=line, note="encore")


def test_a_batch_whose_transfer_differs_from_its_lines_is_refused_whole(
    use_vouchers, agreed, monkeypatch
):
    use_vouchers(2)
    accept_all()
    original = Transfer.objects.bulk_create

    def one_cent_more(transfers, **options):
        for transfer in transfers:
            transfer.amount_cents += 1
        return original(transfers, **options)

    monkeypatch.setattr(Transfer.objects, "bulk_create", one_cent_more)
    with pytest.raises(SettlementError, match="ne correspond pas"):
        services.batch_build(actor=None, until=TODAY)
    assert not Transfer.objects.exists()
    assert not PricingLine.objects.filter(transfer__isnull=False).exists()


def test_payment_marks_units_reimbursed_and_counts_in_the_budget(
    use_vouchers, agreed, money_program
):
    issued = use_vouchers(3)
    accept_all()
    batch = services.batch_build(actor=None, until=TODAY).batch
    with pytest.raises(SettlementError):
        services.batch_mark_paid(actor=None, batch=batch)
    services.batch_mark_sent(actor=None, batch=batch)
    services.batch_mark_paid(actor=None, batch=batch)
    program = Program.objects.get(pk=money_program.pk)
    assert program.reimbursed_cents == 3000 == program.consumed_cents
    units = Unit.objects.filter(carnet=issued.carnet).order_by("position")
    assert [u.state for u in units] == ["reimbursed"] * 3 + ["issued"] * 2
    assert UnitEvent.objects.filter(kind=UnitEventKind.REIMBURSED).count() == 3


def test_a_transfer_rejected_by_the_bank_goes_to_the_next_batch(use_vouchers, agreed):
    use_vouchers(2)
    accept_all()
    batch = services.batch_build(actor=None, until=TODAY).batch
    services.batch_mark_sent(actor=None, batch=batch)
    transfer = batch.transfers.get()
    services.transfer_reject(actor=None, transfer=transfer, reason="Compte clos")
    assert transfer.lines.count() == 0
    next_batch = services.batch_build(actor=None, until=TODAY).batch
    assert next_batch.total_cents == 2000
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.REJECTED


def test_a_correction_after_payment_is_a_negative_line_in_the_next_batch(
    kk, beneficiary, advisor, prescriber, time_machine
):
    from accompaniments import services as counter
    from tests.fixtures_vouchers import make_session
    from vouchers.services import carnet_issue

    carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=kk["program"],
        units=10,
        delivery="paper",
    )
    session = make_session(kk, day=3, hour=9, minutes=60)
    participant = counter.participant_book(actor=None, session=session, beneficiary=beneficiary)
    time_machine.move_to(session.starts_at + dt.timedelta(minutes=30))
    counter.attendance_record(
        actor=None, structure=kk["structure"], participant=participant, status="present"
    )
    accept_all()
    day = dt.date(2026, 12, 3)
    batch = services.batch_build(actor=None, until=day).batch
    assert batch.total_cents == 3000
    services.batch_mark_sent(actor=None, batch=batch)
    services.batch_mark_paid(actor=None, batch=batch)
    participant.refresh_from_db()
    counter.attendance_record(
        actor=None,
        structure=kk["structure"],
        participant=participant,
        status="absent",
        reason="Ce n'était pas elle",
    )
    negative = PricingLine.objects.get(amount_cents__lt=0)
    assert negative.amount_cents == -3000 and negative.transfer is None
    later = make_session(kk, day=3, hour=15, minutes=120)
    participant = counter.participant_book(actor=None, session=later, beneficiary=beneficiary)
    time_machine.move_to(later.starts_at + dt.timedelta(minutes=5))
    counter.attendance_record(
        actor=None, structure=kk["structure"], participant=participant, status="present"
    )
    accept_all()
    next_batch = services.batch_build(actor=None, until=day).batch
    assert next_batch.total_cents == 6000 - 3000
    assert next_batch.transfers.get().lines.filter(amount_cents__lt=0).count() == 1


def test_a_program_is_closed_with_a_credit_note_per_funder(
    money_program, funder, funder_user, make_organisation, time_machine
):
    state = make_organisation(name="État", kinds=("funder",))
    commitment_add(
        actor=funder_user,
        program=money_program,
        funder=state,
        category=FunderCategory.STATE,
        amount_cents=1_000_000,
    )
    Program.objects.filter(pk=money_program.pk).update(released_cents=12_345)
    with pytest.raises(SettlementError, match="encore acceptés"):
        services.program_close(actor=None, program=money_program)
    time_machine.move_to(dt.datetime(2027, 2, 2, 12, tzinfo=dt.UTC))
    notes = services.program_close(actor=None, program=money_program)
    assert sum(note.amount_cents for note in notes) == 12_345
    assert {note.funder_id for note in notes} == set(
        FundingCommitment.objects.filter(program=money_program).values_list("funder", flat=True)
    )
    with pytest.raises(SettlementError, match="déjà clôturé"):
        services.program_close(actor=None, program=money_program)


def test_paying_twice_is_impossible_in_the_database(use_vouchers, agreed):
    use_vouchers(1)
    accept_all()
    batch = services.batch_build(actor=None, until=TODAY).batch
    line = PricingLine.objects.get()
    assert line.transfer.batch == batch
    with pytest.raises(IntegrityError), transaction.atomic():
        PricingLine.objects.create(
            event=line.event,
            structure=line.structure,
            program=line.program,
            amount_cents=line.amount_cents,
            happened_at=line.happened_at,
            status=LineStatus.ACCEPTED,
        )
    assert UnitState.REIMBURSED == "reimbursed"


def test_events_left_unpriced_are_priced_in_one_go(use_vouchers, agreed, money_program):
    issued = use_vouchers(3)
    PricingLine.objects.all().delete()
    assert services.lines_price_missing() == 3
    assert services.lines_price_missing() == 0
    lines = PricingLine.objects.select_related("event__unit").order_by("pk")
    assert [line.status for line in lines] == [LineStatus.PRICED] * 3
    for line in lines:
        assert line.event.unit.carnet_id == issued.carnet.pk
        assert (line.structure_id, line.program_id) == (agreed.pk, money_program.pk)
        assert (line.amount_cents, line.happened_at) == (1000, line.event.at)


def test_claims_gather_lines_by_structure_program_and_local_month(use_vouchers, agreed):
    use_vouchers(3)
    first, second, third = PricingLine.objects.order_by("pk")
    # 23:30 in Paris on 31 October, then 00:30 on 1 November (UTC+1).
    PricingLine.objects.filter(pk=first.pk).update(
        happened_at=dt.datetime(2026, 10, 31, 22, 30, tzinfo=dt.UTC)
    )
    PricingLine.objects.filter(pk=second.pk).update(
        happened_at=dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC)
    )
    until = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert services.claims_build(until=until) == 3
    assert services.claims_build(until=until) == 0
    months = {line.pk: line.claim.month for line in PricingLine.objects.select_related("claim")}
    assert months == {
        first.pk: dt.date(2026, 10, 1),
        second.pk: dt.date(2026, 11, 1),
        third.pk: dt.date(2026, 11, 1),
    }
    assert {(c.structure_id, c.month) for c in Claim.objects.all()} == {
        (agreed.pk, dt.date(2026, 10, 1)),
        (agreed.pk, dt.date(2026, 11, 1)),
    }


def test_events_priced_by_a_batch_go_straight_into_their_claims(use_vouchers, agreed):
    use_vouchers(2)
    PricingLine.objects.all().delete()
    cutoff = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert services.lines_price_missing(claim_until=cutoff) == 2
    claim = Claim.objects.get()
    assert (claim.structure_id, claim.month) == (agreed.pk, dt.date(2026, 11, 1))
    assert set(PricingLine.objects.values_list("claim_id", flat=True)) == {claim.pk}
    assert services.claims_build(until=cutoff) == 0


def test_events_after_the_claim_date_are_priced_without_a_claim(use_vouchers):
    use_vouchers(2)
    PricingLine.objects.all().delete()
    assert services.lines_price_missing(claim_until=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)) == 2
    assert not Claim.objects.exists()
    assert set(PricingLine.objects.values_list("claim_id", flat=True)) == {None}
