"""Paying the structures (DOMAIN.md invariant 6): every consumption and reversal event of the
ledger gets one pricing line when it happens; lines go into monthly claims, through the
controls, then accepted lines up to a cut-off date into a payment batch of one transfer per
structure; funders are called for their shares. Corrections are new lines, never edits."""

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from accounts.models import Organisation
from core import rawsql, registry
from core.services import audit_record, transition
from core.timezones import zone_name
from programs.enums import AgreementStatus
from programs.models import Agreement, FundingCommitment, Program
from programs.selectors import program_last_acceptance_on, program_today
from programs.services import budget_move
from settlement.enums import BatchStatus, FunderDocumentKind, LineStatus, TransferStatus
from settlement.exceptions import SettlementError
from settlement.models import Claim, FunderDocument, PaymentBatch, PricingLine, Transfer
from vouchers import ledger
from vouchers.enums import UnitEventKind
from vouchers.models import UnitEvent

PRICED_KINDS = (UnitEventKind.CONSUMED, UnitEventKind.REVERSED)


# --- Pricing and claims --------------------------------------------------------------------


def events_price(*, events) -> None:
    """One pricing line per consumption or reversal event (the database refuses a second
    one, skipped without a word): what the event says is due to the structure that made it.
    Called by the ledger in the transaction of the event."""
    lines = [
        PricingLine(
            event_id=event.pk,
            structure_id=event.organisation_id,
            program_id=event.unit.program_id,
            amount_cents=event.amount_cents,
            happened_at=event.at or timezone.now(),
        )
        for event in events
        if event.kind in PRICED_KINDS and event.organisation_id is not None
    ]
    if len(lines) == 1:  # a voucher used: the hot path
        rawsql.insert(lines[0], ignore_conflicts=True)
    elif lines:
        PricingLine.objects.bulk_create(lines, ignore_conflicts=True)


LINE_COLUMNS = (
    "event_id",
    "structure_id",
    "program_id",
    "amount_cents",
    "happened_at",
    "status",
    "review_reason",
    "contest_note",
    "created_at",
)


def lines_price_missing(*, claim_until: dt.datetime | None = None) -> int:
    """Prices the events that have no line yet (events made before this app, or by a path
    that bypassed the ledger's hook), by INSERT … SELECT: a copy of what each event says, as
    events_price does. A line priced meanwhile by the ledger wins (the unique event of a
    line). With `claim_until`, the lines of events before it go straight into the claims of
    their month (created when missing, as claims_build does), rather than being written a
    second time by claims_build. Returns lines created."""
    now = timezone.now()
    missing = UnitEvent.objects.filter(
        kind__in=PRICED_KINDS, organisation__isnull=False, pricing_line__isnull=True
    ).order_by()
    created = 0
    if claim_until is not None:
        for zone, program_ids in _zones_of_programs():
            due = missing.filter(unit__program_id__in=program_ids, at__lt=claim_until)
            _claims_create(
                due.values_list("organisation_id", "unit__program_id", _month_in(zone, "at")), now
            )
            claim = _claim_of(
                zone, structure="organisation_id", program="unit__program_id", at="at"
            )
            created += _insert_select(
                PricingLine,
                (*LINE_COLUMNS, "claim_id"),
                _line_values(due, now, Subquery(claim.values("pk")[:1])),
                conflict=("event_id",),
            )
    return created + _insert_select(
        PricingLine, LINE_COLUMNS, _line_values(missing, now), conflict=("event_id",)
    )


def _line_values(events, now: dt.datetime, *more):
    """The values of LINE_COLUMNS (then `more`) for the pricing line of each event."""
    return events.values_list(
        "pk",
        "organisation_id",
        "unit__program_id",
        "amount_cents",
        Coalesce("at", _moment(now)),
        Value(LineStatus.PRICED.value),
        Value(""),
        Value(""),
        _moment(now),
        *more,
    )


