"""The printable orientation sheet as a PDF (A4)."""

import io
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus.tables import Table

from core.text import phone_display
from core.timezones import local
from places.selectors import opening_hours_plain


def orientation_sheet_pdf(orientation) -> bytes:
    styles = getSampleStyleSheet()
    place = orientation.place
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=f"Fiche d'orientation n° {orientation.pk}",
    )
    created = local(orientation.created_at, orientation)
    story = [
        Paragraph("Fiche d'orientation", styles["Title"]),
        Paragraph(
            f"N° {orientation.pk} — le {created:%d/%m/%Y} — par {escape(orientation.prescriber.name)}",
            styles["Normal"],
        ),
        Spacer(1, 0.6 * cm),
        Paragraph("Pour", styles["Heading2"]),
        Paragraph(escape(orientation.person_name), styles["Normal"]),
        Paragraph("Besoin", styles["Heading2"]),
        Paragraph(escape(orientation.need).replace("\n", "<br/>"), styles["Normal"]),
        Paragraph("Où aller", styles["Heading2"]),
        Paragraph(f"<b>{escape(place.nom)}</b>", styles["Normal"]),
        Paragraph(
            escape(f"{place.adresse}, {place.code_postal} {place.commune}"), styles["Normal"]
        ),
    ]
    if place.telephone:
        story.append(
            Paragraph(escape(f"Téléphone : {phone_display(place.telephone)}"), styles["Normal"])
        )
    story.append(Paragraph("Quand y aller", styles["Heading2"]))
    if place.horaires_valid:
        story.append(Table(opening_hours_plain(place), hAlign="LEFT"))
    elif place.horaires:
        story.append(Paragraph(escape(f"Horaires : {place.horaires}"), styles["Normal"]))
    else:
        advice = (
            "téléphonez au lieu avant d'y aller"
            if place.telephone
            else "demandez-les à votre conseiller"
        )
        story.append(
            Paragraph(escape(f"Les horaires ne sont pas connus : {advice}."), styles["Normal"])
        )
    story += [
        Spacer(1, 0.6 * cm),
        Paragraph(
            "Apportez cette fiche. Le lieu indiquera à votre conseiller si vous êtes venu.",
            styles["Normal"],
        ),
    ]
    document.build(story)
    return buffer.getvalue()
