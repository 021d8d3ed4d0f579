import csv
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.services import audit_record
from core.text import normalize_search
from core.uploads import megabytes
from places import dedup
from places.enums import ClaimStatus, LinkSource, MatchStatus, ReportStatus
from places.exceptions import ImportFileUnreadable, PlacesError
from places.models import Place, PlaceClaim, PlaceErrorReport, PlaceMatch, PlaceProgram
from places.standard import (
    FieldError,
    detect_version,
    normalise_phone,
    parse_opening_hours,
    parse_row,
)
from territories.models import Commune, PostalCode

BATCH_SIZE = 2000
IMPORT_MAX_BYTES = 10 * 1024 * 1024
# Fields the importer owns; the structure link and the program links are never touched by it.
STANDARD_MODEL_FIELDS = [
    f.name
    for f in Place._meta.concrete_fields
    if f.name
    not in (
        "id",
        "source",
        "source_id",
        "structure",
        "created_at",
        "updated_at",
        "row_hash",
        "removed_from_source_at",
        "closed",
        "merged_into",
        "record",
        "local_edits",
        "local_edited_at",
    )
]

# The longest cell of a CSV file of places (the csv module's default).
CSV_CELL_MAX = 131_072


@dataclass
class RowProblems:
    """The rules a row of the file broke: the whole row (rejected) or one value (dropped)."""

    line: int
    source_id: str
    errors: list[FieldError]


@dataclass
class ImportReport:
    version: str = ""
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    merged: int = 0
    to_review: int = 0
    rejected_rows: list[RowProblems] = field(default_factory=list)
    warning_rows: list[RowProblems] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    @property
    def dropped_values(self) -> int:
        return sum(len(row.errors) for row in self.warning_rows)

    def counts(self) -> dict[str, int]:
        return {
            "read": self.read,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "closed": self.closed,
            "rejected": self.rejected,
            "merged": self.merged,
            "to_review": self.to_review,
            "dropped_values": self.dropped_values,
        }

    def summary(self) -> str:
        return (
            f"lus : {self.read} ; ajoutés : {self.added} ; mis à jour : {self.updated} ; "
            f"inchangés : {self.unchanged} ; fermés : {self.closed} ; rejetés : {self.rejected} ; "
            f"fusionnés : {self.merged} ; à vérifier : {self.to_review} ; "
            f"valeurs ignorées : {self.dropped_values}"
        )

    def write_csv(self, stream) -> None:
        writer = csv.writer(stream)
        writer.writerow(["ligne", "id", "suite", "champ", "valeur", "règle"])
        for outcome, rows in (
            ("ligne rejetée", self.rejected_rows),
            ("valeur ignorée", self.warning_rows),
        ):
            for row in rows:
                for error in row.errors:
                    writer.writerow(
                        [row.line, row.source_id, outcome, error.field, error.value, error.rule]
                    )


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileUnreadable("Le fichier n'est ni en UTF-8 ni en Windows-1252.")


def import_size_check(size: int) -> None:
    """A file of places is read whole: over IMPORT_MAX_BYTES it is refused before."""
    if size > IMPORT_MAX_BYTES:
        raise ImportFileUnreadable(
            f"Le fichier fait {megabytes(size)} : {megabytes(IMPORT_MAX_BYTES)} au plus. "
            "Coupez-le en plusieurs fichiers (la même source met à jour les mêmes lieux).",
            field="file",
        )


