"""The files of a payment batch built through the whole chain: vouchers issued, used at the
counter, priced by the ledger, controlled, paid in a batch."""

import csv
import datetime as dt
import io
import pathlib
import xml.etree.ElementTree as ET
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sepaxml
import xmlschema
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from accompaniments import services as accompaniments_services
from accounts.models import Organisation
from core.money import format_euros
from settlement import services as settlement_services
from settlement.enums import LineStatus, TransferStatus
from settlement.exceptions import SettlementError
from settlement.exports import (
    CSV_COLUMNS,
    batch_csv,
    batch_files_write,
    iban_masked,
    sepa_xml,
    statement_filename,
    statement_pdf,
)
from settlement.models import PaymentBatch, PricingLine, Transfer
from tests.fixtures_programs import VALID_IBAN
from tests.fixtures_vouchers import during, make_session
from vouchers.services import carnet_issue

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
XSD = pathlib.Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"
UNTIL = dt.date(2026, 11, 30)


def _accept_suspicious_lines():
    """Runs the controls now; if the controls app flags lines, the operator accepts them."""
    settlement_services.lines_control(
        lines=list(PricingLine.objects.filter(status=LineStatus.PRICED))
    )
    for line in PricingLine.objects.filter(status=LineStatus.SUSPICIOUS):
        settlement_services.line_review(
            actor=None, line=line, accept=True, reason="Vérifié pour le test."
        )


def _build_batch() -> PaymentBatch:
    _accept_suspicious_lines()
    outcome = settlement_services.batch_build(actor=None, until=UNTIL)
    assert outcome.batch is not None, outcome.held_back
    return outcome.batch


def _issue(program, beneficiary, advisor, prescriber, units=5):
    return carnet_issue(
        actor=advisor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=program,
        units=units,
        delivery="paper",
    )


def _use(structure, issued, count):
    serials = []
    for serial, code in issued.codes[:count]:
        answer = accompaniments_services.unit_consume(
            actor=None, structure=structure, serial=serial, code=code
        )
        assert answer.outcome == "consumed", answer.message
        serials.append(serial)
    return serials


@pytest.fixture
def paid_vouchers(money_program, structure, make_agreement, beneficiary, advisor, prescriber):
    make_agreement(money_program, structure)
    issued = _issue(money_program, beneficiary, advisor, prescriber)
    serials = _use(structure, issued, 3)
    return {"batch": _build_batch(), "serials": serials, "structure": structure}


def _pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return text.replace("\u00a0", " ")


def _pdf_euros(cents: int) -> str:
    """As format_euros writes it, spaces read back as plain spaces from the PDF."""
    return format_euros(cents).replace("\u202f", " ").replace("\u00a0", " ")


def _csv_rows(content: str) -> list[dict]:
    assert content.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(content[1:]), delimiter=";"))


def test_sepa_file_validates_and_matches_the_accepted_lines(paid_vouchers):
    batch = paid_vouchers["batch"]
    content = sepa_xml(batch=batch)
    xmlschema.XMLSchema(str(XSD)).validate(content.decode("utf-8"))
    root = ET.fromstring(content)
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    accepted = sum(
        PricingLine.objects.filter(status=LineStatus.ACCEPTED).values_list(
            "amount_cents", flat=True
        )
    )
    assert accepted == 3000 == batch.total_cents
    assert header.find("p:MsgId", NS).text == batch.message_id
    assert Decimal(header.find("p:CtrlSum", NS).text) == Decimal("30.00")
    assert header.find("p:NbOfTxs", NS).text == "1"
    payment = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert payment.find("p:ReqdExctnDt", NS).text == "2026-11-25"
    assert payment.find("p:DbtrAcct/p:Id/p:IBAN", NS).text == "FR7630006000011234567890189"
    transaction = payment.find("p:CdtTrfTxInf", NS)
    transfer = batch.transfers.get()
    assert transaction.find("p:PmtId/p:EndToEndId", NS).text == transfer.end_to_end_id
    assert transaction.find("p:CdtrAcct/p:Id/p:IBAN", NS).text == VALID_IBAN
    assert transaction.find("p:Amt/p:InstdAmt", NS).text == "30.00"
    description = transaction.find("p:RmtInf/p:Ustrd", NS).text
    assert description.startswith(f"Remboursement passnum lot {batch.message_id}")
    assert len(description) <= 140