def _zones_of_programs() -> list[tuple[str, list[int]]]:
    zones: dict[str, list[int]] = defaultdict(list)
    for pk, zone in Program.objects.order_by("pk").values_list("pk", "time_zone"):
        zones[zone_name(zone)].append(pk)
    return sorted(zones.items())


def _claims_create(months, now: dt.datetime) -> None:
    """The claims of (structure, program, month) rows that do not exist yet, in one
    statement."""
    _insert_select(
        Claim,
        ("structure_id", "program_id", "month", "note", "created_at"),
        months.annotate(claim_note=Value(""), claim_created_at=_moment(now)).distinct(),
        conflict=("structure_id", "program_id", "month"),
    )


def _claim_of(zone: str, *, structure: str, program: str, at: str):
    """The claim of the outer row's structure, program and month (in `zone`)."""
    return Claim.objects.filter(
        structure_id=OuterRef(structure),
        program_id=OuterRef(program),
        month=_month_in(zone, ExpressionWrapper(OuterRef(at), DateTimeField())),
    ).order_by()


def _moment(moment: dt.datetime) -> Value:
    return Value(moment, output_field=DateTimeField())


def _insert_select(model, columns: tuple[str, ...], rows, *, conflict: tuple[str, ...]) -> int:
    """INSERT … SELECT of a queryset's rows (same order as `columns`), rows that would break
    the unique `conflict` columns left out: one statement, the same on PostgreSQL and SQLite
    (whose parser needs the WHERE that every caller's queryset has)."""
    select, params = rows.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    target = ", ".join(connection.ops.quote_name(column) for column in conflict)
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgresql:
            # Planned with the statistics of a nearly empty table, the anti-join becomes a
            # nested loop that rereads, for every event, the rows this statement adds.
            cursor.execute("SELECT current_setting('enable_nestloop')")
            [nestloop] = cursor.fetchone()
            cursor.execute("SELECT set_config('enable_nestloop', 'off', true)")
        cursor.execute(
            f"INSERT INTO {table} ({quoted}) {select} ON CONFLICT ({target}) DO NOTHING", params
        )
        count = cursor.rowcount
        if postgresql:
            cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [nestloop])
    return count


def _month_in(zone: str, field) -> Cast:
    """The first day of the month of a moment in a time zone, computed by the database."""
    return Cast(TruncMonth(field, tzinfo=ZoneInfo(zone)), DateField())


def claims_build(*, until: dt.datetime) -> int:
    """Each month's unclaimed lines (up to `until`) go to the claim of their structure,
    program and month (in the program's time zone): per time zone, one statement creates the
    claims that are missing, one puts the lines in them. Returns the lines claimed."""
    claimed = 0
    now = timezone.now()
    for zone, program_ids in _zones_of_programs():
        unclaimed = PricingLine.objects.filter(
            claim__isnull=True, happened_at__lt=until, program_id__in=program_ids
        ).order_by()
        _claims_create(
            unclaimed.values_list("structure_id", "program_id", _month_in(zone, "happened_at")),
            now,
        )
        claim = _claim_of(zone, structure="structure_id", program="program_id", at="happened_at")
        claimed += unclaimed.update(claim_id=Subquery(claim.values("pk")[:1]))
    return claimed


def claim_note(*, actor, claim: Claim, note: str) -> Claim:
    note = note.strip()
    if not note:
        raise SettlementError("Note : écrivez quelque chose à l'opérateur.", field="note")
    Claim.objects.filter(pk=claim.pk).update(note=note[:2000])
    audit_record(actor=actor, action="settlement.claim_note", obj=claim)
    claim.refresh_from_db()
    return claim


def line_contest(*, actor, line: PricingLine, note: str) -> PricingLine:
    """The structure contests a line the controls refused or held, once: the operator looks
    at it again."""
    note = note.strip()
    if not note:
        raise SettlementError("Contestation : expliquez ce qui ne va pas.", field="note")
    if not PricingLine.objects.filter(
        pk=line.pk,
        contest_note="",
        transfer__isnull=True,
        status__in=[LineStatus.REJECTED, LineStatus.SUSPICIOUS],
    ).update(contest_note=note[:2000], status=LineStatus.SUSPICIOUS, review_reason=""):
        raise SettlementError(
            "Cette ligne ne peut plus être contestée (déjà contestée, acceptée ou payée)."
        )
    audit_record(actor=actor, action="settlement.line_contested", obj=line)
    line.refresh_from_db()
    return line


