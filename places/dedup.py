"""Finding the same place in several sources, and merging their records.

Inspired by the national cartography's `mednum-cli dedupliquer` (a score from the name, the
street and the distance, for places of the same commune) and data·inclusion's deduplication
(candidates close to each other, a manual review between two thresholds). Pure functions: the
database work is in `places.services`.

- Candidates: two records of different sources in the same commune (INSEE code), or within
  200 m of each other.
- Name: accents, case and punctuation folded; words every place has ("mairie", "espace",
  "numérique", the commune's own name…) weigh little; each word is matched to its closest word in
  the other name (rapidfuzz ratio), so "Médiathèque Benoîte Boulard" and "Mediatheque B. Boulard"
  score high and "Mairie de Saint-Paul" / "Mairie annexe de Bois-de-Nèfles" low.
- Address: street type abbreviations spelled out; a different house number is a strong sign of
  two places.
- Distance, when both records have their own coordinates (not the commune's centre).
A false merge is worse than a missed one: merging needs a similar name and a high score; between
the two thresholds the pair waits for the operator.
"""

import datetime as dt
import math
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from core.text import normalize_search

MERGE_THRESHOLD = 85.0
REVIEW_THRESHOLD = 65.0
MERGE_MIN_NAME = 75.0
NEIGHBOUR_METRES = 200.0
FAR_METRES = 1000.0
PLACEHOLDER_PIVOT = "00000000000000"
# Words that many places share: a match on them says little.
_COMMON_TEXT = """
    a au aux d de des du en et l la le les sur pour
    mairie hotel ville commune communal communale municipal municipale annexe
    espace espaces maison centre point relais lieu site antenne accueil permanence
    numerique numeriques digital public publique publics social sociale socio culturel
    culturelle france service services association asso ccas cias caf mediatheque
    bibliotheque cyber base cybercase cyberbase epn tiers conseiller conseillers
    conseillere cnfs quartier agence departement departemental departementale
"""
COMMON_WORDS = frozenset(_COMMON_TEXT.split())
COMMON_WEIGHT = 0.2
WORD_MATCH_MIN = 75.0
STREET_WORDS = {
    "r": "rue",
    "av": "avenue",
    "ave": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "boul": "boulevard",
    "pl": "place",
    "ch": "chemin",
    "chem": "chemin",
    "all": "allee",
    "imp": "impasse",
    "rte": "route",
    "fbg": "faubourg",
    "sq": "square",
    "crs": "cours",
    "res": "residence",
    "lot": "lotissement",
}
HOUSE_NUMBER = re.compile(r"^(\d+)\s*(bis|ter|quater|[a-d])?\b")
EARTH_RADIUS_M = 6_371_000.0
CELL_DEGREES = 0.002  # about 220 m of latitude


@dataclass(frozen=True)
class Record:
    """What the scoring reads of one source record."""

    pk: int
    source: str
    name: str
    address: str
    insee: str
    latitude: float | None
    longitude: float | None
    exact_position: bool
    pivot: str = ""
    phone: str = ""
    commune: str = ""


@dataclass(frozen=True)
class Score:
    total: float
    name: float
    address: float | None
    distance_m: float | None

    @property
    def merge(self) -> bool:
        return self.total >= MERGE_THRESHOLD and self.name >= MERGE_MIN_NAME

    @property
    def review(self) -> bool:
        return not self.merge and self.total >= REVIEW_THRESHOLD


def _words(text: str) -> list[str]:
    return normalize_search(text).split()


def _weighted(words: list[str], common: set[str]) -> list[tuple[str, float]]:
    return [(word, COMMON_WEIGHT if word in common else 1.0) for word in words]


def _word_similarity(word: str, other: str) -> float:
    """Words of two letters or less and numbers match only whole; an initial ("B.") matches
    its word."""
    if word == other:
        return 100.0
    short, long = sorted((word, other), key=len)
    if len(short) == 1 and len(long) > 1:
        return 90.0 if long.startswith(short) else 0.0
    if len(short) <= 2 or word.isdigit() or other.isdigit():
        return 0.0
    return fuzz.ratio(word, other)


def _covered(left: list[tuple[str, float]], right: list[tuple[str, float]]) -> float:
    """The weight of `left`'s words found in `right`, each by its closest word."""
    found = 0.0
    for word, weight in left:
        best = max((_word_similarity(word, other) for other, _ in right), default=0.0)
        if best >= WORD_MATCH_MIN:
            found += weight * best / 100
    return found


def name_similarity(a: str, b: str, *, commune: str = "") -> float:
    """0 to 100. The words of the commune's name count as common words."""
    common = COMMON_WORDS | set(_words(commune))
    left, right = _weighted(_words(a), common), _weighted(_words(b), common)
    total = sum(w for _, w in left) + sum(w for _, w in right)
    if not total:
        return 0.0
    return 100 * (_covered(left, right) + _covered(right, left)) / total


def _street(address: str) -> tuple[str, str]:
    """(house number, street words) of an address, abbreviations spelled out."""
    text = normalize_search(address)
    number = ""
    match = HOUSE_NUMBER.match(text)
    if match:
        number = match.group(1) + (match.group(2) or "")
        text = text[match.end() :]
    words = [STREET_WORDS.get(word, word) for word in text.split()]
    return number, " ".join(
        word for word in words if word not in ("de", "du", "des", "la", "le", "l", "d")
    )


