"""Reading and writing rows of the national standard for mediation places (v1.0.x and v0.1.x)."""

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import opening_hours

from core.text import spreadsheet_safe, web_url
from core.timezones import local
from places import v01
from places.enums import LABEL_ALIASES, VOCABULARIES, Fee

DATA = Path(__file__).parent / "data"
SCHEMA_V1_PATH = DATA / "schema-v1.0.2.json"
# The 155 places of La Réunion shipped with the project (origin in data/README.md).
REUNION_FILE = DATA / "lieux-974-ultra-num-standard-v1.0.2.csv"
FIELDS_V1: list[str] = [f["name"] for f in json.loads(SCHEMA_V1_PATH.read_text())["fields"]]

# Required by the schema; an empty pivot becomes the placeholder the national cartography uses,
# an unknown date_maj stays unknown: neither rejects a row.
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

SEPARATORS = re.compile(r"[|;]")
TYPOLOGIES = {
    item["value"] for item in json.loads((DATA / "typologies-de-structures-v0.json").read_text())
}
PIVOT_PLACEHOLDER = "00000000000000"
# A date before this is a null timestamp or a typo (1969-12-31, 1900-01-01): unknown.
OLDEST_DATE = dt.date(1990, 1, 1)
# Trunk prefix "0" of a French number -> country code, by the postal code's first digits.
CALLING_CODES = {"971": "+590", "972": "+596", "973": "+594", "974": "+262", "975": "+508"}
CALLING_CODES |= {"976": "+262", "977": "+590", "978": "+590"}
DROPPED = "valeur ignorée"


@dataclass(frozen=True)
class FieldError:
    field: str
    value: str
    rule: str


@dataclass
class ParsedRow:
    values: dict
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)


def detect_version(columns) -> str:
    names = {v01.COLUMN_ALIASES.get(name, name) for name in columns if name}
    return "0.1" if v01.V01_ONLY_COLUMNS & names else "1.0"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(_text(v) for v in value)
    return str(value).strip()


def _split(value) -> list[str]:
    if isinstance(value, list):
        return [_text(v) for v in value if _text(v)]
    return [part.strip() for part in SEPARATORS.split(_text(value)) if part.strip()]


def _add(values: list, value) -> None:
    if value not in values:
        values.append(value)


def parse_date(text: str) -> tuple[dt.date | None, str]:
    """The update date, or None when it is unknown; the second item says why it was not read."""
    if not text:
        return None, ""
    candidate = text[:10]
    try:
        date = dt.date.fromisoformat(candidate)
    except ValueError:
        try:
            date = dt.datetime.strptime(candidate, "%d/%m/%Y").date()
        except ValueError:
            return None, "date illisible (AAAA-MM-JJ attendu) : date de mise à jour inconnue"
    if date < OLDEST_DATE:
        return None, ""
    return date, ""


def normalise_phone(text: str, postal_code: str) -> str:
    """The first number of the text in the standard's format (+262262972502), or ''."""
    for part in re.split(r"[/|;]| ou ", text):
        digits = re.sub(r"[\s.\-()]", "", part)
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        if re.fullmatch(r"0\d{9}", digits):
            digits = CALLING_CODES.get(postal_code[:3], "+33") + digits[1:]
        if PATTERNS["telephone"][0].fullmatch(digits):
            return digits
    return ""


@lru_cache(maxsize=32)
def _exact_vocabulary(name: str) -> frozenset[str]:
    return frozenset(VOCABULARIES[name].values)


@lru_cache(maxsize=32)
def _folded_vocabulary(name: str) -> dict[str, str]:
    folded = {v01.fold(value): value for value in VOCABULARIES[name].values}
    return folded | {v01.fold(alias): value for alias, value in LABEL_ALIASES.items()}


