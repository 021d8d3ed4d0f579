"""Demo organisations and accounts, created through the services. Running it twice changes nothing."""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from accounts import services
from accounts.enums import OrganisationKind as K
from accounts.enums import Role
from accounts.models import Membership, Organisation, User
from territories.models import Commune

DEMO_PASSWORD = "demo-passnum-2026"


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    name: str
    kinds: tuple[str, ...]
    commune: str
    siret: str | None = None
    rna: str | None = None


ORGANISATIONS = [
    DemoOrganisation(
        "operator", "Opérateur passnum (démo)", (K.OPERATOR,), "97411", siret="90000001910000"
    ),
    DemoOrganisation(
        "region_reunion", "Région Réunion", (K.FUNDER,), "97411", siret="23974001210003"
    ),
    DemoOrganisation(
        "france_travail_974",
        "France Travail Réunion",
        (K.PRESCRIBER,),
        "97411",
        siret="90000002710003",
    ),
    DemoOrganisation(
        "cgss_974", "CGSS de La Réunion", (K.PRESCRIBER,), "97411", siret="90000004310000"
    ),
    DemoOrganisation(
        "ccas_saint_paul", "CCAS de Saint-Paul", (K.PRESCRIBER,), "97415", siret="90000005010005"
    ),
    DemoOrganisation(
        "structure_le_port",
        "Association Lien Numérique du Port",
        (K.STRUCTURE,),
        "97407",
        rna="W974000101",
    ),
    DemoOrganisation(
        "structure_saint_benoit",
        "Cyber-case de Saint-Benoît",
        (K.STRUCTURE,),
        "97410",
        siret="90000006810007",
    ),
    DemoOrganisation(
        "structure_saint_pierre",
        "Kaz Numérik Saint-Pierre",
        (K.STRUCTURE,),
        "97416",
        rna="W974000102",
    ),
    DemoOrganisation(
        "departement_47",
        "Département de Lot-et-Garonne",
        (K.FUNDER,),
        "47001",
        siret="22470001310001",
    ),
    DemoOrganisation(
        "caf_47",
        "CAF de Lot-et-Garonne",
        (K.PRESCRIBER, K.FUNDER),
        "47001",
        siret="90000007610000",
    ),
    DemoOrganisation(
        "anct",
        "État — Agence nationale de la cohésion des territoires",
        (K.FUNDER,),
        "47001",
        siret="90000011800001",
    ),
    DemoOrganisation(
        "msa_47", "MSA Dordogne, Lot-et-Garonne", (K.FUNDER,), "47001", siret="90000011810000"
    ),
    DemoOrganisation(
        "cpam_47", "CPAM de Lot-et-Garonne", (K.FUNDER,), "47001", siret="90000011820009"
    ),
    DemoOrganisation(
        "carsat_aquitaine", "CARSAT Aquitaine", (K.FUNDER,), "47001", siret="90000011830008"
    ),
    DemoOrganisation(
        "ccas_villeneuve",
        "CCAS de Villeneuve-sur-Lot",
        (K.PRESCRIBER,),
        "47323",
        siret="90000009210007",
    ),
    DemoOrganisation(
        "structure_agen", "Association Clic'Agen", (K.STRUCTURE,), "47001", rna="W471000201"
    ),
    DemoOrganisation(
        "structure_marmande",
        "Espace numérique de Marmande",
        (K.STRUCTURE,),
        "47157",
        siret="90000010010008",
    ),
]