def test_sepa_file_leaves_out_a_rejected_transfer_and_refuses_an_empty_or_wrong_batch(
    paid_vouchers,
):
    batch = paid_vouchers["batch"]
    transfer = batch.transfers.get()
    settlement_services.transfer_reject(actor=None, transfer=transfer, reason="Compte clos")
    with pytest.raises(SettlementError, match="aucun virement à payer"):
        sepa_xml(batch=batch)
    Transfer.objects.filter(pk=transfer.pk).update(status=TransferStatus.PENDING)
    with pytest.raises(SettlementError, match="incohérent"):
        sepa_xml(batch=batch)  # its lines went back to be paid later


def test_sepa_file_refuses_a_total_that_does_not_add_up(paid_vouchers):
    batch = paid_vouchers["batch"]
    PaymentBatch.objects.filter(pk=batch.pk).update(total_cents=batch.total_cents + 1)
    batch.refresh_from_db()
    with pytest.raises(SettlementError, match="incohérent"):
        sepa_xml(batch=batch)


def test_sepa_file_that_fails_the_schema_is_refused(paid_vouchers):
    batch = paid_vouchers["batch"]
    Transfer.objects.filter(batch=batch).update(iban=VALID_IBAN.lower())
    with pytest.raises(SettlementError, match="pas conforme au format SEPA"):
        sepa_xml(batch=batch)


def test_operator_bank_details_come_from_settings(paid_vouchers, settings):
    settings.PASSNUM_OPERATOR_IBAN = "FR7630004000010001000000102"
    settings.PASSNUM_OPERATOR_BIC = "BNPAFRPP"
    root = ET.fromstring(sepa_xml(batch=paid_vouchers["batch"]))
    payment = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert payment.find("p:DbtrAcct/p:Id/p:IBAN", NS).text == "FR7630004000010001000000102"
    assert payment.find("p:DbtrAgt/p:FinInstnId/p:BIC", NS).text == "BNPAFRPP"
    settings.PASSNUM_OPERATOR_IBAN = "FR0000000000000000000000000"
    with pytest.raises(SettlementError, match="PASSNUM_OPERATOR_IBAN"):
        sepa_xml(batch=paid_vouchers["batch"])


def test_csv_has_one_row_per_line_and_neutralises_formulas(paid_vouchers):
    batch, structure = paid_vouchers["batch"], paid_vouchers["structure"]
    Organisation.objects.filter(pk=structure.pk).update(name='=HYPERLINK("http://x","clic")')
    rows = _csv_rows(batch_csv(batch=batch))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == PricingLine.objects.filter(transfer__batch=batch).count() == 3
    transfer = batch.transfers.get()
    assert {row["structure"] for row in rows} == {'\'=HYPERLINK("http://x","clic")'}
    assert [row["numero"] for row in rows] == paid_vouchers["serials"]
    first = rows[0]
    assert first["virement"] == transfer.end_to_end_id
    assert first["siret_ou_rna"] == structure.rna
    assert first["programme"] == "Pass numérique test"
    assert first["date"].startswith("2026-11-25T") and first["date"].endswith("+01:00")
    assert (first["seance"], first["minutes"]) == ("", "")
    assert (first["montant_centimes"], first["montant_euros"]) == ("1000", "10,00")


def test_pdf_statement_lists_the_lines_and_the_total(paid_vouchers):
    transfer = paid_vouchers["batch"].transfers.get()
    text = _pdf_text(statement_pdf(transfer=transfer))
    assert _pdf_euros(3000) in text
    for serial in paid_vouchers["serials"]:
        assert serial in text
    assert transfer.end_to_end_id in text and "Cyber-case test" in text
    assert "Ce virement rembourse les chèques et les heures utilisés chez vous" in text
    assert VALID_IBAN not in text and iban_masked(VALID_IBAN) in text
    assert iban_masked(VALID_IBAN).endswith("0102")


