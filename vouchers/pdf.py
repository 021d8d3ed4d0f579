"""Printable A4 carnets: a cover, then one detachable voucher per unit with its serial, its
secret code and a QR code opening the structure's redemption page with the serial filled in.
An hours carnet is a card: the cover alone, with a QR code for the place's welcome page."""

import io

import segno
from django.conf import settings
from django.urls import reverse
from reportlab.lib.colors import HexColor, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from core.money import format_euros
from core.text import of
from core.timezones import local
from vouchers.codes import code_display

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
VOUCHERS_PER_PAGE = 5
VOUCHER_HEIGHT = (PAGE_HEIGHT - 2 * MARGIN) / VOUCHERS_PER_PAGE
BLUE = HexColor("#000091")


def redemption_url(serial: str) -> str:
    return f"{settings.PASSNUM_SITE_URL}{reverse('accompaniments:redeem')}?serie={serial}"


def balance_url(link_token: str) -> str:
    """The balance page with the carnet's token after `#`: browsers never send a fragment, so
    the token appears in no server or proxy log; the page's script posts it."""
    return f"{settings.PASSNUM_SITE_URL}{reverse('vouchers:balance')}#{link_token}"


def balance_address() -> str:
    """The short address a person can type, with the number and code of the carnet."""
    return f"{settings.PASSNUM_SITE_URL}{reverse('vouchers:balance')}".split("://", 1)[-1]


def welcome_url(number: str) -> str:
    return f"{settings.PASSNUM_SITE_URL}{reverse('accompaniments:welcome')}?carnet={number}"


def _draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    # A fixed mask keeps generation fast; every mask is valid for readers. The modules are
    # written as one PDF path in module units (integers), which is much faster than one
    # reportlab call per rectangle.
    matrix = segno.make_qr(data, error="m", mask=2, boost_error=False).matrix
    count = len(matrix)
    border = 2
    module = size / (count + 2 * border)
    operations = []
    for row_index, row in enumerate(matrix):
        bottom = count - 1 - row_index
        column = 0
        while column < count:
            if row[column]:
                start = column
                while column < count and row[column]:
                    column += 1
                operations.append(f"{start} {bottom} {column - start} 1 re")
            else:
                column += 1
    canvas.saveState()
    canvas.setFillColor(black)
    canvas.translate(x + border * module, y + border * module)
    canvas.scale(module, module)
    canvas.addLiteral("\n".join(operations) + "\nf")
    canvas.restoreState()


def _value_label(carnet) -> str:
    if carnet.program.is_hours:
        return "1 heure d'accompagnement"
    return f"Chèque de {format_euros(carnet.unit_value_cents)}"