# --- Controls ------------------------------------------------------------------------------


def lines_control(*, lines) -> None:
    """Runs the controls registered by the controls app on lines still to control (instances,
    or a queryset the controls read in one pass); with no control registered, lines are
    accepted as they are."""
    checks = registry.contributions(registry.LINE_CHECKS)
    if isinstance(lines, QuerySet):
        pending = lines.filter(status=LineStatus.PRICED)
    else:
        pending = [line for line in lines if line.status == LineStatus.PRICED]
        if not pending:
            return
    for check in checks:
        check(lines=pending)
    if not checks:
        if not isinstance(pending, QuerySet):
            pending = PricingLine.objects.filter(pk__in=[line.pk for line in pending])
        pending.filter(status=LineStatus.PRICED).update(status=LineStatus.ACCEPTED)


def line_review(*, actor, line: PricingLine, accept: bool, reason: str) -> PricingLine:
    """The operator accepts or rejects a suspicious line, with a reason the structure reads."""
    reason = reason.strip()
    if not reason:
        raise SettlementError("Motif : écrivez pourquoi, la structure le lira.", field="reason")
    status = LineStatus.ACCEPTED if accept else LineStatus.REJECTED
    return transition(
        obj=line,
        expect={"status": LineStatus.SUSPICIOUS, "transfer__isnull": True},
        changes={"status": status, "review_reason": reason[:300], "reviewed_by": actor},
        refusal=SettlementError("Cette ligne n'attend plus de décision."),
        actor=actor,
        action="settlement.line_reviewed",
        organisation_id=line.structure_id,
        data={"status": status},
    )


# --- Payment batches -----------------------------------------------------------------------


@dataclass(frozen=True)
class BankDetails:
    holder: str
    iban: str
    bic: str


def _bank_details(agreement: Agreement | None, name: str) -> BankDetails | None:
    """The bank details of a structure's most recent live agreement, if they are valid today
    (checked again at batch time with schwifty)."""
    if agreement is None:
        return None
    try:
        iban = IBAN(agreement.iban)
        bic = BIC(agreement.bic) if agreement.bic else iban.bic
    except SchwiftyException:
        return None
    if bic is None:
        return None
    return BankDetails(holder=name[:70], iban=str(iban.compact), bic=str(bic.compact))


def _latest_agreements(structure_ids) -> dict[int, Agreement]:
    latest: dict[int, Agreement] = {}
    agreements = (
        Agreement.objects.filter(structure_id__in=structure_ids)
        .exclude(status=AgreementStatus.TERMINATED)
        .select_related("structure")
        .order_by("structure_id", "-starts_on", "-pk")
    )
    for agreement in agreements:
        latest.setdefault(agreement.structure_id, agreement)
    return latest


