import base64
import re

import pypdfium2
import zxingcpp


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
