"""Demo people and carnets: France Travail Réunion gives Kap Konèk.t hours, the CAF of
Lot-et-Garonne gives Pass numérique vouchers. Running it twice changes nothing."""

import datetime as dt

from django.utils import timezone

from accompaniments.services import unit_consume
from accounts.models import User
from beneficiaries.enums import DEFAULT_SKILLS, ConsentMethod, DiagnosticKind
from beneficiaries.models import Beneficiary
from beneficiaries.services import beneficiary_create, diagnostic_record
from demo.accounts import organisation
from programs.models import Program
from territories.models import Commune
from vouchers.codes import code_display
from vouchers.enums import Delivery
from vouchers.services import carnet_issue

PEOPLE = [
    # (prescriber key, advisor e-mail, program slug prefix, first name, last name, birth, commune)
    (
        "france_travail_974",
        "prescripteur@demo.example",
        "kap-konekt",
        "Josiane",
        "Técher",
        (1956, 4, 2),
        "97407",
    ),
    (
        "france_travail_974",
        "prescripteur@demo.example",
        "kap-konekt",
        "Jean-Paul",
        "Grondin",
        (1961, 9, 17),
        "97407",
    ),
    (
        "france_travail_974",
        "prescripteur@demo.example",
        "kap-konekt",
        "Nadia",
        "Ah-Hoy",
        (1990, 1, 30),
        "97410",
    ),
    (
        "caf_47",
        "prescripteur47@demo.example",
        "pass-numerique-47",
        "Bernard",
        "Lafitte",
        (1949, 6, 11),
        "47001",
    ),
    (
        "caf_47",
        "prescripteur47@demo.example",
        "pass-numerique-47",
        "Amina",
        "Benali",
        (1984, 12, 3),
        "47157",
    ),
]


def load(*, stdout) -> None:
    year = timezone.localdate().year
    answers = {key: index % 3 for index, (key, _label) in enumerate(DEFAULT_SKILLS)}
    shown = False
    for key, email, slug, first, last, birth, commune_code in PEOPLE:
        prescriber = organisation(key)
        if Beneficiary.objects.filter(
            prescriber=prescriber, first_name=first, last_name=last
        ).exists():
            continue
        advisor = User.objects.get(email=email)
        program = Program.objects.get(slug=f"{slug}-{year}")
        person = beneficiary_create(
            actor=advisor,
            prescriber=prescriber,
            first_name=first,
            last_name=last,
            birth_date=dt.date(*birth),
            commune=Commune.objects.get(code=commune_code),
            consent_method=ConsentMethod.PAPER,
            categories=["senior"] if birth[0] < 1965 else ["job_seeker"],
        )
        diagnostic = diagnostic_record(
            actor=advisor,
            beneficiary=person,
            program=program,
            kind=DiagnosticKind.ENTRY,
            answers=answers,
        )
        issued = carnet_issue(
            actor=advisor,
            prescriber=prescriber,
            beneficiary=person,
            program=program,
            units=diagnostic.chosen_units,
            delivery=Delivery.PAPER,
            track=diagnostic.chosen_track,
        )
        if not program.is_hours and shown:
            # Amina used three vouchers at Clic'Agen: the operator's first batch pays them.
            for serial, code in issued.codes[:3]:
                unit_consume(
                    actor=None, structure=organisation("structure_agen"), serial=serial, code=code
                )
        if not program.is_hours and not shown:
            serial, code = issued.codes[0]
            stdout.write(
                f"Chèque de démonstration à valider (compte structure47@demo.example, page "
                f"« Valider un chèque ») : numéro {serial}, code {code_display(code)}"
            )
            shown = True
    stdout.write(f"Carnets de démonstration : {Beneficiary.objects.count()} personnes suivies.")