def _vocabulary_items(name: str, raw, warnings: list[FieldError]) -> list[str]:
    """The v1 values of a vocabulary field: v1 values kept, v0.1 values mapped, the others
    dropped with a warning."""
    vocabulary = VOCABULARIES[name]
    items = _split(raw)
    if name == "typologie":
        kept = []
        for item in items:
            if item.upper() in TYPOLOGIES:
                _add(kept, item.upper())
            else:
                warnings.append(FieldError(name, item, f"{DROPPED} : typologie inconnue"))
        return kept
    if vocabulary is None:
        return items
    folded_v1 = _folded_vocabulary(name)
    exact = _exact_vocabulary(name)
    kept = []
    for item in items:
        value = item if item in exact else folded_v1.get(v01.fold(item))
        if value is None and name in v01.FOLDED:
            value = v01.lookup(name, item)
        if value is None:
            warnings.append(
                FieldError(name, item, f"{DROPPED} : absente du vocabulaire du standard")
            )
        else:
            _add(kept, str(value))
    return kept


def _v01_fields(row: dict, values: dict, warnings: list[FieldError]) -> None:
    """The v0.1 fields that have no v1 column of the same name, mapped into `values`."""
    other_labels = (
        [values["autres_formations_labels"]] if values["autres_formations_labels"] else []
    )
    for value in _split(row.get("publics_accueillis")):
        target = v01.lookup("publics_accueillis", value)
        if target is None:
            warnings.append(
                FieldError("publics_accueillis", value, f"{DROPPED} : sans équivalent v1")
            )
        elif target[0]:
            _add(values[target[0]], str(target[1]))
    for value in _split(row.get("conditions_acces")):
        target = v01.lookup("conditions_acces", value)
        if target is None:
            warnings.append(
                FieldError("conditions_acces", value, f"{DROPPED} : sans équivalent v1")
            )
            continue
        _add(values["frais_a_charge"], str(target[0]))
        if target[1]:
            values["accepts_pass_numerique"] = True
            _add(other_labels, v01.PASS_NUMERIQUE_LABEL)
    for value in _split(row.get("labels_nationaux")):
        target = v01.lookup("labels_nationaux", value)
        if target is None:
            warnings.append(
                FieldError("labels_nationaux", value, f"{DROPPED} : sans équivalent v1")
            )
            continue
        field_name, label = target
        if label == v01.PASS_NUMERIQUE_LABEL:
            values["accepts_pass_numerique"] = True
        if field_name == "autres_formations_labels":
            _add(other_labels, label)
        else:
            _add(values[field_name], str(label))
    values["autres_formations_labels"] = ", ".join(other_labels)


@lru_cache(maxsize=4096)
def parse_opening_hours(text: str) -> opening_hours.OpeningHours | None:
    if not text:
        return None
    try:
        return opening_hours.OpeningHours(text, country="FR")
    except (opening_hours.ParserError, ValueError):
        return None