def _cover(canvas: Canvas, issued) -> None:
    """The first page. An hours carnet is only this page: a card the place opens with its
    number and code to enrol the person; hours are deducted when the person is present."""
    carnet = issued.carnet
    program = carnet.program
    top = PAGE_HEIGHT - MARGIN
    canvas.setFillColor(BLUE)
    canvas.setFont("Helvetica-Bold", 22)
    canvas.drawString(MARGIN, top - 10 * mm, program.name)
    canvas.setFillColor(black)
    canvas.setFont("Helvetica", 12)
    canvas.drawString(MARGIN, top - 18 * mm, f"Financé par {program.lead_funder.name}")
    canvas.setFont("Helvetica-Bold", 16)
    what = "Carte" if program.is_hours else "Carnet"
    canvas.drawString(MARGIN, top - 35 * mm, f"{what} {of(carnet.beneficiary.first_name)}")
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(MARGIN, top - 45 * mm, f"N° {carnet.number}")
    canvas.drawString(MARGIN, top - 53 * mm, f"Code : {code_display(issued.access_code)}")
    canvas.setFont("Helvetica", 12)
    validity = (
        f"Valable du {local(carnet.issued_at, carnet):%d/%m/%Y} au {carnet.valid_until:%d/%m/%Y}"
        f" (encore accepté jusqu'au {carnet.accepted_until:%d/%m/%Y})."
    )
    if program.is_hours:
        lines = [
            f"{carnet.units_count} heures d'accompagnement, gratuites.",
            validity,
            "Montrez cette carte au lieu qui vous accompagne : il scanne le QR code",
            "« pour le lieu » ou tape le numéro et le code, puis vous inscrit à une séance.",
            "Vos heures se décomptent quand vous venez à la séance.",
            "Carte perdue ou volée ? Prévenez la personne qui vous l'a remise.",
        ]
    else:
        lines = [
            f"{carnet.units_count} × {_value_label(carnet).lower()}",
            validity,
            "Gardez ce carnet comme de l'argent : chaque chèque ne sert qu'une fois.",
            "Donnez un chèque (avec son code) au lieu qui vous accompagne.",
            "Carnet perdu ou volé ? Prévenez la personne qui vous l'a remis : il sera remplacé.",
        ]
    for index, line in enumerate(lines):
        canvas.drawString(MARGIN, top - (65 + 8 * index) * mm, line)
    qr_top = top - (65 + 8 * len(lines) + 45) * mm
    _draw_qr(canvas, balance_url(issued.link_token), MARGIN, qr_top, 38 * mm)
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(MARGIN + 42 * mm, qr_top + 30 * mm, "Pour vous : ce qui vous reste")
    canvas.setFont("Helvetica", 10)
    canvas.drawString(
        MARGIN + 42 * mm, qr_top + 24 * mm, "Scannez avec votre téléphone, ou allez sur"
    )
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(MARGIN + 42 * mm, qr_top + 18 * mm, balance_address())
    canvas.setFont("Helvetica", 10)
    canvas.drawString(
        MARGIN + 42 * mm, qr_top + 12 * mm, "et tapez le numéro et le code écrits en haut."
    )
    if program.is_hours:
        place_qr_top = qr_top - 48 * mm
        _draw_qr(canvas, welcome_url(carnet.number), MARGIN, place_qr_top, 38 * mm)
        canvas.setFont("Helvetica-Bold", 11)
        canvas.drawString(MARGIN + 42 * mm, place_qr_top + 30 * mm, "Pour le lieu : accueil")
        canvas.setFont("Helvetica", 10)
        canvas.drawString(
            MARGIN + 42 * mm, place_qr_top + 24 * mm, "Le lieu scanne ce code pour vous inscrire."
        )
    canvas.showPage()


def _voucher(canvas: Canvas, issued, index: int, serial: str, code: str) -> None:
    carnet = issued.carnet
    slot = index % VOUCHERS_PER_PAGE
    bottom = PAGE_HEIGHT - MARGIN - (slot + 1) * VOUCHER_HEIGHT
    canvas.setDash(4, 3)
    canvas.setStrokeColor(black)
    canvas.line(MARGIN, bottom, PAGE_WIDTH - MARGIN, bottom)
    canvas.setDash()
    qr_size = VOUCHER_HEIGHT - 10 * mm
    _draw_qr(
        canvas, redemption_url(serial), PAGE_WIDTH - MARGIN - qr_size, bottom + 5 * mm, qr_size
    )
    x, y = MARGIN, bottom + VOUCHER_HEIGHT - 10 * mm
    canvas.setFillColor(BLUE)
    canvas.setFont("Helvetica-Bold", 13)
    canvas.drawString(x, y, f"{carnet.program.name} — {_value_label(carnet)}")
    canvas.setFillColor(black)
    canvas.setFont("Helvetica", 10)
    canvas.drawString(
        x, y - 6 * mm, f"Émis par {carnet.program.lead_funder.name} · carnet {carnet.number}"
    )
    canvas.drawString(x, y - 11 * mm, f"Valable jusqu'au {carnet.valid_until:%d/%m/%Y}")
    canvas.setFont("Helvetica-Bold", 12)
    canvas.drawString(x, y - 20 * mm, f"N° {serial}")
    canvas.drawString(x, y - 27 * mm, f"Code secret : {code_display(code)}")
    canvas.setFont("Helvetica", 8)
    canvas.drawString(
        x, y - 33 * mm, "Le lieu saisit le numéro et le code. Un chèque ne sert qu'une fois."
    )
    if slot == VOUCHERS_PER_PAGE - 1 or index == len(issued.codes) - 1:
        canvas.showPage()


def carnets_pdf(issued_carnets) -> bytes:
    """One PDF for one or many carnets just issued (their codes are known only now)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle("Carnets")
    for issued in issued_carnets:
        _cover(canvas, issued)
        if issued.carnet.program.is_hours:
            continue
        for index, (serial, code) in enumerate(issued.codes):
            _voucher(canvas, issued, index, serial, code)
    canvas.save()
    return buffer.getvalue()