def read_rows(*, content: bytes, name: str = "") -> list[tuple[int, dict]]:
    """(line number, row) pairs from a CSV (line of the row in the file) or a JSON list
    (position in the list, from 1)."""
    import_size_check(len(content))
    text = _decode(content)
    stripped = text.lstrip()
    if name.lower().endswith(".json") or stripped[:1] in ("[", "{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImportFileUnreadable(
                f"JSON illisible, ligne {error.lineno} : {error.msg}."
            ) from error
        except RecursionError as error:
            raise ImportFileUnreadable(
                "JSON illisible : trop de crochets ou d'accolades imbriqués. Le standard attend "
                "une liste de lieux, chacun un objet à un niveau."
            ) from error
        if isinstance(data, dict):
            data = data.get("data") or data.get("lieux") or []
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ImportFileUnreadable("Le JSON doit être une liste de lieux (objets).")
        return [(index, item) for index, item in enumerate(data, start=1)]
    first_line = stripped.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    # The limit is the csv module's, process-wide: libraries change it (frictionless does at
    # import), so it is set again for each file.
    csv.field_size_limit(CSV_CELL_MAX)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if not reader.fieldnames or "id" not in reader.fieldnames:
        raise ImportFileUnreadable(
            "La première ligne doit donner les noms des colonnes du standard (id, pivot, nom…)."
        )
    rows = []
    line = reader.line_num + 1
    try:
        for row in reader:
            rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            limit = f"{CSV_CELL_MAX:,}".replace(",", " ")
            raise ImportFileUnreadable(
                f"CSV illisible à partir de la ligne {line} : une case dépasse {limit} "
                "caractères (un guillemet sans guillemet fermant, le plus souvent)."
            ) from error
        raise ImportFileUnreadable(
            f"CSV illisible à partir de la ligne {line} : {error}."
        ) from error
    return rows


