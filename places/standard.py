"""Reading and writing rows of the national standard for mediation places (v1.0.x and v0.1.x)."""

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import opening_hours

from core.text import spreadsheet_safe, web_url
from places.enums import LABEL_ALIASES, VOCABULARIES, Fee, Label, NationalProgram, Public
from places.enums import Service as S
from places.enums import SpecificSupport as SS
from places.enums import SupportMode as SM

SCHEMA_V1_PATH = Path(__file__).parent / "data" / "schema-v1.0.2.json"
# The 155 places of La Réunion shipped with the project (origin in data/README.md).
REUNION_FILE = Path(__file__).parent / "data" / "lieux-974-ultra-num-standard-v1.0.2.csv"
FIELDS_V1: list[str] = [field["name"] for field in json.loads(SCHEMA_V1_PATH.read_text())["fields"]]

REQUIRED_V1 = ("id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj")
PATTERNS = {
    "pivot": (re.compile(r"[a-zA-Z0-9]{9,14}"), "9 à 14 lettres ou chiffres (SIRET, RNA ou RIDET)"),
    "code_postal": (re.compile(r"\d{5}"), "5 chiffres"),
    "code_insee": (re.compile(r"([013-9]\d|2[AB1-9])\d{3}"), "code INSEE à 5 caractères"),
    "telephone": (
        re.compile(r"(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)\d{6,9}"),
        "format international sans espace, par exemple +262262972502",
    ),
}
MAX_LENGTHS = {"presentation_resume": 280}
# What the database keeps (the schema sets no limit on these fields).
STORED_LENGTHS = {
    "id": 200,
    "pivot": 14,
    "nom": 250,
    "commune": 150,
    "adresse": 300,
    "complement_adresse": 300,
    "source": 200,
    "structure_parente": 250,
    "fiche_acces_libre": 500,
    "prise_rdv": 500,
}
MULTI_VALUED = tuple(VOCABULARIES)
# Standard name -> model field name, where they differ.
MODEL_NAMES = {"id": "source_id", "source": "collected_by"}

V01_ONLY_FIELDS = {"cle_ban", "courriel", "publics_accueillis", "conditions_acces"}
V01_RENAMED = {
    "courriel": "courriels",
    "labels_autres": "autres_formations_labels",
    "accessibilite": "fiche_acces_libre",
}
V01_SERVICES = {
    "Devenir autonome dans les démarches administratives": S.ADMIN,
    "Réaliser des démarches administratives avec un accompagnement": S.ADMIN,
    "Accompagner les démarches de santé": S.ADMIN,
    "Prendre en main un smartphone ou une tablette": S.EVERYDAY_TOOLS,
    "Prendre en main un ordinateur": S.EVERYDAY_TOOLS,
    "Utiliser le numérique au quotidien": S.EVERYDAY_TOOLS,
    "Approfondir ma culture numérique": S.UNDERSTANDING,
    "Promouvoir la citoyenneté numérique": S.UNDERSTANDING,
    "Favoriser mon insertion professionnelle": S.EMPLOYMENT,
    "Créer et développer mon entreprise": S.EMPLOYMENT,
    "Accéder à une connexion internet": S.ACCESS,
    "Accéder à du matériel": S.ACCESS,
    "S'équiper en matériel informatique": S.EQUIPMENT,
    "Créer avec le numérique": S.LEISURE,
    "Soutenir la parentalité et l'éducation avec le numérique": S.PARENTING,
}
# v0.1 public -> (v1 field, v1 value); "Adultes" has no v1 equivalent.
V01_PUBLICS = {
    "Seniors (+ 65 ans)": ("publics_specifiquement_adresses", Public.SENIORS),
    "Familles/enfants": ("publics_specifiquement_adresses", Public.FAMILIES),
    "Adultes": (None, None),
    "Jeunes (16-26 ans)": ("publics_specifiquement_adresses", Public.YOUNG),
    "Uniquement femmes": ("publics_specifiquement_adresses", Public.WOMEN),
    "Public langues étrangères": ("prise_en_charge_specifique", SS.OTHER_LANGUAGES),
    "Déficience visuelle": ("prise_en_charge_specifique", SS.VISUAL),
    "Surdité": ("prise_en_charge_specifique", SS.DEAFNESS),
    "Handicaps psychiques : troubles psychiatriques donnant lieu à des atteintes comportementales": (
        "prise_en_charge_specifique",
        SS.MENTAL,
    ),
    "Handicaps mentaux : déficiences limitant les activités d'une personne": (
        "prise_en_charge_specifique",
        SS.MENTAL,
    ),
    "Personnes en situation d'illettrisme": ("prise_en_charge_specifique", SS.ILLITERACY),
}
PASS_NUMERIQUE_LABEL = "Pass numérique"
V01_CONDITIONS = {
    "Gratuit : Je peux accéder gratuitement au lieu et à ses services": (Fee.FREE, None),
    "Gratuit sous condition : La gratuité est conditionnée à des critères (situation familiale, "
    "convention avec un organisme social...)": (Fee.FREE_UNDER_CONDITION, None),
    "Payant : L'accès au lieu et/ou à ses services est payant": (Fee.PAID, None),
    "Accepte le Pass numérique : Il est possible d'utiliser un Pass numérique pour accéder au lieu": (
        Fee.FREE_UNDER_CONDITION,
        PASS_NUMERIQUE_LABEL,
    ),
    # The v1.0.0 definition of "Gratuit sous condition" names membership (adhésion).
    "Adhésion : L'accès au lieu et/ou à ses services nécessite d'y adhérer": (
        Fee.FREE_UNDER_CONDITION,
        None,
    ),
}
# v0.1 national label -> (v1 field, v1 value)
V01_LABELS = {
    "France Services": ("dispositif_programmes_nationaux", NationalProgram.FRANCE_SERVICES),
    "CNFS": ("dispositif_programmes_nationaux", NationalProgram.CNFS),
    "Aidants Connect": ("dispositif_programmes_nationaux", NationalProgram.AIDANTS_CONNECT),
    "Grandes écoles du numérique": ("dispositif_programmes_nationaux", NationalProgram.GEN),
    "Point relais CAF": ("dispositif_programmes_nationaux", NationalProgram.CAF),
    "Point numérique CAF": ("dispositif_programmes_nationaux", NationalProgram.CAF),
    "Fabriques de Territoire": ("formations_labels", Label.FABRIQUES),
    "APTIC": ("autres_formations_labels", "APTIC (Pass numérique)"),
    "Relais pôle emploi": ("autres_formations_labels", "Relais pôle emploi"),
    "French Tech": ("autres_formations_labels", "French Tech"),
    "Campus connecté": ("autres_formations_labels", "Campus connecté"),
}
V01_SUPPORT = {
    "Seul : j'ai accès à du matériel et une connexion": SM.AUTONOMOUS,
    "Avec de l'aide : je suis accompagné seul dans l'usage du numérique": SM.INDIVIDUAL,
    "Dans un atelier : j'apprends collectivement à utiliser le numérique": SM.WORKSHOP,
    "A ma place : une personne habilitée fait les démarches à ma place": SM.INDIVIDUAL,
}


