"""Demo sessions at the Le Port structure: a Kap Konèk.t workshop next week with two people
booked, and an individual session. Running it twice changes nothing."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from accompaniments.models import Session
from accompaniments.services import participant_book, session_create
from accounts.models import User
from beneficiaries.models import Beneficiary
from demo.accounts import organisation
from places.models import Place
from programs.models import Program

WORKSHOP_TITLE = "Atelier : bien utiliser son smartphone"


def load(*, stdout) -> None:
    structure = organisation("structure_le_port")
    if Session.objects.filter(structure=structure, title=WORKSHOP_TITLE).exists():
        return
    program = Program.objects.get(slug=f"kap-konekt-{timezone.localdate().year}")
    mediator = User.objects.get(email="mediateur@demo.example")
    place = Place.objects.filter(structure=structure).order_by("source_id").first()
    zone = ZoneInfo(program.time_zone)
    today = timezone.now().astimezone(zone).date()
    next_week = min(today + dt.timedelta(days=7), program.ends_on)
    workshop = session_create(
        actor=mediator,
        structure=structure,
        place=place,
        program=program,
        kind="collective",
        title=WORKSHOP_TITLE,
        starts_at=dt.datetime.combine(next_week, dt.time(9, 0), tzinfo=zone),
        duration_minutes=120,
        mediator=mediator,
        capacity=5,
        themes=["Maîtrise des outils numériques du quotidien"],
    )
    for person in Beneficiary.objects.filter(commune_id="97407").order_by("pk")[:2]:
        participant_book(
            actor=mediator, session=workshop, beneficiary=person, booked_by=person.prescriber
        )
    session_create(
        actor=mediator,
        structure=structure,
        place=place,
        program=program,
        kind="individual",
        title="Démarches CAF en ligne",
        starts_at=dt.datetime.combine(today, dt.time(14, 0), tzinfo=zone),
        duration_minutes=60,
        mediator=mediator,
    )
    stdout.write(
        "Séances de démonstration : un atelier la semaine prochaine, une séance aujourd'hui."
    )