def parse_row(row: dict, *, version: str = "") -> ParsedRow:
    """Reads one row of a file of the standard, v1.0.x or v0.1.x (both can be mixed in one
    file). Breaking a rule on a required field rejects the row (`errors`); a value of an
    optional field that cannot be read or mapped is dropped and said (`warnings`)."""
    row = {v01.COLUMN_ALIASES.get(_text(k), _text(k)): v for k, v in row.items() if k}
    for old, new in v01.RENAMED.items():
        if _text(row.get(old)) and not _text(row.get(new)):
            row[new] = row[old]
    parsed = ParsedRow(values={})
    errors, warnings, values = parsed.errors, parsed.warnings, parsed.values
    for name in REQUIRED_V1:
        if name not in ("pivot", "date_maj") and not _text(row.get(name)):
            errors.append(FieldError(name, "", "champ obligatoire vide"))
    pivot = _text(row.get("pivot")).replace(" ", "")
    if not pivot:
        row["pivot"] = PIVOT_PLACEHOLDER
    elif not PATTERNS["pivot"][0].fullmatch(pivot):
        warnings.append(FieldError("pivot", pivot, f"{DROPPED} : {PATTERNS['pivot'][1]}"))
        row["pivot"] = PIVOT_PLACEHOLDER
    else:
        row["pivot"] = pivot
    postal = _text(row.get("code_postal"))
    if postal and not PATTERNS["code_postal"][0].fullmatch(postal):
        errors.append(
            FieldError("code_postal", postal, f"format attendu : {PATTERNS['code_postal'][1]}")
        )
    insee = _text(row.get("code_insee"))
    if insee and not PATTERNS["code_insee"][0].fullmatch(insee):
        warnings.append(FieldError("code_insee", insee, f"{DROPPED} : {PATTERNS['code_insee'][1]}"))
        row["code_insee"] = ""
    phone = _text(row.get("telephone"))
    if phone:
        row["telephone"] = normalise_phone(phone, postal)
        if not row["telephone"]:
            rule = f"{DROPPED} : {PATTERNS['telephone'][1]}"
            warnings.append(FieldError("telephone", phone, rule))
    for name, limit in STORED_LENGTHS.items():
        text = _text(row.get(name))
        if len(text) > limit:
            errors.append(FieldError(name, text[:40] + "…", f"{limit} caractères au plus"))
    resume = _text(row.get("presentation_resume"))
    if len(resume) > MAX_LENGTHS["presentation_resume"]:
        row["presentation_resume"] = resume[:279].rstrip() + "…"
        if not _text(row.get("presentation_detail")):
            row["presentation_detail"] = resume
    for name in ("latitude", "longitude"):
        text = _text(row.get(name))
        values[name] = None
        if text:
            bound = 90 if name == "latitude" else 180
            try:
                number = float(text.replace(",", "."))
            except ValueError:
                warnings.append(FieldError(name, text, f"{DROPPED} : nombre décimal attendu"))
                continue
            if not -bound <= number <= bound:
                warnings.append(FieldError(name, text, f"{DROPPED} : entre -{bound} et {bound}"))
                continue
            values[name] = number
    if values["latitude"] is None or values["longitude"] is None:
        values["latitude"] = values["longitude"] = None
    values["date_maj"], problem = parse_date(_text(row.get("date_maj")))
    if problem:
        warnings.append(FieldError("date_maj", _text(row.get("date_maj")), problem))
    for name in VOCABULARIES:
        values[name] = _vocabulary_items(name, row.get(name), warnings)
    for name in FIELDS_V1:
        if name not in values:
            values[name] = _text(row.get(name))
    values["accepts_pass_numerique"] = v01.mentions_pass_numerique(
        values["autres_formations_labels"]
    )
    _v01_fields(row, values, warnings)
    # Only web addresses are kept: a javascript: or data: link would run on the place's page.
    values["site_web"] = [url for url in values["site_web"] if web_url(url)]
    for name in ("fiche_acces_libre", "prise_rdv"):
        values[name] = web_url(values[name])
    for standard_name, model_name in MODEL_NAMES.items():
        values[model_name] = values.pop(standard_name)
    values["horaires_valid"] = parse_opening_hours(values["horaires"]) is not None
    return parsed


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


def date_maj_or_last_change(place) -> str:
    """The source's update date; when unknown, the day passnum last changed the place."""
    if place.date_maj:
        return place.date_maj.isoformat()
    return local(place.updated_at, place).date().isoformat()


def export_row(place, *, program_names: list[str], sources: list[str] | None = None) -> dict:
    """One place as a v1.0.2 row. Accepting a program means 'Gratuit sous condition' and the
    program's name among the other labels."""
    fees = list(place.frais_a_charge)
    others = place.autres_formations_labels
    names = list(program_names)
    if place.accepts_pass_numerique and not v01.mentions_pass_numerique(others):
        names.insert(0, v01.PASS_NUMERIQUE_LABEL)
    if names or place.accepts_pass_numerique:
        _add(fees, Fee.FREE_UNDER_CONDITION.value)
        present = {label.strip() for label in others.split(",")}
        missing = [name for name in names if name not in present]
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
        elif name == "source" and sources:
            value = ", ".join(sources)
        elif isinstance(value, list):
            value = _join(value)
        elif value is None and name != "date_maj":
            value = ""
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif name == "date_maj":
            value = date_maj_or_last_change(place)
        if name in FREE_TEXT_FIELDS:
            value = spreadsheet_safe(value, MAX_LENGTHS.get(name))
        row[name] = value
    return row