def _row_hash(values: dict) -> str:
    return hashlib.sha256(
        json.dumps(values, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


class _CommuneResolver:
    def __init__(self, valid: list[dict]):
        codes = {v["code_insee"] for v in valid if v["code_insee"]}
        columns = ("code", "latitude", "longitude", "search_name")
        communes = Commune.objects.only(*columns)
        self.by_code = {c.code: c for c in communes.filter(code__in=codes)}
        postal = {v["code_postal"] for v in valid}
        self.by_postal: dict[str, list[Commune]] = {}
        rows = PostalCode.objects.filter(code__in=postal).select_related("commune")
        for row in rows.only("code", *(f"commune__{name}" for name in columns)):
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
    With a source named, the file is that source's whole list: its places missing from the
    file are marked closed (never deleted), and come back if a later file lists them again.
    A dry run computes the same report and writes nothing."""
    rows = read_rows(content=content, name=name)
    report = ImportReport()
    if not rows:
        return report
    report.version = detect_version(rows[0][1].keys())
    valid: list[dict] = []
    seen: set[tuple[str, str]] = set()
    listed: set[str] = set()
    for line, row in rows:
        report.read += 1
        parsed = parse_row(row, version=report.version)
        values, errors = parsed.values, parsed.errors
        values["source"] = (source or values["collected_by"] or "import")[:100]
        listed.add(values["source_id"])
        key = (values["source"], values["source_id"])
        if values["source_id"] and key in seen:
            errors.append(
                FieldError("id", values["source_id"], "identifiant en double dans le fichier")
            )
        if errors:
            report.rejected_rows.append(RowProblems(line, values["source_id"], errors))
            continue
        if parsed.warnings:
            report.warning_rows.append(RowProblems(line, values["source_id"], parsed.warnings))
        seen.add(key)
        valid.append(values)
    resolver = _CommuneResolver(valid)
    touched: set[int] = set()
    with transaction.atomic():
        for start in range(0, len(valid), BATCH_SIZE):
            touched |= _upsert_batch(valid[start : start + BATCH_SIZE], resolver, report)
        closed: list[int] = []
        if source and valid:
            closed = _close_missing(source=source, listed=listed)
            report.closed = len(closed)
        if touched or closed:
            outcome = places_deduplicate(place_ids=touched, closed_ids=closed)
            report.merged, report.to_review = outcome
        if actor is not None or report.added or report.updated or report.closed:
            audit_record(
                actor=actor,
                action="places.import",
                object_type="places.place",
                data={"source": source, **report.counts()},
            )
        if dry_run:
            transaction.set_rollback(True)
    return report


def _save_fields(places: list[Place], names: list[str]) -> None:
    """One UPDATE per place, sent as a batch (Django's bulk_update builds a CASE per field
    and place, far slower on thousands of places)."""
    if not places:
        return
    fields = [Place._meta.get_field(name) for name in names]
    columns = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    table = connection.ops.quote_name(Place._meta.db_table)
    # Names come from the model, every value is a parameter.
    sql = f"UPDATE {table} SET {columns} WHERE id = %s"  # noqa: S608
    params = [
        [f.get_db_prep_save(getattr(place, f.attname), connection) for f in fields] + [place.pk]
        for place in places
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH_SIZE):
            cursor.executemany(sql, params[start : start + BATCH_SIZE])


def _json_safe(values: dict) -> dict:
    return {
        name: value.isoformat() if isinstance(value, dt.date) else value
        for name, value in values.items()
    }


def _upsert_batch(batch: list[dict], resolver: _CommuneResolver, report: ImportReport) -> set[int]:
    """Creates and updates the records of a batch; returns the ids of those that changed."""
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
            to_create.append(Place(**values, record=_json_safe(values), row_hash=row_hash))
            continue
        if place.row_hash == row_hash and place.removed_from_source_at is None:
            report.unchanged += 1
            continue
        for name, value in values.items():
            setattr(place, name, value)
        place.record = _json_safe(values)
        place.row_hash = row_hash
        place.removed_from_source_at = None
        place.closed = False
        place.updated_at = timezone.now()
        to_update.append(place)
    Place.objects.bulk_create(to_create, batch_size=500)
    report.added += len(to_create)
    if to_update:
        fields = [*STANDARD_MODEL_FIELDS, "record", "row_hash", "removed_from_source_at", "closed"]
        fields.append("updated_at")
        _save_fields(to_update, fields)
        report.updated += len(to_update)
    return {place.pk for place in to_create} | {place.pk for place in to_update}


def _close_missing(*, source: str, listed: set[str]) -> list[int]:
    """The places of `source` its new file no longer lists: marked as removed and closed."""
    current = Place.objects.filter(source=source, removed_from_source_at__isnull=True)
    ids = [
        pk for pk, source_id in current.values_list("pk", "source_id") if source_id not in listed
    ]
    now = timezone.now()
    for start in range(0, len(ids), BATCH_SIZE):
        Place.objects.filter(pk__in=ids[start : start + BATCH_SIZE]).update(
            removed_from_source_at=now, closed=True, updated_at=now
        )
    return ids


def places_import_file(*, path: Path, source: str = "", actor=None) -> ImportReport:
    """A file on disk; with no source given, its name (without extension) is the source."""
    source = source or Path(path).stem
    import_size_check(Path(path).stat().st_size)
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


# --- The same place in several sources ------------------------------------------------------

RECORD_FIELDS = [
    "commune_ref_id" if name == "commune_ref" else name for name in STANDARD_MODEL_FIELDS
]
_SCORED_COLUMNS = (
    "pk",
    "source",
    "nom",
    "adresse",
    "code_insee",
    "commune_ref_id",
    "latitude",
    "longitude",
    "coordinates_approximate",
    "pivot",
    "telephone",
    "commune",
    "merged_into_id",
)
_NEAR_DEGREES = 0.003


def _scoring_records(queryset) -> dict[int, dedup.Record]:
    """Records as their source gave them (a public place that merges others shows merged
    values in its columns: its own are in `record`)."""
    rows = list(queryset.values_list(*_SCORED_COLUMNS))
    merged_heads = set(
        Place.objects.filter(merged_into__isnull=False).values_list("merged_into_id", flat=True)
    )
    heads = sorted(merged_heads & {row[0] for row in rows})
    own = {}
    for start in range(0, len(heads), BATCH_SIZE):
        chunk = heads[start : start + BATCH_SIZE]
        own.update(Place.objects.filter(pk__in=chunk).values_list("pk", "record"))
    records = {}
    for pk, source, nom, adresse, insee, ref, lat, lon, approx, pivot, phone, commune, _ in rows:
        if pk in own and own[pk]:
            values = own[pk]
            nom, adresse, insee, ref = (
                values.get("nom", nom),
                values.get("adresse", adresse),
                values.get("code_insee", insee),
                values.get("commune_ref_id", ref),
            )
            lat, lon = values.get("latitude", lat), values.get("longitude", lon)
            approx = values.get("coordinates_approximate", approx)
            pivot, phone = values.get("pivot", pivot), values.get("telephone", phone)
            commune = values.get("commune", commune)
        records[pk] = dedup.Record(
            pk=pk,
            source=source,
            name=nom,
            address=adresse,
            insee=insee or ref or "",
            latitude=lat,
            longitude=lon,
            exact_position=not approx,
            pivot=pivot,
            phone=phone,
            commune=commune,
        )
    return records


def places_deduplicate(*, place_ids, closed_ids=()) -> tuple[int, int]:
    """Scores the records `place_ids` against the open records of other sources nearby,
    records the pairs (merged above the threshold, waiting for the operator between the
    thresholds; the operator's decisions are kept), then rebuilds the public places they
    belong to. Returns (records of `place_ids` now merged with another source, pairs to
    review)."""
    place_ids = set(place_ids)
    open_places = Place.objects.filter(removed_from_source_at__isnull=True)
    targets = _scoring_records(open_places.filter(pk__in=place_ids))
    codes = {record.insee for record in targets.values() if record.insee}
    near = Q(code_insee__in=codes) | Q(commune_ref_id__in=codes)
    exact = [r for r in targets.values() if r.exact_position and r.latitude is not None]
    if exact:
        near |= Q(
            coordinates_approximate=False,
            latitude__range=(
                min(r.latitude for r in exact) - _NEAR_DEGREES,
                max(r.latitude for r in exact) + _NEAR_DEGREES,
            ),
            longitude__range=(
                min(r.longitude for r in exact) - _NEAR_DEGREES,
                max(r.longitude for r in exact) + _NEAR_DEGREES,
            ),
        )
    pool = _scoring_records(open_places.filter(near)) | targets
    pairs = dedup.candidate_pairs(list(targets.values()), list(pool.values()))
    involved = place_ids | set(closed_ids)
    existing = {
        (match.place_a_id, match.place_b_id): match
        for match in PlaceMatch.objects.filter(
            Q(place_a_id__in=involved) | Q(place_b_id__in=involved)
        )
    }
    decided = (MatchStatus.CONFIRMED, MatchStatus.SPLIT)
    to_create, to_update, to_delete = [], [], []
    for a, b in pairs:
        result = dedup.score(pool[a], pool[b])
        fields = {
            "score": result.total,
            "name_score": result.name,
            "address_score": result.address,
            "distance_m": result.distance_m,
        }
        match = existing.pop((a, b), None)
        status = (
            MatchStatus.MERGED if result.merge else MatchStatus.PENDING if result.review else None
        )
        if match is not None and match.status in decided:
            status = match.status
        if status is None:
            if match is not None:
                to_delete.append(match.pk)
            continue
        if match is None:
            to_create.append(PlaceMatch(place_a_id=a, place_b_id=b, status=status, **fields))
            continue
        for name, value in fields.items():
            setattr(match, name, value)
        match.status = status
        to_update.append(match)
    # Pairs of a changed record that no longer look alike, unless the operator decided.
    for (a, b), match in existing.items():
        if match.status not in decided and (a in targets or b in targets):
            to_delete.append(match.pk)
    PlaceMatch.objects.filter(pk__in=to_delete).delete()
    PlaceMatch.objects.bulk_create(to_create, batch_size=500)
    PlaceMatch.objects.bulk_update(
        to_update, ["score", "name_score", "address_score", "distance_m", "status"], batch_size=500
    )
    in_groups = _regroup(involved)
    to_review = sum(
        1
        for match in [*to_create, *to_update]
        if match.status == MatchStatus.PENDING
        and (match.place_a_id in place_ids or match.place_b_id in place_ids)
    )
    return len(place_ids & in_groups), to_review


_SAME = (MatchStatus.MERGED, MatchStatus.CONFIRMED)


def _connected(place_ids: set[int]) -> set[int]:
    """The records linked to `place_ids` by a merge, now or before this change."""
    seen, frontier = set(), set(place_ids)
    while frontier:
        seen |= frontier
        links = PlaceMatch.objects.filter(status__in=_SAME).filter(
            Q(place_a_id__in=frontier) | Q(place_b_id__in=frontier)
        )
        found = {pk for pair in links.values_list("place_a_id", "place_b_id") for pk in pair}
        for head, member in Place.objects.filter(
            Q(pk__in=frontier) | Q(merged_into_id__in=frontier)
        ).values_list("merged_into_id", "pk"):
            found.add(member)
            if head:
                found.add(head)
        found |= set(
            Place.objects.filter(merged_into_id__in=found - seen).values_list("pk", flat=True)
        )
        frontier = found - seen
    return seen


def _regroup(place_ids: set[int]) -> set[int]:
    """Rebuilds the public places of these records: who merges into whom, and the merged
    values (each field from the freshest record, then the local edits). Returns the records
    that share their public place with another one."""
    if not place_ids:
        return set()
    members = _connected(set(place_ids))
    light = {
        pk: (source, head, edited)
        for pk, source, head, edited in Place.objects.filter(pk__in=members).values_list(
            "pk", "source", "merged_into_id", "local_edited_at"
        )
    }
    links = PlaceMatch.objects.filter(
        status__in=_SAME, place_a_id__in=members, place_b_id__in=members
    )
    edges = [
        (score + (1000 if status == MatchStatus.CONFIRMED else 0), a, b)
        for a, b, score, status in links.values_list("place_a_id", "place_b_id", "score", "status")
    ]
    grouped = dedup.groups({pk: source for pk, (source, _, _) in light.items()}, edges)
    former_heads = {head for _, head, _ in light.values() if head}
    # A record alone, never merged nor edited, already shows its source's values.
    grouped = {
        head: group
        for head, group in grouped.items()
        if len(group) > 1 or head in former_heads or light[head][1] or light[head][2]
    }
    needed = [pk for group in grouped.values() for pk in group]
    places = {place.pk: place for place in Place.objects.filter(pk__in=needed)}
    fields = [*STANDARD_MODEL_FIELDS, "merged_into", "closed"]
    attnames = [Place._meta.get_field(f).attname for f in fields]
    before = {pk: [getattr(p, name) for name in attnames] for pk, p in places.items()}
    moves: dict[int, int] = {}
    for head, group in grouped.items():
        for pk in group:
            places[pk].merged_into_id = None if pk == head else head
            if pk != head:
                moves[pk] = head
        public = places[head]
        records = [places[pk] for pk in group]
        open_records = [p for p in records if p.removed_from_source_at is None] or records
        if len(group) == 1 and not public.local_edits:
            values = dict(public.record)
        else:
            values = dedup.merge_records(
                [(_record_date(p.record), p.pk, p.record) for p in open_records if p.record],
                RECORD_FIELDS,
            )
            _apply_edits(values, public, open_records)
        for name, value in values.items():
            if name in RECORD_FIELDS:
                setattr(public, name, _record_date(value) if name == "date_maj" else value)
        public.closed = all(p.removed_from_source_at is not None for p in records)
        for pk in group[1:]:
            places[pk].closed = places[pk].removed_from_source_at is not None
    _move_links(moves, places)
    by_fields: dict[tuple[str, ...], list[Place]] = {}
    for pk, place in places.items():
        after = [getattr(place, name) for name in attnames]
        changed = tuple(
            f for f, old, new in zip(fields, before[pk], after, strict=True) if old != new
        )
        if changed:
            by_fields.setdefault(changed, []).append(place)
    for changed, group in by_fields.items():
        _save_fields(group, list(changed))
    return {pk for group in grouped.values() if len(group) > 1 for pk in group}


def _record_date(value) -> dt.date | None:
    if isinstance(value, dict):
        value = value.get("date_maj")
    if isinstance(value, dt.date) or value is None:
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _apply_edits(values: dict, public: Place, records: list[Place]) -> None:
    """The fields corrected on passnum win, even emptied, unless a source updated that field
    after the correction."""
    if not public.local_edits or public.local_edited_at is None:
        return
    day = timezone.localdate(public.local_edited_at)
    for name, value in public.local_edits.items():
        newer = any(
            (_record_date(p.record) or dt.date.min) > day and not dedup.is_empty(p.record.get(name))
            for p in records
        )
        if not newer:
            values[name] = value
    current = _record_date(values.get("date_maj"))
    values["date_maj"] = max(current, day) if current else day


def _move_links(moves: dict[int, int], places: dict[int, Place]) -> None:
    """Programs accepted and the structure of merged records (`moves`: record -> public
    place) go to the public place."""
    if not moves:
        return
    links = list(PlaceProgram.objects.filter(place_id__in=moves))
    if links:
        accepted = set(
            PlaceProgram.objects.filter(place_id__in=set(moves.values())).values_list(
                "place_id", "program_id"
            )
        )
        for link in links:
            head = moves[link.place_id]
            if (head, link.program_id) in accepted:
                link.delete()
            else:
                link.place_id = head
                link.save(update_fields=["place"])
                accepted.add((head, link.program_id))
    for pk, head in moves.items():
        public = places[head]
        if public.structure_id is None and places[pk].structure_id is not None:
            public.structure_id = places[pk].structure_id
            public.save(update_fields=["structure"])


def place_match_decide(*, actor, match: PlaceMatch, same: bool) -> PlaceMatch:
    """The operator says whether two records are the same place. The decision is kept (the
    next imports apply it again) and the public places are rebuilt at once."""
    status = MatchStatus.CONFIRMED if same else MatchStatus.SPLIT
    with transaction.atomic():
        updated = PlaceMatch.objects.filter(pk=match.pk).update(
            status=status,
            decided_by=actor if actor is not None and actor.is_authenticated else None,
            decided_at=timezone.now(),
        )
        if not updated:
            raise PlacesError("Cette paire de lieux n'existe plus : rechargez la page.")
        _regroup({match.place_a_id, match.place_b_id})
        audit_record(
            actor=actor,
            action="places.match_confirmed" if same else "places.match_split",
            obj=match,
            data={"places": [match.place_a_id, match.place_b_id]},
        )
    match.refresh_from_db()
    return match


EDITABLE_FIELDS = (
    "horaires",
    "telephone",
    "courriels",
    "site_web",
    "fiche_acces_libre",
    "prise_en_charge_specifique",
    "services",
)
# Contact values are not copied into the journal (an address may name a person).
_JOURNAL_VALUES = ("horaires", "fiche_acces_libre", "prise_en_charge_specifique", "services")


def place_edit(*, actor, place: Place, changes: dict, report: PlaceErrorReport | None = None):
    """A structure corrects its place, or the operator any place: the corrected fields are kept
    as passnum's own record (the freshest until a source publishes a newer date), the change is
    journaled, and the error report it answers is closed as fixed. Returns the changed fields."""
    if place.merged_into_id:
        place = Place.objects.get(pk=place.merged_into_id)
    if report is not None and (report.place_id != place.pk or report.status != ReportStatus.OPEN):
        raise PlacesError("Ce signalement ne concerne pas ce lieu ou a déjà été traité.")
    values = {name: changes[name] for name in EDITABLE_FIELDS if name in changes}
    if "telephone" in values and values["telephone"]:
        phone = normalise_phone(values["telephone"], place.code_postal)
        if not phone:
            raise PlacesError(
                "Téléphone : un numéro français à 10 chiffres (0262 12 34 56) ou international "
                "(+262262123456).",
                field="telephone",
            )
        values["telephone"] = phone
    if "horaires" in values:
        values["horaires_valid"] = parse_opening_hours(values["horaires"]) is not None
    changed = {
        name: (getattr(place, name), value)
        for name, value in values.items()
        if getattr(place, name) != value and name != "horaires_valid"
    }
    if not changed:
        raise PlacesError("Rien n'a changé sur la fiche : modifiez au moins un champ.")
    with transaction.atomic():
        locked = Place.objects.select_for_update().get(pk=place.pk)
        locked.local_edits = {**locked.local_edits, **values}
        locked.local_edited_at = timezone.now()
        locked.save(update_fields=["local_edits", "local_edited_at", "updated_at"])
        _regroup({locked.pk})
        audit_record(
            actor=actor,
            action="places.edited",
            obj=locked,
            organisation_id=locked.structure_id,
            data={
                "fields": sorted(changed),
                "values": {
                    name: {"avant": before, "après": after}
                    for name, (before, after) in changed.items()
                    if name in _JOURNAL_VALUES
                },
                **({"report": report.pk} if report is not None else {}),
            },
        )
        if report is not None:
            place_error_report_handle(
                actor=actor,
                report=report,
                status=ReportStatus.FIXED,
                note="Corrigé sur la fiche : " + ", ".join(sorted(changed)) + ".",
            )
    place.refresh_from_db()
    return sorted(changed)
