"""Demo programs: Kap Konèk.t (hours, La Réunion) and the Pass numérique of Lot-et-Garonne
(10 EUR vouchers), each with funding, quotas, a published call and accepted structures,
all through the services. Running it twice changes nothing."""

import datetime as dt

from django.utils import timezone

from accounts.models import User
from demo.accounts import organisation
from places.enums import Service
from places.models import Place
from programs import services
from programs.enums import FunderCategory, UnitKind, ValidityMode
from programs.models import Program
from territories.models import Departement

CRITERIA = [
    {"label": "Ancrage local et publics touchés", "max_points": 10},
    {"label": "Qualité de l'accompagnement proposé", "max_points": 10},
    {"label": "Amplitude d'ouverture et accessibilité", "max_points": 5},
]
DEMO_IBANS = [
    ("FR7630004000010001000000102", "BNPAFRPP"),
    ("FR7630004000010001000000296", "BNPAFRPP"),
    ("FR7630004000010001000000393", "BNPAFRPP"),
    ("FR7630004000010001000000490", "BNPAFRPP"),
    ("FR7630004000010001000000587", "BNPAFRPP"),
]


def _call_window(year: int) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return min(today, dt.date(year, 1, 5)), max(
        dt.date(year, 12, 31), today + dt.timedelta(days=30)
    )


def _call_with_agreements(
    *, program, title: str, text: str, keys, funder_user, first_iban: int
) -> None:
    """A published call, one application per structure, reviewed and accepted."""
    opens_on, closes_on = _call_window(program.starts_on.year)
    call = services.call_create(
        actor=funder_user,
        program=program,
        title=title,
        text=text,
        opens_on=opens_on,
        closes_on=closes_on,
        criteria=CRITERIA,
    )
    services.call_publish(actor=funder_user, call=call)
    for offset, key in enumerate(keys):
        structure = organisation(key)
        iban, bic = DEMO_IBANS[first_iban + offset]
        application = services.application_save(
            actor=None,
            call=call,
            structure=structure,
            siret=structure.siret or "",
            rna=structure.rna or "",
            places=list(Place.objects.filter(structure=structure)),
            new_places="",
            services=[Service.ADMIN, Service.EVERYDAY_TOOLS],
            weekly_opening_hours=30,
            iban=iban,
            bic=bic,
            presentation=f"{structure.name} accompagne les habitants dans leurs usages du numérique.",
        )
        services.application_submit(actor=None, application=application)
        services.review_save(
            actor=funder_user, application=application, scores=[8, 8, 4 - offset % 2]
        )
        services.application_accept(actor=funder_user, application=application)


def _kap_konekt(year: int) -> None:
    slug = f"kap-konekt-{year}"
    if Program.objects.filter(slug=slug).exists():
        return
    region = organisation("region_reunion")
    funder_user = User.objects.get(email="financeur@demo.example")
    program = services.program_create(
        actor=funder_user,
        lead_funder=region,
        name=f"Kap Konèk.t {year}",
        slug=slug,
        departements=[Departement.objects.get(code="974")],
        unit_kind=UnitKind.HOURS,
        unit_value_cents=100,
        starts_on=dt.date(year, 1, 1),
        ends_on=dt.date(year, 12, 31),
        time_zone="Indian/Reunion",
        carnet_sizes=[10],
        min_units_per_beneficiary=1,
        yearly_cap_units=10,
        max_group_size=5,
        validity_mode=ValidityMode.FIXED_END,
        validity_end_on=dt.date(year, 12, 31),
        validity_tolerance_days=31,
        target_beneficiaries_per_year=1000,
        hourly_rate_individual_cents=3000,
        hourly_rate_collective_cents=1000,
        min_weekly_opening_hours=24,
        # Open to every adult living in La Réunion, no means test (research-domain.md).
        min_age=18,
        residence_required=True,
        entry_diagnostic_required=True,
        tracks=[
            {
                "name": "Généraliste",
                "themes": "services en ligne, sécurité numérique, communication, démarches administratives",
                "eligibility": "Tout adulte résidant à La Réunion, sans condition de ressources.",
            },
            {
                "name": "Continuité territoriale",
                "themes": "demande d'aide au voyage de la Région en ligne",
                "eligibility": "Personnes qui demandent l'aide régionale à la continuité territoriale.",
            },
        ],
    )
    services.commitment_add(
        actor=funder_user,
        program=program,
        funder=region,
        category=FunderCategory.REGION,
        amount_cents=30_000_000,
    )
    for key, units in (("france_travail_974", 3000), ("cgss_974", 2000), ("ccas_saint_paul", 1000)):
        services.quota_set(
            actor=funder_user, program=program, prescriber=organisation(key), units=units
        )
    _call_with_agreements(
        program=program,
        title=f"Devenir partenaire de Kap Konèk.t {year}",
        text="La Région Réunion appelle les structures de médiation numérique de l'île à accompagner "
        "les Réunionnais, en individuel ou en ateliers de 5 personnes au plus.",
        keys=["structure_le_port", "structure_saint_benoit", "structure_saint_pierre"],
        funder_user=funder_user,
        first_iban=0,
    )