@dataclass(frozen=True)
class FieldError:
    field: str
    value: str
    rule: str


def detect_version(columns) -> str:
    return "0.1" if V01_ONLY_FIELDS & set(columns) else "1.0"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(_text(v) for v in value)
    return str(value).strip()


def _split(value, separator: str) -> list[str]:
    if isinstance(value, list):
        return [_text(v) for v in value if _text(v)]
    return [part.strip() for part in _text(value).split(separator) if part.strip()]


def _add(values: list, value) -> None:
    if value not in values:
        values.append(value)


def _v01_to_v1(row: dict, errors: list[FieldError]) -> dict:
    """Maps a v0.1 row to v1 names and values, as the standard's changelog describes."""
    out = {name: row.get(name) for name in FIELDS_V1 if name in row}
    for old, new in V01_RENAMED.items():
        if row.get(old) not in (None, ""):
            out[new] = _split(row[old], ";") if new == "courriels" else row[old]
    lists: dict[str, list] = {
        "services": [],
        "publics_specifiquement_adresses": [],
        "prise_en_charge_specifique": [],
        "frais_a_charge": [],
        "dispositif_programmes_nationaux": [],
        "formations_labels": [],
        "modalites_accompagnement": [],
    }
    other_labels = [out["autres_formations_labels"]] if out.get("autres_formations_labels") else []

    def mapped(field, mapping, apply):
        for value in _split(row.get(field), ";"):
            if value not in mapping:
                errors.append(FieldError(field, value, "valeur absente du vocabulaire (v0.1)"))
            else:
                apply(mapping[value])

    mapped("services", V01_SERVICES, lambda v: _add(lists["services"], v))

    def public(target):
        if target[0]:
            _add(lists[target[0]], target[1])

    mapped("publics_accueillis", V01_PUBLICS, public)

    def condition(target):
        _add(lists["frais_a_charge"], target[0])
        if target[1]:
            _add(other_labels, target[1])

    mapped("conditions_acces", V01_CONDITIONS, condition)

    def label(target):
        if target[0] == "autres_formations_labels":
            _add(other_labels, target[1])
        else:
            _add(lists[target[0]], target[1])

    mapped("labels_nationaux", V01_LABELS, label)
    mapped(
        "modalites_accompagnement",
        V01_SUPPORT,
        lambda v: _add(lists["modalites_accompagnement"], v),
    )
    out.update({field: [str(v) for v in values] for field, values in lists.items()})
    out["autres_formations_labels"] = ", ".join(other_labels)
    for field in ("typologie", "site_web"):
        if field in out:
            out[field] = _split(out[field], ";")
    resume = _text(row.get("presentation_resume"))
    if len(resume) > 280:
        out["presentation_resume"] = resume[:279].rstrip() + "…"
        if not _text(row.get("presentation_detail")):
            out["presentation_detail"] = resume
    return out


