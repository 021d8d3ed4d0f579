"""The files of a payment batch: the SEPA credit transfer file the operator sends to its bank
(pain.001.001.03, checked against the official schema), a CSV of every paid line for the
accounts, and one PDF statement per structure. They read the batch; they change nothing."""

import csv
import functools
import io
import pathlib
from xml.sax.saxutils import escape

import sepaxml
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import slugify
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaTransfer

from core.money import format_euros
from core.text import spreadsheet_safe
from core.timezones import commune_zone, local
from settlement.enums import TransferStatus
from settlement.exceptions import SettlementError
from settlement.models import PaymentBatch, PricingLine, Transfer

SEPA_SCHEMA = "pain.001.001.03"
SEPA_XSD = pathlib.Path(sepaxml.__file__).parent / "schemas" / f"{SEPA_SCHEMA}.xsd"
# Test bank details, used until the operator sets its own (config/settings/base.py).
DEFAULT_OPERATOR_IBAN = "FR7630006000011234567890189"
DEFAULT_OPERATOR_BIC = "AGRIFRPP"
PAYABLE_STATUSES = (TransferStatus.PENDING, TransferStatus.PAID)

CSV_COLUMNS = (
    "structure",
    "siret_ou_rna",
    "virement",
    "programme",
    "date",
    "numero",
    "seance",
    "minutes",
    "montant_centimes",
    "montant_euros",
)


def _operator() -> dict:
    name = settings.PASSNUM_OPERATOR_NAME
    try:
        iban = IBAN(getattr(settings, "PASSNUM_OPERATOR_IBAN", "") or DEFAULT_OPERATOR_IBAN)
        bic = BIC(getattr(settings, "PASSNUM_OPERATOR_BIC", "") or DEFAULT_OPERATOR_BIC)
    except SchwiftyException as error:
        raise SettlementError(
            "Les coordonnées bancaires de l'opérateur (PASSNUM_OPERATOR_IBAN, "
            "PASSNUM_OPERATOR_BIC) ne sont pas valides : corrigez la configuration."
        ) from error
    return {"name": name, "IBAN": str(iban.compact), "BIC": str(bic.compact)}


def payable_transfers(batch: PaymentBatch) -> list[Transfer]:
    """The transfers the bank is asked to pay (not those it rejected), with their lines'
    total; refused if they do not add up to the batch (less what was rejected) or if a
    transfer differs from its lines."""
    transfers = list(
        batch.transfers.filter(status__in=PAYABLE_STATUSES)
        .select_related("structure")
        .annotate(lines_total=Sum("lines__amount_cents"))
        .order_by("pk")
    )
    if not transfers:
        raise SettlementError(
            f"Le lot {batch.message_id} n'a aucun virement à payer : tous ont été rejetés."
        )
    rejected = (
        batch.transfers.filter(status=TransferStatus.REJECTED).aggregate(s=Sum("amount_cents"))["s"]
        or 0
    )
    paid = sum(transfer.amount_cents for transfer in transfers)
    if paid != batch.total_cents - rejected:
        raise SettlementError(
            f"Lot {batch.message_id} incohérent : ses virements font {format_euros(paid)} au "
            f"lieu de {format_euros(batch.total_cents - rejected)}. Aucun fichier n'est produit."
        )
    for transfer in transfers:
        if transfer.lines_total != transfer.amount_cents:
            raise SettlementError(
                f"Lot {batch.message_id} incohérent : le virement à {transfer.holder} ne "
                "correspond pas à ses lignes. Aucun fichier n'est produit."
            )
    return transfers


# --- SEPA credit transfer file ---------------------------------------------------------------


class _BatchSepaTransfer(SepaTransfer):
    """sepaxml's transfer file, with the batch's message id instead of a random one."""

    def __init__(self, config: dict, *, message_id: str):
        self._message_id = message_id
        super().__init__(config, schema=SEPA_SCHEMA, clean=True)

    def _create_header(self):
        self.msg_id = self._message_id
        super()._create_header()


@functools.cache
def _sepa_schema():
    # Imported here, as sepaxml does: xmlschema is only needed when a file is produced.
    import xmlschema

    return xmlschema.XMLSchema(str(SEPA_XSD))


def sepa_validate(content: bytes) -> None:
    """Checks a file against the official pain.001.001.03 schema shipped with sepaxml."""
    error = next(_sepa_schema().iter_errors(content.decode("utf-8")), None)
    if error is not None:
        raise SettlementError(
            "Le fichier de virements n'est pas conforme au format SEPA "
            f"({SEPA_SCHEMA}) : {error.reason or error.message}"
        )


