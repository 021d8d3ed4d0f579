"""beneficiaries.pdf: the orientation sheet."""

import io

from pypdf import PdfReader

from beneficiaries.services import orientation_create


def test_markup_typed_in_names_is_printed_as_text_on_the_sheet(client, orientation_world):
    """ReportLab reads <img>, <font>… in a Paragraph: every typed string is escaped."""
    s = orientation_world
    orientation = orientation_create(
        actor=s["advisor"],
        prescriber=s["prescriber"],
        place=s["place"],
        person_name='Marie <img src="/etc/hostname" width="50" height="50"/>',
        need='Démarches <font name="NoSuchFont">CAF</font> & <b>impôts',
    )
    client.force_login(s["advisor"])
    response = client.get(f"/beneficiaires/orientations/{orientation.pk}/fiche.pdf")
    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert '<img src="/etc/hostname"' in text
    assert '<font name="NoSuchFont">CAF</font> & <b>impôts' in text
