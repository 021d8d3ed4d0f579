"""Demo orientations: the CCAS of Saint-Paul sends two people to the Le Port structure."""

from accounts.models import User
from beneficiaries.models import Orientation
from beneficiaries.services import orientation_create
from demo.accounts import organisation
from places.models import Place

ORIENTATIONS = [
    ("Josiane Fontaine (démo)", "Faire sa déclaration de ressources en ligne à la CAF."),
    (
        "Didier Grondin (démo)",
        "Apprendre à utiliser son smartphone : appels vidéo avec sa famille.",
    ),
]


def load(*, stdout) -> None:
    prescriber = organisation("ccas_saint_paul")
    structure = organisation("structure_le_port")
    place = Place.objects.filter(structure=structure).order_by("source_id").first()
    actor = User.objects.get(email="ccas@demo.example")
    created = 0
    for person_name, need in ORIENTATIONS:
        if Orientation.objects.filter(prescriber=prescriber, person_name=person_name).exists():
            continue
        orientation_create(
            actor=actor, prescriber=prescriber, place=place, person_name=person_name, need=need
        )
        created += 1
    stdout.write(f"Orientations de démonstration créées : {created}.")
