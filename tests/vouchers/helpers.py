import base64
import datetime as dt
import re

import pypdfium2
import zxingcpp

from beneficiaries.enums import DEFAULT_SKILLS, ConsentMethod
from beneficiaries.services import beneficiary_create
from programs.models import Program
from territories.models import Commune
from vouchers.enums import UnitState
from vouchers.models import Unit


def pdf_from_issued_page(content: str) -> bytes:
    match = re.search(r'href="data:application/pdf;base64,([A-Za-z0-9+/=]+)"', content)
    assert match, "no PDF on the page"
    return base64.b64decode(match.group(1))


def qr_texts(pdf: bytes) -> list[str]:
    """Every QR code of every page, read from the rendered PDF."""
    document = pypdfium2.PdfDocument(pdf)
    texts = []
    for index in range(len(document)):
        image = document[index].render(scale=2).to_pil()
        texts += [result.text for result in zxingcpp.read_barcodes(image)]
    return texts


def codes_from_issued_page(content: str) -> list[tuple[str, str]]:
    return re.findall(
        r"<tr><td>([A-Z0-9]+-\d{8}-\d)</td><td>([0-9A-Z]{4}-[0-9A-Z]{4})</td></tr>", content
    )


def access_code_from_issued_page(content: str) -> str:
    return re.search(r"Code du carnet : <strong>([0-9A-Z]{4}-[0-9A-Z]{4})</strong>", content).group(
        1
    )


ANSWERS = dict.fromkeys((key for key, _label in DEFAULT_SKILLS), 1)


def new_person(
    prescriber,
    advisor,
    *,
    first_name="Léa",
    last_name="Hoarau",
    birth_date=dt.date(1980, 5, 1),
    commune="97410",
    **extra,
):
    return beneficiary_create(
        actor=advisor,
        prescriber=prescriber,
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        commune=Commune.objects.get(code=commune),
        consent_method=ConsentMethod.ORAL,
        **extra,
    )


def set_rules(program, **rules):
    Program.objects.filter(pk=program.pk).update(**rules)
    program.refresh_from_db()
    return program


def use_all_units(carnet, structure_org):
    Unit.objects.filter(carnet=carnet).update(
        state=UnitState.CONSUMED,
        consumed_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        consumed_by=structure_org,
    )