@lru_cache(maxsize=4096)
def parse_opening_hours(text: str) -> opening_hours.OpeningHours | None:
    if not text:
        return None
    try:
        return opening_hours.OpeningHours(text, country="FR")
    except (opening_hours.ParserError, ValueError):
        return None


def parse_row(row: dict, *, version: str) -> tuple[dict, list[FieldError]]:
    """Checks one row against the schema. Returns model field values and the rules broken."""
    errors: list[FieldError] = []
    if version == "0.1":
        row = _v01_to_v1(row, errors)
    values: dict = {}
    for name in REQUIRED_V1:
        if not _text(row.get(name)):
            errors.append(FieldError(name, "", "champ obligatoire vide"))
    for name, (pattern, rule) in PATTERNS.items():
        text = _text(row.get(name))
        if text and not pattern.fullmatch(text):
            errors.append(FieldError(name, text, f"format attendu : {rule}"))
    for name, limit in (MAX_LENGTHS | STORED_LENGTHS).items():
        text = _text(row.get(name))
        if len(text) > limit:
            errors.append(FieldError(name, text[:40] + "…", f"{limit} caractères au plus"))
    for name in ("latitude", "longitude"):
        text = _text(row.get(name))
        values[name] = None
        if text:
            try:
                number = float(text.replace(",", "."))
            except ValueError:
                errors.append(FieldError(name, text, "nombre décimal attendu (point décimal)"))
                continue
            bound = 90 if name == "latitude" else 180
            if not -bound <= number <= bound:
                errors.append(FieldError(name, text, f"entre -{bound} et {bound}"))
            values[name] = number
    date_text = _text(row.get("date_maj"))
    if date_text:
        try:
            values["date_maj"] = dt.date.fromisoformat(date_text)
        except ValueError:
            errors.append(FieldError("date_maj", date_text, "date au format AAAA-MM-JJ"))
    for name, vocabulary in VOCABULARIES.items():
        items = _split(row.get(name), "|")
        if vocabulary is not None:
            allowed = set(vocabulary.values)
            items = [LABEL_ALIASES.get(item, item) for item in items]
            for item in items:
                if item not in allowed:
                    errors.append(
                        FieldError(name, item, "valeur absente du vocabulaire du standard")
                    )
        values[name] = items
    for name in FIELDS_V1:
        if name not in values and name not in ("latitude", "longitude", "date_maj"):
            values[name] = _text(row.get(name))
    # Only web addresses are kept: a javascript: or data: link would run on the place's page.
    values["site_web"] = [url for url in values["site_web"] if web_url(url)]
    for name in ("fiche_acces_libre", "prise_rdv"):
        values[name] = web_url(values[name])
    for standard_name, model_name in MODEL_NAMES.items():
        values[model_name] = values.pop(standard_name)
    values["horaires_valid"] = parse_opening_hours(values["horaires"]) is not None
    return values, errors


# Text fields the standard leaves free (no pattern, no vocabulary): the ones a formula could
# hide in; neutralised on export, the others are constrained by the schema.
FREE_TEXT_FIELDS = {
    field["name"]
    for field in json.loads(SCHEMA_V1_PATH.read_text())["fields"]
    if field.get("type") == "string"
    and "pattern" not in field.get("constraints", {})
    and field["name"] not in ("id", "site_web", "fiche_acces_libre", "prise_rdv", "courriels")
}


def _join(values) -> str:
    return "|".join(values)


def export_row(place, *, program_names: list[str]) -> dict:
    """One place as a v1.0.2 row. Accepting a program means 'Gratuit sous condition' and the
    program's name among the other labels."""
    fees = list(place.frais_a_charge)
    others = place.autres_formations_labels
    if program_names:
        _add(fees, Fee.FREE_UNDER_CONDITION.value)
        present = {label.strip() for label in others.split(",")}
        missing = [name for name in program_names if name not in present]
        others = ", ".join([others, *missing] if others else missing)
    row = {}
    for name in FIELDS_V1:
        attribute = MODEL_NAMES.get(name, name)
        value = getattr(place, attribute)
        if name == "id":
            value = place.public_id
        elif name == "frais_a_charge":
            value = _join(fees)
        elif name == "autres_formations_labels":
            value = others
        elif isinstance(value, list):
            value = _join(value)
        elif value is None:
            value = ""
        elif isinstance(value, dt.date):
            value = value.isoformat()
        if name in FREE_TEXT_FIELDS:
            value = spreadsheet_safe(value, MAX_LENGTHS.get(name))
        row[name] = value
    return row