def test_pdf_statement_runs_onto_several_pages(
    money_program, structure, make_agreement, make_beneficiary, advisor, prescriber
):
    make_agreement(money_program, structure)
    serials = []
    for _ in range(8):
        issued = _issue(money_program, make_beneficiary(), advisor, prescriber, units=10)
        serials += _use(structure, issued, 10)
    Organisation.objects.filter(pk=structure.pk).update(name="Cyber-case <b>&</b> test")
    transfer = _build_batch().transfers.get()
    content = statement_pdf(transfer=transfer)
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 2
    text = _pdf_text(content)
    assert all(serial in text for serial in serials)
    assert _pdf_euros(80_000) in text and "Cyber-case <b>&</b> test" in text


def test_hours_lines_carry_the_session_and_minutes(kk, beneficiary, advisor, prescriber):
    issued = _issue(kk["program"], beneficiary, advisor, prescriber, units=10)
    session = make_session(
        kk, when=dt.datetime(2026, 11, 27, 9, tzinfo=ZoneInfo("Indian/Reunion")), minutes=90
    )
    participant = accompaniments_services.participant_book(
        actor=None, session=session, beneficiary=beneficiary
    )
    with during(session):
        answer = accompaniments_services.attendance_record(
            actor=None, structure=kk["structure"], participant=participant, status="present"
        )
        assert answer.outcome == "consumed"
        batch = _build_batch()
        rows = _csv_rows(batch_csv(batch=batch))
        assert [(row["seance"], row["minutes"]) for row in rows] == [
            (str(session.pk), "60"),
            (str(session.pk), "30"),
        ]
        assert sum(int(row["montant_centimes"]) for row in rows) == 4500  # 1.5 h at 30 EUR
        assert rows[0]["date"].endswith("+04:00")  # La Réunion
        assert {row["numero"] for row in rows} == {serial for serial, _ in issued.codes[:2]}
        text = _pdf_text(statement_pdf(transfer=batch.transfers.get()))
        assert f"Séance n° {session.pk}" in text and _pdf_euros(4500) in text
        xmlschema.XMLSchema(str(XSD)).validate(sepa_xml(batch=batch).decode("utf-8"))


def test_batch_files_are_written(paid_vouchers, tmp_path):
    batch = paid_vouchers["batch"]
    transfer = batch.transfers.get()
    paths = batch_files_write(batch=batch, directory=tmp_path / "lot")
    names = [path.name for path in paths]
    assert names == ["sepa.xml", "batch.csv", f"releve-{transfer.structure_id}-cyber-case-test.pdf"]
    assert statement_filename(transfer) == names[2]
    assert all(path.is_file() and path.stat().st_size > 0 for path in paths)
    assert (tmp_path / "lot" / "batch.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_command_writes_the_files_by_message_id_or_number(paid_vouchers, tmp_path):
    batch = paid_vouchers["batch"]
    out = io.StringIO()
    call_command("settlement_export", batch.message_id, "--dir", str(tmp_path / "a"), stdout=out)
    printed = out.getvalue().splitlines()
    assert len(printed) == 3
    assert all(pathlib.Path(path).is_file() for path in printed)
    assert (tmp_path / "a" / "sepa.xml").is_file()
    out = io.StringIO()
    call_command("settlement_export", str(batch.pk), "--dir", str(tmp_path / "b"), stdout=out)
    assert (tmp_path / "b" / "batch.csv").is_file()


def test_command_says_when_the_batch_is_unknown_or_refused(paid_vouchers, tmp_path):
    with pytest.raises(CommandError, match="Lot inconnu"):
        call_command("settlement_export", "PASSNUM-INCONNU", "--dir", str(tmp_path))
    batch = paid_vouchers["batch"]
    PaymentBatch.objects.filter(pk=batch.pk).update(total_cents=1)
    with pytest.raises(CommandError, match="incohérent"):
        call_command("settlement_export", batch.message_id, "--dir", str(tmp_path / "c"))
    assert not (tmp_path / "c").exists()