# (e-mail, first name, last name, organisation key, role, what the account shows)
ACCOUNTS = [
    ("operateur@demo.example", "Olivia", "Opérat", "operator", Role.ADMIN, "opérateur"),
    (
        "financeur@demo.example",
        "Fabrice",
        "Payet",
        "region_reunion",
        Role.ADMIN,
        "financeur (Région Réunion)",
    ),
    (
        "prescripteur@demo.example",
        "Prisca",
        "Hoarau",
        "france_travail_974",
        Role.MEMBER,
        "prescripteur (France Travail Réunion)",
    ),
    (
        "ccas@demo.example",
        "Camille",
        "Grondin",
        "ccas_saint_paul",
        Role.ADMIN,
        "prescripteur administrateur (CCAS de Saint-Paul)",
    ),
    (
        "structure@demo.example",
        "Sabine",
        "Técher",
        "structure_le_port",
        Role.ADMIN,
        "structure administrateur (Le Port)",
    ),
    (
        "mediateur@demo.example",
        "Mickaël",
        "Rivière",
        "structure_le_port",
        Role.MEMBER,
        "médiateur (Le Port)",
    ),
    (
        "mediateur.benoit@demo.example",
        "Maëva",
        "Fontaine",
        "structure_saint_benoit",
        Role.ADMIN,
        "structure (Saint-Benoît)",
    ),
    (
        "financeur47@demo.example",
        "Florence",
        "Delmas",
        "departement_47",
        Role.ADMIN,
        "financeur (Lot-et-Garonne)",
    ),
    (
        "prescripteur47@demo.example",
        "Paul",
        "Lafon",
        "caf_47",
        Role.MEMBER,
        "prescripteur (CAF de Lot-et-Garonne)",
    ),
    (
        "structure47@demo.example",
        "Sophie",
        "Garrigues",
        "structure_agen",
        Role.ADMIN,
        "structure (Agen)",
    ),
    (
        "conseiller.cgss@demo.example",
        "Gaëlle",
        "Maillot",
        "cgss_974",
        Role.MEMBER,
        "prescripteur (CGSS de La Réunion)",
    ),
    (
        "ccas47@demo.example",
        "Claire",
        "Sabatier",
        "ccas_villeneuve",
        Role.ADMIN,
        "prescripteur (CCAS de Villeneuve-sur-Lot)",
    ),
    (
        "mediateur.pierre@demo.example",
        "Teddy",
        "Nativel",
        "structure_saint_pierre",
        Role.ADMIN,
        "structure (Saint-Pierre)",
    ),
    (
        "mediateur.marmande@demo.example",
        "Marc",
        "Couderc",
        "structure_marmande",
        Role.ADMIN,
        "structure (Marmande)",
    ),
]


def organisation(key: str) -> Organisation:
    demo = next(item for item in ORGANISATIONS if item.key == key)
    if demo.siret:
        return Organisation.objects.get(siret=demo.siret)
    return Organisation.objects.get(rna=demo.rna)


def load(*, stdout) -> None:
    created = 0
    for demo in ORGANISATIONS:
        exists = Organisation.objects.filter(
            siret=demo.siret if demo.siret else None, rna=demo.rna if demo.rna else None
        ).exists()
        if not exists:
            services.organisation_create(
                actor=None,
                name=demo.name,
                kinds=list(demo.kinds),
                siret=demo.siret,
                rna=demo.rna,
                commune=Commune.objects.get(code=demo.commune),
            )
            created += 1
    created_users = []
    for email, first, last, key, role, _ in ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = services.user_create(
                email=email, password=None, first_name=first, last_name=last
            )
            created_users.append(user.pk)
        org = organisation(key)
        if not Membership.objects.filter(user=user, organisation=org).exists():
            services.membership_create(actor=None, user=user, organisation=org, role=role)
    # One password for every demo account: hashed once (argon2 takes half a second a time).
    User.objects.filter(pk__in=created_users).update(password=make_password(DEMO_PASSWORD))
    stdout.write(
        f"Organisations de démonstration créées : {created} ; comptes créés : {len(created_users)}."
    )


def accounts_summary() -> str:
    lines = [f"Comptes de démonstration (mot de passe pour tous : {DEMO_PASSWORD}) :"]
    lines += [f"  - {email:32} {label}" for email, *_, label in ACCOUNTS]
    return "\n".join(lines)
