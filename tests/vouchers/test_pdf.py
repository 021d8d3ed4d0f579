"""vouchers.pdf: the printed carnet."""

from tests.factories import CarnetFactory
from tests.vouchers.helpers import qr_texts
from vouchers.pdf import carnets_pdf, welcome_url


def _pdf_text(pdf: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def test_an_hours_carnet_is_one_card_whose_paper_says_what_the_place_does(kk, beneficiary):
    issued = CarnetFactory(program=kk["program"], beneficiary=beneficiary)
    pdf = carnets_pdf([issued])
    text = _pdf_text(pdf)
    assert "Carte de Marie" in text and "10 heures d'accompagnement" in text
    assert "Donnez un chèque" not in text and "Code secret" not in text
    assert "127.0.0.1:8000/carnets/solde/" in text  # the balance address in words
    assert issued.carnet.number in text
    texts = qr_texts(pdf)
    assert welcome_url(issued.carnet.number) in texts
    assert any("/carnets/solde/#" in t for t in texts) and len(texts) == 2
