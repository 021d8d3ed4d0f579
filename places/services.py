import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.services import audit_record
from core.text import normalize_search
from places.enums import ClaimStatus, LinkSource, ReportStatus
from places.exceptions import ImportFileUnreadable, PlacesError
from places.models import Place, PlaceClaim, PlaceErrorReport, PlaceProgram
from places.standard import FieldError, detect_version, parse_row
from territories.models import Commune, PostalCode

BATCH_SIZE = 2000
# Fields the importer owns; the structure link and the program links are never touched by it.
STANDARD_MODEL_FIELDS = [
    f.name
    for f in Place._meta.concrete_fields
    if f.name
    not in ("id", "source", "source_id", "structure", "created_at", "updated_at", "row_hash")
]


@dataclass
class RejectedRow:
    line: int
    source_id: str
    errors: list[FieldError]


@dataclass
class ImportReport:
    version: str = ""
    read: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected_rows: list[RejectedRow] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    def summary(self) -> str:
        return (
            f"lus : {self.read} ; importés : {self.imported} ; mis à jour : {self.updated} ; "
            f"inchangés : {self.unchanged} ; rejetés : {self.rejected}"
        )

    def write_csv(self, stream) -> None:
        writer = csv.writer(stream)
        writer.writerow(["ligne", "id", "champ", "valeur", "règle"])
        for row in self.rejected_rows:
            for error in row.errors:
                writer.writerow([row.line, row.source_id, error.field, error.value, error.rule])


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileUnreadable("Le fichier n'est ni en UTF-8 ni en Windows-1252.")


def read_rows(*, content: bytes, name: str = "") -> list[tuple[int, dict]]:
    """(line number, row) pairs from a CSV (line of the row in the file) or a JSON list
    (position in the list, from 1)."""
    text = _decode(content)
    stripped = text.lstrip()
    if name.lower().endswith(".json") or stripped[:1] in ("[", "{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImportFileUnreadable(
                f"JSON illisible, ligne {error.lineno} : {error.msg}."
            ) from error
        if isinstance(data, dict):
            data = data.get("data") or data.get("lieux") or []
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ImportFileUnreadable("Le JSON doit être une liste de lieux (objets).")
        return [(index, item) for index, item in enumerate(data, start=1)]
    first_line = stripped.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if not reader.fieldnames or "id" not in reader.fieldnames:
        raise ImportFileUnreadable(
            "La première ligne doit donner les noms des colonnes du standard (id, pivot, nom…)."
        )
    rows = []
    line = reader.line_num + 1
    for row in reader:
        rows.append((line, row))
        line = reader.line_num + 1
    return rows