def sepa_xml(*, batch: PaymentBatch) -> bytes:
    """The SEPA credit transfer file of the batch: the operator pays each transfer not
    rejected, on today's date; message id, number of transactions and control sum in the
    header. Refused if the amounts do not add up or if the file does not pass the schema."""
    transfers = payable_transfers(batch)
    document = _BatchSepaTransfer(
        _operator() | {"batch": True, "currency": "EUR"}, message_id=batch.message_id
    )
    today = timezone.localdate()
    description = (
        f"Remboursement passnum lot {batch.message_id} : chèques et heures jusqu'au "
        f"{batch.until:%d/%m/%Y}"
    )[:140]
    for transfer in transfers:
        document.add_payment(
            {
                "name": transfer.holder,
                "IBAN": transfer.iban,
                "BIC": transfer.bic,
                "amount": int(transfer.amount_cents),
                "execution_date": today,
                "description": description,
                "endtoend_id": transfer.end_to_end_id,
            }
        )
    content = document.export(validate=False)
    sepa_validate(content)
    return content


# --- CSV of the lines ------------------------------------------------------------------------


def _text(value) -> str:
    return spreadsheet_safe(value)


def _euros_plain(cents: int) -> str:
    """12345 -> '123,45': a French decimal number a spreadsheet reads, without grouping."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{euros},{rest:02d}"


def batch_lines(batch: PaymentBatch):
    return (
        PricingLine.objects.filter(transfer__batch=batch, transfer__status__in=PAYABLE_STATUSES)
        .select_related("structure", "program", "transfer", "event__unit")
        .order_by("structure__name", "transfer_id", "happened_at", "pk")
    )


def batch_csv(*, batch: PaymentBatch) -> str:
    """One row per line paid by the batch (rejected transfers left out), `;`-separated, with
    a byte order mark so that French spreadsheets read it as UTF-8. Texts that could run as a
    formula get a leading apostrophe; numbers are written by this function only."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    # Read by chunks: a batch of 500,000 lines is never held as instances all at once.
    for line in batch_lines(batch).iterator(chunk_size=2000):
        event = line.event
        structure = line.structure
        writer.writerow(
            [
                _text(structure.name),
                _text(structure.siret or structure.rna),
                _text(line.transfer.end_to_end_id),
                _text(line.program.name),
                local(event.at, line.program).isoformat(timespec="seconds"),
                _text(event.unit.serial),
                _text((event.data or {}).get("session", "")),
                str(event.minutes) if line.program.is_hours else "",
                str(line.amount_cents),
                _euros_plain(line.amount_cents),
            ]
        )
    return "\ufeff" + buffer.getvalue()


# --- PDF statement ---------------------------------------------------------------------------

BLUE = colors.HexColor("#000091")
GREY = colors.HexColor("#dddddd")
_BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8.5, leading=10.5)
_RIGHT = ParagraphStyle("right", parent=_SMALL, alignment=TA_RIGHT)
_TITLE = ParagraphStyle(
    "title", parent=_BODY, fontName="Helvetica-Bold", fontSize=18, leading=22, textColor=BLUE
)


def _pdf(text: str) -> str:
    """User text for Paragraph markup. The standard PDF fonts have no narrow no-break space
    (used by format_euros): a no-break space takes its place."""
    return escape(str(text)).replace("\u202f", "\u00a0")


def _pdf_euros(cents: int) -> str:
    return _pdf(format_euros(cents))


def iban_masked(iban: str) -> str:
    """Only the last 4 characters shown, in groups of 4 counted from the end so that they
    stay together: '*** **** **** **** **** **** 0102'."""
    compact = iban.replace(" ", "")
    masked = "*" * max(len(compact) - 4, 0) + compact[-4:]
    head = len(masked) % 4
    groups = [masked[:head]] if head else []
    groups += [masked[i : i + 4] for i in range(head, len(masked), 4)]
    return " ".join(groups)


def _unit_label(line: PricingLine) -> str:
    serial = line.event.unit.serial
    session = (line.event.data or {}).get("session")
    if line.program.is_hours and session:
        return f"Séance n° {session} · {serial}"
    return serial


