"""The public places as data·inclusion schema v1 (gip-inclusion/data-inclusion-schema, tag v1.0.8,
shipped in `data/data-inclusion-v1.0.8/`): one structure per place, one service per service of the
national standard the place offers (one "Médiation numérique" service when it lists none).

The mapping follows shared/design/research-data.md ("Mapping from the mediation standard v1.0.2
to data.inclusion v1"); it loses detail where data·inclusion has fewer values (9 services, 4
`numerique--` themes). The Pass numérique has no value in data·inclusion v1: it is said in
`frais_precisions`.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.text import slugify

from core.text import web_url
from places.enums import AccessMode, Fee, Label, NationalProgram, Public, SupportMode
from places.enums import Service as S
from places.enums import SpecificSupport as SS

PRODUCER = "passnum"
STRUCTURE_FIELDS = [
    "source",
    "id",
    "nom",
    "date_maj",
    "lien_source",
    "siret",
    "telephone",
    "courriel",
    "site_web",
    "description",
    "horaires_accueil",
    "accessibilite_lieu",
    "reseaux_porteurs",
    "adresse",
    "complement_adresse",
    "commune",
    "code_postal",
    "code_insee",
    "longitude",
    "latitude",
]
SERVICE_FIELDS = [
    "source",
    "structure_id",
    "id",
    "nom",
    "description",
    "date_maj",
    "lien_source",
    "type",
    "thematiques",
    "frais",
    "frais_precisions",
    "publics",
    "publics_precisions",
    "modes_accueil",
    "modes_mobilisation",
    "lien_mobilisation",
    "mobilisable_par",
    "horaires_accueil",
    "telephone",
    "courriel",
    "adresse",
    "complement_adresse",
    "commune",
    "code_postal",
    "code_insee",
    "longitude",
    "latitude",
]
BASICS = "numerique--maitriser-les-fondamentaux-du-numerique"
THEMES = {
    S.ADMIN: "numerique--acceder-a-des-services-en-ligne",
    S.EVERYDAY_TOOLS: BASICS,
    S.EMPLOYMENT: BASICS,
    S.SECURITY: BASICS,
    S.PARENTING: BASICS,
    S.LEISURE: BASICS,
    S.UNDERSTANDING: BASICS,
    S.ACCESS: "numerique--acceder-a-une-connexion-internet",
    S.EQUIPMENT: "numerique--acquerir-un-equipement",
}
NETWORKS = {
    NationalProgram.AIDANTS_CONNECT: "aidants-connect",
    NationalProgram.CNFS: "conseillers-numeriques",
    NationalProgram.FRANCE_SERVICES: "france-service",
    NationalProgram.RED_CROSS: "croix-rouge",
    NationalProgram.EMMAUS: "emmaus",
    NationalProgram.EMMAUS_RELAY: "emmaus",
    NationalProgram.GEN: "grandes-ecoles-du-numerique",
    NationalProgram.CAF: "caf",
    Label.FABRIQUES: "fabrique-de-territoire",
}
TYPOLOGY_NETWORKS = {"EPN": "espaces-publics-numeriques", "CCAS": "ccas-cias", "MUNI": "communes"}
PUBLICS = {
    Public.YOUNG: "jeunes",
    Public.STUDENTS: "etudiants",
    Public.FAMILIES: "familles",
    Public.SENIORS: "seniors",
    Public.WOMEN: "femmes",
}
DISABILITIES = {SS.DEAFNESS, SS.MOTOR, SS.MENTAL, SS.VISUAL}
MOBILISATION = {
    AccessMode.WALK_IN: "se-presenter",
    AccessMode.PHONE: "telephoner",
    AccessMode.EMAIL: "envoyer-un-courriel",
    AccessMode.PRESCRIPTION: "envoyer-un-courriel",
}
_email = EmailValidator()


def _or_none(value):
    return value if value not in ("", [], None) else None


def _email_or_none(values: list[str]) -> str | None:
    for value in values:
        try:
            _email(value)
        except ValidationError:
            continue
        return value
    return None


def _name(text: str) -> str:
    """3 to 150 characters, not ending with a full stop."""
    name = text.strip()[:150].rstrip(". ")
    return name if len(name) >= 3 else f"Lieu {name}".strip()


def _description(place) -> str | None:
    text = (place.presentation_detail or place.presentation_resume).strip()
    return text[:10000] if len(text) >= 5 else None


def structure_id(place) -> str:
    return f"{PRODUCER}--{slugify(place.source)}--{place.source_id}"


def _address(place) -> dict:
    return {
        "adresse": _or_none(place.adresse),
        "complement_adresse": _or_none(place.complement_adresse),
        "commune": _or_none(place.commune),
        "code_postal": _or_none(place.code_postal),
        "code_insee": _or_none(place.code_insee or place.commune_ref_id or ""),
        "longitude": place.longitude,
        "latitude": place.latitude,
    }


def structure_row(place, *, date_maj: str, link: str) -> dict:
    networks = []
    for value in [*place.dispositif_programmes_nationaux, *place.formations_labels]:
        network = NETWORKS.get(value)
        if network and network not in networks:
            networks.append(network)
    for code in place.typologie:
        network = TYPOLOGY_NETWORKS.get(code)
        if network and network not in networks:
            networks.append(network)
    siret = place.pivot if re.fullmatch(r"\d{14}", place.pivot or "") else ""
    row = {
        "source": PRODUCER,
        "id": structure_id(place),
        "nom": _name(place.nom),
        "date_maj": date_maj,
        "lien_source": link,
        "siret": _or_none(siret if siret != "00000000000000" else ""),
        "telephone": _or_none(place.telephone),
        "courriel": _email_or_none(place.courriels),
        "site_web": next((web_url(url) for url in place.site_web if web_url(url)), None),
        "description": _description(place),
        "horaires_accueil": place.horaires if place.horaires_valid else None,
        "accessibilite_lieu": _or_none(web_url(place.fiche_acces_libre)),
        "reseaux_porteurs": networks or None,
        **_address(place),
    }
    return {name: row[name] for name in STRUCTURE_FIELDS}


def _fees(place) -> tuple[str | None, str | None]:
    fees = set(place.frais_a_charge)
    precisions = []
    if Fee.FREE_UNDER_CONDITION in fees:
        precisions.append("Gratuit sous condition")
    if place.accepts_pass_numerique:
        precisions.append("Accepte le Pass numérique (chèques APTIC)")
    if Fee.PAID in fees and not fees & {Fee.FREE, Fee.FREE_UNDER_CONDITION}:
        frais = "payant"
    elif fees & {Fee.FREE, Fee.FREE_UNDER_CONDITION}:
        frais = "gratuit"
    else:
        frais = None
    return frais, "; ".join(precisions) or None


def service_rows(place, *, date_maj: str, link: str) -> list[dict]:
    frais, frais_precisions = _fees(place)
    publics = [
        PUBLICS[value] for value in place.publics_specifiquement_adresses if value in PUBLICS
    ]
    specific = list(place.prise_en_charge_specifique)
    if DISABILITIES & set(specific):
        publics.append("personnes-en-situation-de-handicap")
    modes = set(place.modalites_accompagnement)
    accueil = ["a-distance"] if modes == {SupportMode.REMOTE} else ["en-presentiel"]
    if SupportMode.REMOTE in modes and len(modes) > 1:
        accueil.append("a-distance")
    mobilisation = []
    for value in place.modalites_acces:
        mode = MOBILISATION.get(value)
        if value == AccessMode.ONLINE_BOOKING and web_url(place.prise_rdv):
            mode = "utiliser-lien-mobilisation"
        if mode and mode not in mobilisation:
            mobilisation.append(mode)
    by = ["usagers"] + (
        ["professionnels"] if AccessMode.PRESCRIPTION in place.modalites_acces else []
    )
    kind = (
        "atelier"
        if modes and modes <= {SupportMode.WORKSHOP}
        else "accompagnement"
        if modes & {SupportMode.INDIVIDUAL, SupportMode.WORKSHOP}
        else None
    )
    offered = list(place.services) or ["Médiation numérique"]
    rows = []
    for service in offered:
        theme = THEMES.get(service, BASICS)
        row = {
            "source": PRODUCER,
            "structure_id": structure_id(place),
            "id": f"{structure_id(place)}--{slugify(service)}",
            "nom": _name(service),
            "description": f"{service} : {place.nom}, {place.commune}."
            + (f" {place.presentation_resume}" if place.presentation_resume else ""),
            "date_maj": date_maj,
            "lien_source": link,
            "type": kind,
            "thematiques": [theme],
            "frais": frais,
            "frais_precisions": frais_precisions,
            "publics": publics or ["tous-publics"],
            "publics_precisions": ", ".join(specific) or None,
            "modes_accueil": accueil,
            "modes_mobilisation": mobilisation or None,
            "lien_mobilisation": _or_none(web_url(place.prise_rdv)),
            "mobilisable_par": by,
            "horaires_accueil": place.horaires if place.horaires_valid else None,
            "telephone": _or_none(place.telephone),
            "courriel": _email_or_none(place.courriels),
            **_address(place),
        }
        rows.append({name: row[name] for name in SERVICE_FIELDS})
    return rows


def csv_value(value) -> str:
    """Lists joined with `|`, as the national standard does; no value is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(value)
    return str(value)