def _row_hash(values: dict) -> str:
    return hashlib.sha256(
        json.dumps(values, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


class _CommuneResolver:
    def __init__(self, valid: list[dict]):
        codes = {v["code_insee"] for v in valid if v["code_insee"]}
        self.by_code = {c.code: c for c in Commune.objects.filter(code__in=codes)}
        postal = {v["code_postal"] for v in valid}
        self.by_postal: dict[str, list[Commune]] = {}
        for row in PostalCode.objects.filter(code__in=postal).select_related("commune"):
            self.by_postal.setdefault(row.code, []).append(row.commune)

    def resolve(self, values: dict) -> Commune | None:
        commune = self.by_code.get(values["code_insee"])
        if commune:
            return commune
        candidates = self.by_postal.get(values["code_postal"], [])
        name = normalize_search(values["commune"])
        for candidate in candidates:
            if candidate.search_name == name:
                return candidate
        return candidates[0] if len(candidates) == 1 else None


def places_import(
    *, content: bytes, name: str = "", source: str = "", actor=None, dry_run: bool = False
) -> ImportReport:
    """Imports a file of the standard (v1.0.x or v0.1.x): valid rows are upserted by
    (source, id), every rejected row is reported with its line and the rules it breaks.
    A dry run computes the same report and writes nothing."""
    rows = read_rows(content=content, name=name)
    report = ImportReport()
    if not rows:
        return report
    report.version = detect_version(rows[0][1].keys())
    valid: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for line, row in rows:
        report.read += 1
        values, errors = parse_row(row, version=report.version)
        values["source"] = (source or values["collected_by"] or "import")[:100]
        key = (values["source"], values["source_id"])
        if values["source_id"] and key in seen:
            errors.append(
                FieldError("id", values["source_id"], "identifiant en double dans le fichier")
            )
        if errors:
            report.rejected_rows.append(RejectedRow(line, values["source_id"], errors))
            continue
        seen.add(key)
        valid.append(values)
    resolver = _CommuneResolver(valid)
    with transaction.atomic():
        for start in range(0, len(valid), BATCH_SIZE):
            _upsert_batch(valid[start : start + BATCH_SIZE], resolver, report)
        if actor is not None or report.imported or report.updated:
            audit_record(
                actor=actor,
                action="places.import",
                object_type="places.place",
                data={
                    "source": source,
                    "read": report.read,
                    "imported": report.imported,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "rejected": report.rejected,
                },
            )
        if dry_run:
            transaction.set_rollback(True)
    return report


def _upsert_batch(batch: list[dict], resolver: _CommuneResolver, report: ImportReport) -> None:
    sources = {values["source"] for values in batch}
    existing = {
        (place.source, place.source_id): place
        for place in Place.objects.filter(
            source__in=sources, source_id__in=[v["source_id"] for v in batch]
        )
    }
    to_create, to_update = [], []
    for values in batch:
        commune = resolver.resolve(values)
        values["commune_ref_id"] = commune.code if commune else None
        approximate = values["latitude"] is None or values["longitude"] is None
        if approximate and commune and commune.latitude is not None:
            values["latitude"], values["longitude"] = commune.latitude, commune.longitude
        values["coordinates_approximate"] = approximate
        row_hash = _row_hash(values)
        place = existing.get((values["source"], values["source_id"]))
        if place is None:
            to_create.append(Place(**values, row_hash=row_hash))
            continue
        if place.row_hash == row_hash:
            report.unchanged += 1
            continue
        for name, value in values.items():
            setattr(place, name, value)
        place.row_hash = row_hash
        place.updated_at = timezone.now()
        to_update.append(place)
    Place.objects.bulk_create(to_create, batch_size=500)
    report.imported += len(to_create)
    if to_update:
        fields = [*STANDARD_MODEL_FIELDS, "row_hash", "updated_at"]
        Place.objects.bulk_update(to_update, fields, batch_size=500)
        report.updated += len(to_update)


def places_import_file(*, path: Path, source: str = "", actor=None) -> ImportReport:
    """A file on disk; with no source given, its name (without extension) is the source."""
    source = source or Path(path).stem
    return places_import(
        content=Path(path).read_bytes(), name=Path(path).name, source=source, actor=actor
    )


def place_set_structure(*, actor, place: Place, structure) -> Place:
    if structure is not None and not structure.is_structure:
        raise PlacesError("Seule une structure de médiation peut être rattachée à un lieu.")
    place.structure = structure
    place.save(update_fields=["structure", "updated_at"])
    audit_record(
        actor=actor,
        action="places.structure_set",
        obj=place,
        organisation_id=structure.pk if structure else None,
    )
    return place


SIGNUP_SOURCE = "inscription"


def places_from_declared(*, actor, organisation) -> list[Place]:
    """A structure validated by the operator: the places it declared when it signed up enter
    the directory, attached to it (positioned at their commune's centre until corrected).
    Runs in the validation's transaction (core.registry.ORGANISATION_VALIDATED)."""
    if not organisation.is_structure:
        return []
    today = timezone.localdate()
    created = []
    for declared in organisation.declared_places.select_related("commune"):
        commune = declared.commune
        place, made = Place.objects.get_or_create(
            source=SIGNUP_SOURCE,
            source_id=f"{organisation.pk}-{declared.pk}",
            defaults={
                "pivot": organisation.siret or organisation.rna or "",
                "nom": declared.name,
                "adresse": declared.address,
                "commune": commune.name,
                "code_postal": (commune.postal_code_list or [""])[0],
                "code_insee": commune.code,
                "commune_ref": commune,
                "latitude": commune.latitude,
                "longitude": commune.longitude,
                "coordinates_approximate": True,
                "collected_by": organisation.name[:200],
                "date_maj": today,
                "structure": organisation,
            },
        )
        if made:
            audit_record(
                actor=actor,
                action="places.created_from_signup",
                obj=place,
                organisation_id=organisation.pk,
            )
            created.append(place)
    return created


def place_program_accept(
    *, actor, place: Place, program, link_source: str = LinkSource.OPERATOR
) -> PlaceProgram:
    link, created = PlaceProgram.objects.get_or_create(
        place=place,
        program=program,
        defaults={
            "link_source": link_source,
            "created_by": actor if actor and actor.is_authenticated else None,
        },
    )
    if created:
        audit_record(
            actor=actor, action="places.program_accepted", obj=link, data={"program": program.pk}
        )
    return link


def place_program_revoke(*, actor, place: Place, program) -> None:
    deleted, _ = PlaceProgram.objects.filter(place=place, program=program).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="places.program_revoked",
            object_type="places.placeprogram",
            object_id=place.pk,
            data={"program": program.pk},
        )


def place_error_report_create(*, place: Place, message: str) -> PlaceErrorReport:
    message = message.strip()
    if not message:
        raise PlacesError("Décrivez ce qui est faux sur la fiche du lieu.")
    return PlaceErrorReport.objects.create(place=place, message=message[:2000])


def place_error_report_handle(
    *, actor, report: PlaceErrorReport, status: str, note: str = ""
) -> PlaceErrorReport:
    if status == ReportStatus.OPEN:
        raise PlacesError("Choisissez « corrigé » ou « sans suite ».")
    updated = PlaceErrorReport.objects.filter(pk=report.pk, status=ReportStatus.OPEN).update(
        status=status, handled_by=actor, handled_at=timezone.now(), handling_note=note
    )
    if not updated:
        raise PlacesError("Ce signalement a déjà été traité.")
    audit_record(actor=actor, action="places.report_handled", obj=report, data={"status": status})
    report.refresh_from_db()
    return report


# --- Claims: "C'est notre lieu" ------------------------------------------------------------


def place_claim_create(*, actor, place: Place, structure, message: str = "") -> PlaceClaim:
    """A structure asks for a place with no structure to be attached to it; the operator
    decides. One pending claim per place."""
    if not structure.is_structure:
        raise PlacesError(
            "Seule une structure de médiation peut demander le rattachement d'un lieu."
        )
    if place.structure_id == structure.pk:
        raise PlacesError(f"« {place.nom} » est déjà rattaché à {structure.name}.")
    if place.structure_id is not None:
        raise PlacesError(
            f"« {place.nom} » est déjà rattaché à une autre structure. Si c'est une erreur, "
            "signalez-la depuis la fiche du lieu (« Signaler une erreur sur ce lieu »)."
        )
    try:
        with transaction.atomic():
            claim = PlaceClaim.objects.create(
                place=place,
                structure=structure,
                message=message.strip()[:2000],
                requested_by=actor if actor is not None and actor.is_authenticated else None,
            )
            audit_record(
                actor=actor,
                action="places.claim_created",
                obj=claim,
                organisation_id=structure.pk,
                data={"place": place.pk},
            )
    except IntegrityError as error:
        raise PlacesError(
            f"Une demande de rattachement de « {place.nom} » est déjà en attente : "
            "l'opérateur va l'examiner."
        ) from error
    return claim


def _claim_decide(*, actor, claim: PlaceClaim, status: str, reason: str = "") -> None:
    updated = PlaceClaim.objects.filter(pk=claim.pk, status=ClaimStatus.PENDING).update(
        status=status,
        decided_by=actor if actor is not None and actor.is_authenticated else None,
        decided_at=timezone.now(),
        refusal_reason=reason,
    )
    if not updated:
        raise PlacesError("Cette demande de rattachement a déjà été traitée.")


def place_claim_approve(*, actor, claim: PlaceClaim) -> PlaceClaim:
    """The place is attached to the structure, only if it still has no structure."""
    with transaction.atomic():
        _claim_decide(actor=actor, claim=claim, status=ClaimStatus.APPROVED)
        attached = Place.objects.filter(pk=claim.place_id, structure__isnull=True).update(
            structure_id=claim.structure_id, updated_at=timezone.now()
        )
        if not attached:
            raise PlacesError(
                f"« {claim.place.nom} » a été rattaché à une structure entre-temps : la demande "
                "ne peut plus être acceptée. Refusez-la en donnant le motif."
            )
        audit_record(
            actor=actor,
            action="places.claim_approved",
            obj=claim,
            organisation_id=claim.structure_id,
            data={"place": claim.place_id},
        )
    claim.refresh_from_db()
    return claim


def place_claim_refuse(*, actor, claim: PlaceClaim, reason: str) -> PlaceClaim:
    reason = reason.strip()
    if not reason:
        raise PlacesError("Motif du refus : écrivez pourquoi, la structure le lira.")
    with transaction.atomic():
        _claim_decide(actor=actor, claim=claim, status=ClaimStatus.REFUSED, reason=reason[:2000])
        audit_record(
            actor=actor,
            action="places.claim_refused",
            obj=claim,
            organisation_id=claim.structure_id,
            data={"place": claim.place_id},
        )
    claim.refresh_from_db()
    return claim


def place_attach(*, actor, place: Place, structure) -> Place:
    """The operator attaches a place with no structure to a structure. A pending claim on the
    place is closed: accepted if it came from that structure, refused otherwise."""
    if not structure.is_structure:
        raise PlacesError("Seule une structure de médiation peut être rattachée à un lieu.")
    with transaction.atomic():
        attached = Place.objects.filter(pk=place.pk, structure__isnull=True).update(
            structure=structure, updated_at=timezone.now()
        )
        if not attached:
            raise PlacesError(
                f"« {place.nom} » est déjà rattaché à une structure : changez-la depuis la page "
                "« Gérer ce lieu »."
            )
        for claim in PlaceClaim.objects.filter(place=place, status=ClaimStatus.PENDING):
            if claim.structure_id == structure.pk:
                _claim_decide(actor=actor, claim=claim, status=ClaimStatus.APPROVED)
            else:
                _claim_decide(
                    actor=actor,
                    claim=claim,
                    status=ClaimStatus.REFUSED,
                    reason=f"L'opérateur a rattaché ce lieu à {structure.name}.",
                )
        audit_record(
            actor=actor,
            action="places.structure_set",
            obj=place,
            organisation_id=structure.pk,
            data={"attached": True},
        )
    place.refresh_from_db()
    return place