def _refresh_statistics() -> None:
    """Lines are written by the thousand just before a batch reads them: without fresh
    statistics PostgreSQL plans each per-structure update as a scan of every line
    (benchmarks/settlement.py: 320 s instead of 15 s for 500,000 lines)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {PricingLine._meta.db_table}")


def _end_of_day(day: dt.date) -> dt.datetime:
    zone = ZoneInfo(settings.TIME_ZONE)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)


@dataclass(frozen=True)
class BatchOutcome:
    batch: PaymentBatch | None
    held_back: list[str]


def batch_build(*, actor, until: dt.date) -> BatchOutcome:
    """Prices what is missing, builds the claims, runs the controls, then puts every accepted
    line not yet paid, up to the end of `until`, into one batch: one transfer per structure
    whose total is positive. A structure with no valid bank details is held back (said in
    `held_back`). The whole batch is refused if a transfer's total differs from its lines'.
    A second run over the same period finds nothing new to pay."""
    cutoff = _end_of_day(until)
    lines_price_missing(claim_until=cutoff)
    _refresh_statistics()
    claims_build(until=cutoff)
    to_control = PricingLine.objects.filter(status=LineStatus.PRICED, happened_at__lt=cutoff)
    lines_control(lines=to_control)
    _refresh_statistics()
    held_back = []
    payable = PricingLine.objects.filter(
        status=LineStatus.ACCEPTED, transfer__isnull=True, happened_at__lt=cutoff
    )
    with transaction.atomic():
        totals = list(
            payable.values("structure_id")
            .annotate(total=Sum("amount_cents"), count=Count("pk"))
            .order_by("structure_id")
        )
        agreements = _latest_agreements([row["structure_id"] for row in totals])
        names = dict(
            Organisation.objects.filter(pk__in=[row["structure_id"] for row in totals]).values_list(
                "pk", "name"
            )
        )
        plans = []
        for row in totals:
            if row["total"] <= 0:
                continue  # a correction larger than what is due waits for the next lines
            name = names[row["structure_id"]]
            details = _bank_details(agreements.get(row["structure_id"]), name)
            if details is None:
                held_back.append(
                    f"{name} : coordonnées bancaires absentes ou invalides, "
                    "lignes gardées pour le prochain lot."
                )
                continue
            plans.append((row, details))
        if not plans:
            return BatchOutcome(None, held_back)
        today = timezone.localdate()
        batch = PaymentBatch.objects.create(
            until=until,
            message_id=f"PASSNUM-{today:%Y%m%d}-{secrets.token_hex(6).upper()}",
            total_cents=sum(row["total"] for row, _details in plans),
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        transfers = Transfer.objects.bulk_create(
            [
                Transfer(
                    batch=batch,
                    structure_id=row["structure_id"],
                    holder=details.holder,
                    iban=details.iban,
                    bic=details.bic,
                    amount_cents=row["total"],
                    end_to_end_id=(
                        f"PN{batch.pk}-{row['structure_id']}-{secrets.token_hex(4).upper()}"
                    ),
                )
                for row, details in plans
            ]
        )
        _lines_to_transfers(batch=batch, payable=payable, transfers=transfers, plans=plans)
        _transfers_match_lines(batch=batch)
        funder_documents_for_batch(batch=batch)
        audit_record(
            actor=actor,
            action="settlement.batch_built",
            obj=batch,
            data={"transfers": len(plans), "total_cents": batch.total_cents},
        )
    return BatchOutcome(batch, held_back)


def _lines_to_transfers(*, batch: PaymentBatch, payable, transfers, plans) -> None:
    """Every payable line of a structure paid by the batch goes to its transfer, in one
    statement; the batch is refused if the lines moved are not those its totals counted
    (lines changed while it was prepared)."""
    transfer = Transfer.objects.filter(
        batch=batch, structure_id=OuterRef("structure_id")
    ).order_by()
    payable.filter(Exists(transfer)).update(transfer_id=Subquery(transfer.values("pk")[:1]))
    counted = {
        transfer.pk: row["count"]
        for transfer, (row, _details) in zip(transfers, plans, strict=True)
    }
    moved = dict(
        PricingLine.objects.filter(transfer__batch=batch)
        .order_by()
        .values("transfer_id")
        .annotate(count=Count("pk"))
        .values_list("transfer_id", "count")
    )
    if moved != counted:
        raise SettlementError(
            "Lot refusé : des lignes ont changé pendant sa préparation. Recommencez."
        )


def _transfers_match_lines(*, batch: PaymentBatch) -> None:
    """Every transfer of the batch equals the sum of its lines, to the cent, or the whole
    batch is refused (rolled back by the caller's transaction)."""
    sums = dict(
        PricingLine.objects.filter(transfer__batch=batch)
        .values("transfer_id")
        .annotate(total=Sum("amount_cents"))
        .values_list("transfer_id", "total")
    )
    for transfer_id, name, amount in batch.transfers.values_list("pk", "holder", "amount_cents"):
        if sums.get(transfer_id) != amount:
            raise SettlementError(
                f"Lot refusé : le virement à {name} ne correspond pas à ses lignes."
            )
    total = sum(sums.values())
    if total != batch.total_cents:
        raise SettlementError("Lot refusé : son total ne correspond pas à ses virements.")


def batch_mark_sent(*, actor, batch: PaymentBatch) -> PaymentBatch:
    if not PaymentBatch.objects.filter(pk=batch.pk, status=BatchStatus.GENERATED).update(
        status=BatchStatus.SENT, sent_at=timezone.now()
    ):
        raise SettlementError("Seul un lot préparé peut être marqué envoyé à la banque.")
    audit_record(actor=actor, action="settlement.batch_sent", obj=batch)
    batch.refresh_from_db()
    return batch


def transfer_reject(*, actor, transfer: Transfer, reason: str) -> Transfer:
    """The bank returned a transfer: its lines become payable again in a next batch."""
    reason = reason.strip()
    if not reason:
        raise SettlementError("Motif du rejet : recopiez celui de la banque.", field="reason")
    with transaction.atomic():
        if not Transfer.objects.filter(pk=transfer.pk, status=TransferStatus.PENDING).update(
            status=TransferStatus.REJECTED, reject_reason=reason[:300]
        ):
            raise SettlementError("Ce virement n'est plus en attente.")
        PricingLine.objects.filter(transfer=transfer).update(transfer=None)
        audit_record(
            actor=actor,
            action="settlement.transfer_rejected",
            obj=transfer,
            organisation_id=transfer.structure_id,
        )
    transfer.refresh_from_db()
    return transfer


def batch_mark_paid(*, actor, batch: PaymentBatch) -> PaymentBatch:
    """The bank paid the batch: its pending transfers are paid, the program budgets count
    what was reimbursed, and the units fully paid become REIMBURSED in the ledger."""
    with transaction.atomic():
        if not PaymentBatch.objects.filter(pk=batch.pk, status=BatchStatus.SENT).update(
            status=BatchStatus.PAID, paid_at=timezone.now()
        ):
            raise SettlementError("Seul un lot envoyé à la banque peut être marqué payé.")
        transfers = Transfer.objects.filter(batch=batch, status=TransferStatus.PENDING)
        lines = list(
            PricingLine.objects.filter(transfer__in=transfers)
            .select_related("event__unit__program")
            .order_by("event__unit_id", "pk")
        )
        transfers.update(status=TransferStatus.PAID)
        per_program: dict[int, int] = defaultdict(int)
        for line in lines:
            per_program[line.program_id] += line.amount_cents
        for program in Program.objects.filter(pk__in=per_program).order_by("pk"):
            budget_move(program=program, reimbursed=per_program[program.pk])
        unit_ids = {line.event.unit_id for line in lines}
        unpaid = set(
            PricingLine.objects.filter(event__unit_id__in=unit_ids)
            .exclude(transfer__status=TransferStatus.PAID)
            .values_list("event__unit_id", flat=True)
        )
        ledger.reimburse(
            units=[line.event.unit for line in lines if line.event.unit_id not in unpaid],
            actor=actor,
            data={"batch": batch.message_id},
        )
        audit_record(actor=actor, action="settlement.batch_paid", obj=batch)
    batch.refresh_from_db()
    return batch


# --- Funders -------------------------------------------------------------------------------


def shares_split(*, amount_cents: int, commitments: list[FundingCommitment]) -> dict[int, int]:
    """Splits an amount between a program's funders, to the cent: in proportion to their
    commitments, a capped funder (the State: 50 %) never above its cap, the rest shared by
    the others; the last cent goes to the lead of the remainder so that shares add up."""
    if not commitments:
        return {}
    shares: dict[int, int] = {}
    remaining = amount_cents
    open_ones = list(commitments)
    total_committed = sum(c.amount_cents for c in commitments) or 1
    for commitment in commitments:
        if commitment.share_cap_bp is None:
            continue
        proportional = amount_cents * commitment.amount_cents // total_committed
        capped = min(proportional, amount_cents * commitment.share_cap_bp // 10000)
        shares[commitment.funder_id] = capped
        remaining -= capped
        open_ones.remove(commitment)
    if not open_ones:
        # Only capped funders: what they cannot cover stays with the first of them.
        shares[commitments[0].funder_id] += remaining
        return shares
    open_total = sum(c.amount_cents for c in open_ones) or 1
    given = 0
    for commitment in open_ones[:-1]:
        part = remaining * commitment.amount_cents // open_total
        shares[commitment.funder_id] = part
        given += part
    shares[open_ones[-1].funder_id] = remaining - given
    return shares


def _document_number(kind: str) -> str:
    prefix = {"call": "AF", "fees": "FR", "credit_note": "AV"}[kind]
    return f"{prefix}-{timezone.localdate():%Y%m%d}-{secrets.token_hex(4).upper()}"


def funder_documents_for_batch(*, batch: PaymentBatch) -> list[FunderDocument]:
    """For each program paid in the batch: a call for funds to each funder for its share, and
    the operator's purchase fee invoiced to the lead funder."""
    per_program = (
        PricingLine.objects.filter(transfer__batch=batch)
        .values("program_id")
        .annotate(total=Sum("amount_cents"))
        .order_by("program_id")
    )
    documents = []
    for row in per_program:
        program = Program.objects.get(pk=row["program_id"])
        commitments = list(program.commitments.order_by("pk"))
        for funder_id, amount in shares_split(
            amount_cents=row["total"], commitments=commitments
        ).items():
            documents.append(
                FunderDocument(
                    kind=FunderDocumentKind.CALL,
                    program=program,
                    funder_id=funder_id,
                    batch=batch,
                    number=_document_number(FunderDocumentKind.CALL),
                    amount_cents=amount,
                    label=f"Part des remboursements du lot {batch.message_id}",
                )
            )
        fee = row["total"] * program.operator_fee_purchase_bp // 10000
        if fee:
            documents.append(
                FunderDocument(
                    kind=FunderDocumentKind.FEES,
                    program=program,
                    funder_id=program.lead_funder_id,
                    batch=batch,
                    number=_document_number(FunderDocumentKind.FEES),
                    amount_cents=fee,
                    label=(
                        f"Frais de l'opérateur ({program.operator_fee_purchase_bp / 100:g} %) "
                        f"sur le lot {batch.message_id}"
                    ),
                )
            )
    return FunderDocument.objects.bulk_create(documents)


def program_close(*, actor, program: Program) -> list[FunderDocument]:
    """After the last acceptance date of the program's units: a credit note per funder for
    the value of the units never used (given back to the budget at expiry), split like the
    calls for funds. Once per funder (database constraint)."""
    if program_today(program) <= program_last_acceptance_on(program):
        raise SettlementError(
            f"Les {program.unit_word()} de {program.name} sont encore {program.unit_agree('accepté')} jusqu'au "
            f"{program_last_acceptance_on(program):%d/%m/%Y} : la clôture vient après."
        )
    program.refresh_from_db()
    commitments = list(program.commitments.order_by("pk"))
    with transaction.atomic():
        if FunderDocument.objects.filter(
            program=program, kind=FunderDocumentKind.CREDIT_NOTE
        ).exists():
            raise SettlementError(f"{program.name} est déjà clôturé.")
        documents = FunderDocument.objects.bulk_create(
            FunderDocument(
                kind=FunderDocumentKind.CREDIT_NOTE,
                program=program,
                funder_id=funder_id,
                number=_document_number(FunderDocumentKind.CREDIT_NOTE),
                amount_cents=amount,
                label=f"Avoir : {program.unit_word()} de {program.name} jamais {program.unit_agree('utilisé')}",
            )
            for funder_id, amount in shares_split(
                amount_cents=program.released_cents, commitments=commitments
            ).items()
        )
        audit_record(actor=actor, action="settlement.program_closed", obj=program)
    return documents