def _pass_numerique_47(year: int) -> None:
    slug = f"pass-numerique-47-{year}"
    if Program.objects.filter(slug=slug).exists():
        return
    departement = organisation("departement_47")
    funder_user = User.objects.get(email="financeur47@demo.example")
    program = services.program_create(
        actor=funder_user,
        lead_funder=departement,
        name=f"Pass numérique Lot-et-Garonne {year}",
        slug=slug,
        departements=[Departement.objects.get(code="47")],
        unit_kind=UnitKind.MONEY,
        unit_value_cents=1000,
        starts_on=dt.date(year, 1, 1),
        ends_on=dt.date(year, 12, 31),
        time_zone="Europe/Paris",
        carnet_sizes=[5, 10],
        min_units_per_beneficiary=5,
        validity_mode=ValidityMode.FIXED_END,
        validity_end_on=dt.date(year, 12, 31),
        validity_tolerance_days=31,
        target_beneficiaries_per_year=2500,
        operator_fee_purchase_bp=400,
        operator_fee_per_place_cents=7700,
        min_weekly_opening_hours=24,
        # The amount follows an analysis of the person's situation (seed 003); the Département
        # buys the pass for the people of its territory.
        residence_required=True,
        entry_diagnostic_required=True,
    )
    funders = [
        ("departement_47", FunderCategory.DEPARTEMENT, 7_000_000, None),
        ("caf_47", FunderCategory.SOCIAL_SECURITY, 4_000_000, None),
        ("msa_47", FunderCategory.SOCIAL_SECURITY, 1_500_000, None),
        ("cpam_47", FunderCategory.SOCIAL_SECURITY, 1_500_000, None),
        ("carsat_aquitaine", FunderCategory.SOCIAL_SECURITY, 1_000_000, None),
        ("anct", FunderCategory.STATE, 15_000_000, 5000),
    ]
    for key, category, cents, cap in funders:
        services.commitment_add(
            actor=funder_user,
            program=program,
            funder=organisation(key),
            category=category,
            amount_cents=cents,
            share_cap_bp=cap,
        )
    for key, units in (("caf_47", 10_000), ("ccas_villeneuve", 5_000)):
        services.quota_set(
            actor=funder_user, program=program, prescriber=organisation(key), units=units
        )
    _call_with_agreements(
        program=program,
        title=f"Structures de médiation du Pass numérique {year}",
        text="Le Département de Lot-et-Garonne appelle les lieux de médiation numérique à accepter "
        "les chèques Pass numérique de 10 €.",
        keys=["structure_agen", "structure_marmande"],
        funder_user=funder_user,
        first_iban=3,
    )


def load(*, stdout) -> None:
    year = timezone.localdate().year
    _kap_konekt(year)
    _pass_numerique_47(year)
    stdout.write(f"Programmes de démonstration : {Program.objects.count()}.")
