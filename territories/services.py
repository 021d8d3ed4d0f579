import csv
import gzip
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from core.text import normalize_search
from territories.models import Commune, Departement, PostalCode, Region

DATA_DIR = Path(__file__).resolve().parent / "data"
COMMUNES_FILE = DATA_DIR / "communes-france-2026.csv.gz"


@dataclass
class LoadReport:
    regions: int = 0
    departements: int = 0
    communes_created: int = 0
    communes_updated: int = 0
    communes_unchanged: int = 0
    postal_codes: int = 0


def _read_json(name: str) -> list[dict]:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def _commune_rows(departements: set[str] | None) -> Iterable[dict]:
    with gzip.open(COMMUNES_FILE, "rb") as raw:
        for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")):
            if row["type"] != "commune-actuelle":
                continue
            if departements and row["code_departement"] not in departements:
                continue
            yield row


_COMPARED = (
    "name",
    "search_name",
    "departement_id",
    "postal_codes",
    "population",
    "latitude",
    "longitude",
)


@transaction.atomic
def communes_load(*, departements: Iterable[str] | None = None) -> LoadReport:
    """Loads régions, départements and communes from the shipped INSEE/La Poste file.

    Running it again changes nothing unless the shipped file changed.
    """
    wanted = set(departements) if departements else None
    report = LoadReport()
    for item in _read_json("regions-2026.json"):
        Region.objects.update_or_create(code=item["code"], defaults={"name": item["nom"]})
        report.regions += 1
    for item in _read_json("departements-2026.json"):
        if wanted and item["code"] not in wanted:
            continue
        Departement.objects.update_or_create(
            code=item["code"], defaults={"name": item["nom"], "region_id": item["region"]}
        )
        report.departements += 1

    existing = {c.code: c for c in Commune.objects.all()}
    to_create, to_update, postal_rows = [], [], []
    for row in _commune_rows(wanted):
        commune = Commune(
            code=row["code_insee"],
            name=row["nom"],
            search_name=normalize_search(row["nom"]),
            departement_id=row["code_departement"] or None,
            postal_codes=row["codes_postaux"],
            population=int(row["population"] or 0),
            latitude=float(row["latitude"]) if row["latitude"] else None,
            longitude=float(row["longitude"]) if row["longitude"] else None,
        )
        current = existing.get(commune.code)
        if current is None:
            to_create.append(commune)
        elif any(getattr(current, f) != getattr(commune, f) for f in _COMPARED):
            to_update.append(commune)
        else:
            report.communes_unchanged += 1
            continue
        postal_rows.extend(
            PostalCode(code=code, commune_id=commune.code)
            for code in row["codes_postaux"].split("|")
            if code
        )
    Commune.objects.bulk_create(to_create, batch_size=2000)
    Commune.objects.bulk_update(to_update, fields=list(_COMPARED), batch_size=2000)
    changed = [c.code for c in to_update]
    for start in range(0, len(changed), 500):
        PostalCode.objects.filter(commune_id__in=changed[start : start + 500]).delete()
    PostalCode.objects.bulk_create(postal_rows, batch_size=5000, ignore_conflicts=True)
    report.communes_created = len(to_create)
    report.communes_updated = len(to_update)
    report.postal_codes = len(postal_rows)
    return report