def _footer(operator_name: str, reference: str):
    def draw(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(document.leftMargin, 10 * mm, f"{operator_name} · {reference}")
        canvas.drawRightString(
            A4[0] - document.rightMargin, 10 * mm, f"Page {canvas.getPageNumber()}"
        )
        canvas.restoreState()

    return draw


def statement_pdf(*, transfer: Transfer) -> bytes:
    """An A4 statement for the structure paid by a transfer: who pays, to which account
    (masked), and every line it pays (date in the program's zone, voucher or session,
    program, minutes, amount), with the total. Runs onto as many pages as needed."""
    batch = transfer.batch
    structure = transfer.structure
    operator_name = settings.PASSNUM_OPERATOR_NAME
    zone = commune_zone(structure.commune.code if structure.commune_id else None)
    lines = list(
        transfer.lines.select_related("program", "event__unit").order_by("happened_at", "pk")
    )
    total = sum(line.amount_cents for line in lines)
    prepared = local(batch.created_at, zone)
    story = [
        Paragraph("Relevé de remboursement", _TITLE),
        Spacer(0, 4 * mm),
        Paragraph(f"<b>De :</b> {_pdf(operator_name)}", _BODY),
        Paragraph(f"<b>À :</b> {_pdf(structure.name)}", _BODY),
        Paragraph(f"<b>Lot de paiement :</b> {_pdf(batch.message_id)} (n° {batch.pk})", _BODY),
        Paragraph(
            f"<b>Virement :</b> {_pdf(transfer.end_to_end_id)}, préparé le "
            f"{prepared:%d/%m/%Y}"
            + (
                f", payé le {local(batch.paid_at, zone):%d/%m/%Y}"
                if transfer.status == TransferStatus.PAID and batch.paid_at
                else ""
            ),
            _BODY,
        ),
        Paragraph(
            f"<b>Compte crédité :</b> {_pdf(transfer.holder)}, IBAN "
            f"{_pdf(iban_masked(transfer.iban))}",
            _BODY,
        ),
        Paragraph(f"<b>Montant du virement :</b> {_pdf_euros(transfer.amount_cents)}", _BODY),
        Spacer(0, 4 * mm),
        Paragraph(
            "Ce virement rembourse les chèques et les heures utilisés chez vous jusqu'au "
            f"{batch.until:%d/%m/%Y}, une fois vérifiés par l'opérateur. Chaque ligne "
            "ci-dessous est un chèque reçu ou une présence à une séance ; un montant négatif "
            "corrige une présence enregistrée par erreur. Une question ? Écrivez à "
            f"{_pdf(getattr(settings, 'PASSNUM_OPERATOR_EMAIL', ''))} en donnant le numéro "
            "du virement.",
            _BODY,
        ),
    ]
    if transfer.status == TransferStatus.REJECTED:
        story.append(
            Paragraph(
                f"<b>La banque a rejeté ce virement</b> ({_pdf(transfer.reject_reason)}) : "
                "ces sommes vous seront versées dans un prochain lot.",
                _BODY,
            )
        )
    story.append(Spacer(0, 5 * mm))
    rows = [
        [
            Paragraph("<b>Date</b>", _SMALL),
            Paragraph("<b>Chèque ou séance</b>", _SMALL),
            Paragraph("<b>Programme</b>", _SMALL),
            Paragraph("<b>Minutes</b>", _RIGHT),
            Paragraph("<b>Montant</b>", _RIGHT),
        ]
    ]
    for line in lines:
        rows.append(
            [
                Paragraph(f"{local(line.event.at, line.program):%d/%m/%Y %H:%M}", _SMALL),
                Paragraph(_pdf(_unit_label(line)), _SMALL),
                Paragraph(_pdf(line.program.name), _SMALL),
                Paragraph(str(line.event.minutes) if line.program.is_hours else "", _RIGHT),
                Paragraph(_pdf_euros(line.amount_cents), _RIGHT),
            ]
        )
    rows.append(
        [
            Paragraph(f"<b>Total ({len(lines)} ligne{'s' if len(lines) > 1 else ''})</b>", _SMALL),
            "",
            "",
            "",
            Paragraph(f"<b>{_pdf_euros(total)}</b>", _RIGHT),
        ]
    )
    table = Table(rows, colWidths=[30 * mm, 48 * mm, 58 * mm, 18 * mm, 26 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), GREY),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                ("SPAN", (0, -1), (3, -1)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.HexColor("#f6f6f6")]),
            ]
        )
    )
    story.append(table)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=f"Relevé {transfer.end_to_end_id}",
        author=operator_name,
        pageCompression=1,
    )
    footer = _footer(operator_name, f"Virement {transfer.end_to_end_id}")
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


# --- All the files ---------------------------------------------------------------------------


def statement_filename(transfer: Transfer) -> str:
    slug = slugify(transfer.structure.name)[:60] or "structure"
    return f"releve-{transfer.structure_id}-{slug}.pdf"


def batch_files_write(*, batch: PaymentBatch, directory: pathlib.Path) -> list[pathlib.Path]:
    """Writes sepa.xml, batch.csv and one statement per transfer paid (not rejected) into
    `directory` (created if needed). Everything is built first, so that a refused batch
    writes nothing. Returns the paths written."""
    directory = pathlib.Path(directory)
    files: dict[str, bytes] = {
        "sepa.xml": sepa_xml(batch=batch),
        "batch.csv": batch_csv(batch=batch).encode("utf-8"),
    }
    for transfer in (
        batch.transfers.filter(status__in=PAYABLE_STATUSES)
        .select_related("batch", "structure__commune")
        .order_by("structure__name", "pk")
    ):
        # One transfer per structure in a batch (database constraint): names do not clash.
        files[statement_filename(transfer)] = statement_pdf(transfer=transfer)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in files.items():
        path = directory / name
        path.write_bytes(content)
        paths.append(path)
    return paths