def address_similarity(a: str, b: str) -> float | None:
    if not a.strip() or not b.strip():
        return None
    number_a, street_a = _street(a)
    number_b, street_b = _street(b)
    score = fuzz.token_sort_ratio(street_a, street_b)
    if number_a and number_b and number_a != number_b:
        score = min(score, 40.0)
    return score


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _distance(a: Record, b: Record) -> float | None:
    if not (a.exact_position and b.exact_position):
        return None
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    return distance_m(a.latitude, a.longitude, b.latitude, b.longitude)


def score(a: Record, b: Record) -> Score:
    name = name_similarity(a.name, b.name, commune=a.commune or b.commune)
    address = address_similarity(a.address, b.address)
    metres = _distance(a, b)
    parts = [(name, 0.5)]
    if address is not None:
        parts.append((address, 0.3))
    if metres is not None:
        closeness = 100.0 if metres <= 50 else max(0.0, 100 * (500 - metres) / 450)
        parts.append((closeness, 0.2))
    total = sum(value * weight for value, weight in parts) / sum(w for _, w in parts)
    if a.pivot and a.pivot == b.pivot and a.pivot != PLACEHOLDER_PIVOT:
        total += 10
    if a.phone and a.phone == b.phone:
        total += 5
    if metres is not None and metres > FAR_METRES:
        total = min(total, REVIEW_THRESHOLD - 1)
    return Score(round(min(total, 100.0), 1), round(name, 1), address, metres)


def _cell(record: Record) -> tuple[int, int] | None:
    if not record.exact_position or record.latitude is None or record.longitude is None:
        return None
    return (math.floor(record.latitude / CELL_DEGREES), math.floor(record.longitude / CELL_DEGREES))


def candidate_pairs(targets: list[Record], pool: list[Record]) -> set[tuple[int, int]]:
    """Pairs (smaller pk, larger pk) of records of different sources, one of them in `targets`,
    in the same commune or within 200 m."""
    by_insee: dict[str, list[Record]] = {}
    by_cell: dict[tuple[int, int], list[Record]] = {}
    for record in pool:
        if record.insee:
            by_insee.setdefault(record.insee, []).append(record)
        cell = _cell(record)
        if cell is not None:
            by_cell.setdefault(cell, []).append(record)
    pairs: set[tuple[int, int]] = set()
    for record in targets:
        near = list(by_insee.get(record.insee, [])) if record.insee else []
        cell = _cell(record)
        if cell is not None:
            for dlat in (-1, 0, 1):
                for dlon in (-1, 0, 1):
                    for other in by_cell.get((cell[0] + dlat, cell[1] + dlon), []):
                        metres = _distance(record, other)
                        if metres is not None and metres <= NEIGHBOUR_METRES:
                            near.append(other)
        for other in near:
            if other.source != record.source and other.pk != record.pk:
                pairs.add((min(record.pk, other.pk), max(record.pk, other.pk)))
    return pairs


def groups(records: dict[int, str], edges: list[tuple[float, int, int]]) -> dict[int, list[int]]:
    """Connected records, strongest edges first, never two records of the same source in one
    group (`records`: pk -> source). Returns smallest pk -> sorted members."""
    parent = {pk: pk for pk in records}
    sources = {pk: {source} for pk, source in records.items()}

    def root(pk: int) -> int:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    for _strength, a, b in sorted(edges, reverse=True):
        ra, rb = root(a), root(b)
        if ra == rb or sources[ra] & sources[rb]:
            continue
        keep, gone = min(ra, rb), max(ra, rb)
        parent[gone] = keep
        sources[keep] |= sources.pop(gone)
    members: dict[int, list[int]] = {}
    for pk in records:
        members.setdefault(root(pk), []).append(pk)
    return {min(group): sorted(group) for group in members.values()}


ADDRESS_BLOCK = (
    "adresse",
    "complement_adresse",
    "code_postal",
    "commune",
    "code_insee",
    "commune_ref_id",
)
POSITION = ("latitude", "longitude", "coordinates_approximate")


def is_empty(value) -> bool:
    return value in (None, "", [], PLACEHOLDER_PIVOT)


def merge_records(records: list[tuple[dt.date | None, int, dict]], fields: list[str]) -> dict:
    """The values of one public place from several records (date_maj, pk, values): each field
    from the freshest record that has it (the oldest record on equal dates)."""
    ordered = sorted(records, key=lambda r: (r[0] or dt.date.min, -r[1]), reverse=True)
    merged: dict = {}
    for name in fields:
        if name in ADDRESS_BLOCK or name in POSITION:
            continue
        values = [values[name] for _, _, values in ordered if name in values]
        merged[name] = next((v for v in values if not is_empty(v)), values[0] if values else None)
    address = next((v for _, _, v in ordered if v.get("adresse")), ordered[0][2])
    merged.update({name: address.get(name) for name in ADDRESS_BLOCK})
    position = next(
        (v for _, _, v in ordered if not v.get("coordinates_approximate") and v.get("latitude")),
        address,
    )
    merged.update({name: position.get(name) for name in POSITION})
    hours = next((v for _, _, v in ordered if v.get("horaires")), None)
    merged["horaires_valid"] = bool(hours and hours.get("horaires_valid"))
    merged["accepts_pass_numerique"] = any(v.get("accepts_pass_numerique") for _, _, v in ordered)
    dates = [date for date, _, _ in ordered if date]
    merged["date_maj"] = max(dates) if dates else None
    return merged
