"""A whole program written to a ZIP archive (CSV and JSON tables, a manifest of SHA-256
checksums, a README of the format) and loaded back into another instance: what makes a
program survive a change of operator (DOMAIN.md, seed 003).

`program_export` reads the program's rows table by table (portability.tables), names every
row and every reference by a stable identifier, never a database id, and writes the rows in
a stable order: the same database gives the same bytes. `program_import` checks the
checksums, then inserts the rows in the order of the tables, resolving identifiers to the
receiving database's ids. An import restores what happened: rows are inserted as they were
(dates included), not replayed through the services, and the database constraints hold."""

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import uuid
import zipfile
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q

from accompaniments.models import Participant, SatisfactionSurvey, Session
from accounts.models import Membership, Organisation, User
from beneficiaries.models import Beneficiary, BeneficiaryStructure, Diagnostic, Orientation
from beneficiaries.services import identity_key
from controls.models import ControlFinding
from core.text import normalize_search, spreadsheet_safe
from places.models import Place, PlaceMatch, PlaceProgram
from portability.exceptions import PortabilityError
from portability.readme import readme
from portability.tables import KINDS, TABLES, Col, Table
from programs.models import (
    Agreement,
    Application,
    Call,
    FundingCommitment,
    PrescriberQuota,
    Program,
    Review,
    Track,
)
from settlement.models import Claim, FunderDocument, PaymentBatch, PricingLine, Transfer
from territories.models import Commune, Departement
from vouchers.models import Allowance, Carnet, SerialCounter, Unit, UnitEvent
from vouchers.services import anonymous_identity

FORMAT = "passnum-program-archive"
VERSION = 2
# Version 1 had no place_matches table and fewer columns (habilitation, place states,
# retention, age band…): what it lacks takes the model's default.
READABLE_VERSIONS = (1, 2)
TABLES_ADDED_IN = {"place_matches": 2}
# Every file of a ZIP gets this date: the same rows give the same archive.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def code_key_id(key: str | None = None) -> str:
    """Names the key that hashes secret codes (PASSNUM_CODE_HMAC_KEY) without revealing it."""
    key = settings.PASSNUM_CODE_HMAC_KEY if key is None else key
    return hmac.new(key.encode(), b"passnum-code-key-id", hashlib.sha256).hexdigest()[:16]


# --- Values -------------------------------------------------------------------------------


def _json_value(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        # Keys in one order whatever the database (PostgreSQL's jsonb reorders them).
        return {key: _json_value(value[key]) for key in sorted(value)}
    return value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return spreadsheet_safe(value)


def _model_value(model_field: models.Field, value):
    if value is None:
        return None
    if isinstance(model_field, models.DateTimeField):
        return dt.datetime.fromisoformat(value)
    if isinstance(model_field, models.DateField):
        return dt.date.fromisoformat(value)
    if isinstance(model_field, models.UUIDField):
        return uuid.UUID(value)
    return value


def _is_identifier(table: Table, column: Col) -> bool:
    """The column that names the table's own rows without being a field (organisation, place,
    event, claim)."""
    return column.name == table.kind and not _has_field(table.model, column.model_field)


def _has_field(model, name: str) -> bool:
    if "__" in name:
        return True  # a lookup through a relation (line__event)
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _organisation_key(siret, rna) -> str:
    return siret or rna


def _place_key(source, source_id) -> str:
    return f"{source}:{source_id}"


def _claim_key(structure: str, program: str, month) -> str:
    return f"{structure}|{program}|{_json_value(month)}"


# --- Export --------------------------------------------------------------------------------


def _selections(program: Program) -> dict[str, models.QuerySet]:
    """The rows of each table that belong to the program (shared tables come after)."""
    people = Beneficiary.objects.filter(
        Q(carnets__program=program)
        | Q(diagnostics__program=program)
        | Q(participations__session__program=program)
        | Q(pk__in=SatisfactionSurvey.objects.filter(program=program).values("beneficiary_id"))
    ).distinct()
    batches = PaymentBatch.objects.filter(
        Q(transfers__lines__program=program)
        | Q(pk__in=FunderDocument.objects.filter(program=program).values("batch_id"))
    ).distinct()
    return {
        "program": Program.objects.filter(pk=program.pk),
        "tracks": Track.objects.filter(program=program),
        "commitments": FundingCommitment.objects.filter(program=program),
        "quotas": PrescriberQuota.objects.filter(program=program),
        "place_programs": PlaceProgram.objects.filter(program=program),
        "calls": Call.objects.filter(program=program),
        "applications": Application.objects.filter(call__program=program),
        "reviews": Review.objects.filter(application__call__program=program),
        "agreements": Agreement.objects.filter(program=program),
        "beneficiaries": people,
        "beneficiary_structures": BeneficiaryStructure.objects.filter(beneficiary__in=people),
        "orientations": Orientation.objects.filter(beneficiary__in=people),
        "diagnostics": Diagnostic.objects.filter(program=program),
        "surveys": SatisfactionSurvey.objects.filter(program=program),
        "serial_counter": SerialCounter.objects.filter(program=program),
        "allowances": Allowance.objects.filter(program=program),
        "carnets": Carnet.objects.filter(program=program),
        "units": Unit.objects.filter(program=program),
        "sessions": Session.objects.filter(program=program),
        "participants": Participant.objects.filter(session__program=program),
        "unit_events": UnitEvent.objects.filter(unit__program=program),
        "claims": Claim.objects.filter(program=program),
        "payment_batches": batches,
        "transfers": Transfer.objects.filter(lines__program=program).distinct(),
        "pricing_lines": PricingLine.objects.filter(program=program),
        "control_findings": ControlFinding.objects.filter(line__program=program),
        "funder_documents": FunderDocument.objects.filter(program=program),
    }


# Tables whose rows are exported because the program's rows refer to them.
_REFERRED = ("organisations", "users", "memberships", "places", "place_matches")


def _value_fields(table: Table) -> list[str]:
    names = ["pk"]
    for column in table.columns:
        if column.many or _is_identifier(table, column):
            continue
        names.append(column.model_field)
    names += list(table.extra)
    return names


@dataclass
class _Export:
    program: Program
    pseudonymise: bool
    raw: dict[str, list[dict]] = field(default_factory=dict)
    many: dict[tuple[str, str], dict[int, list]] = field(default_factory=dict)
    keys: dict[str, dict] = field(default_factory=lambda: defaultdict(dict))

    def read(self) -> None:
        selections = _selections(self.program)
        for table in TABLES:
            if table.name in _REFERRED:
                continue
            self.raw[table.name] = list(
                selections[table.name].order_by("pk").values(*_value_fields(table))
            )
        self._read_shared()
        for table in TABLES:
            for column in table.columns:
                if column.many:
                    self._read_many(table, column)

    def _refs(self, kind: str) -> set:
        found = set()
        for table in TABLES:
            for column in table.columns:
                if column.ref == kind and not column.many and table.name in self.raw:
                    found |= {row[column.model_field] for row in self.raw[table.name]}
        found.discard(None)
        return found

    def _read_shared(self) -> None:
        tables = {table.name: table for table in TABLES}
        wanted = self._refs("place") | self._agreement_places()
        fields = _value_fields(tables["places"])
        places = list(Place.objects.filter(pk__in=wanted).values(*fields))
        # The public place a record was merged into comes too (it has no such link itself).
        heads = {row["merged_into"] for row in places} - wanted - {None}
        places += Place.objects.filter(pk__in=heads).values(*fields)
        self.raw["places"] = sorted(places, key=itemgetter("pk"))
        exported = [row["pk"] for row in self.raw["places"]]
        self.raw["place_matches"] = list(
            PlaceMatch.objects.filter(place_a__in=exported, place_b__in=exported)
            .order_by("pk")
            .values(*_value_fields(tables["place_matches"]))
        )
        organisations = self._refs("organisation")
        organisations |= {row["structure"] for row in self.raw["places"]} - {None}
        self.raw["organisations"] = list(
            Organisation.objects.filter(pk__in=organisations)
            .order_by("pk")
            .values(*_value_fields(tables["organisations"]))
        )
        memberships = Membership.objects.filter(organisation__in=organisations)
        self.raw["memberships"] = list(
            memberships.order_by("pk").values(*_value_fields(tables["memberships"]))
        )
        users = self._refs("user") | {row["user"] for row in self.raw["memberships"]}
        self.raw["users"] = list(
            User.objects.filter(pk__in=users).order_by("pk").values(*_value_fields(tables["users"]))
        )

    def _agreement_places(self) -> set[int]:
        return set(
            Agreement.places.through.objects.filter(agreement__program=self.program).values_list(
                "place_id", flat=True
            )
        ) | set(
            Application.places.through.objects.filter(
                application__call__program=self.program
            ).values_list("place_id", flat=True)
        )

    def _read_many(self, table: Table, column: Col) -> None:
        relation = table.model._meta.get_field(column.model_field)
        through = relation.remote_field.through
        source = relation.m2m_field_name()
        target = relation.m2m_reverse_field_name()
        found: dict[int, list] = defaultdict(list)
        pks = [row["pk"] for row in self.raw[table.name]]
        rows = through.objects.filter(**{f"{source}__in": pks}).order_by("pk")
        for owner, value in rows.values_list(f"{source}_id", f"{target}_id"):
            found[owner].append(value)
        self.many[table.name, column.name] = found

    # Identifiers ------------------------------------------------------------------------

    def name_rows(self) -> None:
        """pk -> identifier for every table whose rows are referred to."""
        for row in self.raw["organisations"]:
            self.keys["organisation"][row["pk"]] = _organisation_key(row["siret"], row["rna"])
        for row in self.raw["users"]:
            self.keys["user"][row["pk"]] = row["email"]
        for row in self.raw["places"]:
            self.keys["place"][row["pk"]] = _place_key(row["source"], row["source_id"])
        self.keys["program"][self.program.pk] = self.program.slug
        for row in self.raw["tracks"]:
            self.keys["track"][row["pk"]] = row["name"]
        for kind, table_name in (
            ("call", "calls"),
            ("application", "applications"),
            ("beneficiary", "beneficiaries"),
            ("session", "sessions"),
        ):
            for row in self.raw[table_name]:
                self.keys[kind][row["pk"]] = str(row["uuid"])
        for row in self.raw["carnets"]:
            self.keys["carnet"][row["pk"]] = row["number"]
        for row in self.raw["units"]:
            self.keys["unit"][row["pk"]] = row["serial"]
        rank: dict[int, int] = defaultdict(int)
        events = sorted(
            self.raw["unit_events"], key=lambda row: (row["unit"], row["at"], row["pk"])
        )
        for row in events:
            rank[row["unit"]] += 1
            self.keys["event"][row["pk"]] = (
                f"{self.keys['unit'][row['unit']]}#{rank[row['unit']]:04d}"
            )
        for row in self.raw["claims"]:
            self.keys["claim"][row["pk"]] = _claim_key(
                self.keys["organisation"][row["structure"]], self.program.slug, row["month"]
            )
        for row in self.raw["payment_batches"]:
            self.keys["batch"][row["pk"]] = row["message_id"]
        for row in self.raw["transfers"]:
            self.keys["transfer"][row["pk"]] = row["end_to_end_id"]
        people = {row["pk"]: row for row in self.raw["beneficiaries"]}
        by_identity: dict[str, str] = {}
        for pk, key in self.keys["beneficiary"].items():
            identity = people[pk]["identity_key"]
            if identity:  # empty once the record was made anonymous
                by_identity[identity] = min(by_identity.get(identity, key), key)
        self.keys["identity"] = by_identity
        self.participants = {
            row["pk"]: f"{self.keys['session'][row['session']]}/"
            f"{self.keys['beneficiary'][row['beneficiary']]}"
            for row in self.raw["participants"]
        }

    def ref(self, kind: str, value):
        if value is None:
            return None
        if kind in ("commune", "departement"):
            return value
        if kind == "beneficiary" and isinstance(value, str):
            # An allowance names a person by identity; none once every record of that
            # person was made anonymous.
            return self.keys["identity"].get(value)
        return self.keys[kind][value]

    def _event_data(self, data: dict) -> dict:
        data = dict(data)
        if "session" in data:
            data["session"] = self.keys["session"].get(data["session"])
        if "participant" in data:
            data["participant"] = self.participants.get(data["participant"])
        return data

    def rows(self, table: Table) -> list[dict]:
        rows = []
        for raw in self.raw[table.name]:
            row = {}
            for column in table.columns:
                if _is_identifier(table, column):
                    row[column.name] = self.keys[table.kind][raw["pk"]]
                elif column.many:
                    values = self.many[table.name, column.name].get(raw["pk"], [])
                    row[column.name] = sorted(self.ref(column.ref, value) for value in values)
                elif column.ref:
                    row[column.name] = self.ref(column.ref, raw[column.model_field])
                else:
                    row[column.name] = _json_value(raw[column.model_field])
            if table.name == "unit_events":
                row["data"] = self._event_data(row["data"])
            if table.name == "place_matches" and row["place_a"] > row["place_b"]:
                row["place_a"], row["place_b"] = row["place_b"], row["place_a"]
            if self.pseudonymise:
                _pseudonymise(table, row)
            rows.append(row)
        if table.order:
            rows.sort(key=lambda row: tuple(str(row[name] or "") for name in table.order))
        return rows


def _pseudonymise(table: Table, row: dict) -> None:
    if table.name == "beneficiaries":
        row["first_name"] = "Personne"
        row["last_name"] = f"P-{row['uuid'][:8].upper()}"
        if row["birth_date"]:  # none once the person's record was made anonymous
            row["birth_date"] = row["birth_date"][:4] + "-01-01"
        row["phone"] = row["email"] = ""
    elif table.name == "orientations":
        row["person_name"] = f"Personne P-{(row['beneficiary'] or '')[:8].upper()}"
        row["need"] = ""


def _csv(table: Table, rows: list[dict]) -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([column.name for column in table.columns])
    for row in rows:
        writer.writerow([_cell(row[column.name]) for column in table.columns])
    return stream.getvalue().encode()


def _json(rows: list[dict]) -> bytes:
    return (json.dumps(rows, ensure_ascii=False, indent=1) + "\n").encode()


@dataclass(frozen=True)
class Archive:
    content: bytes
    manifest: dict


def program_export(*, program: Program, pseudonymise: bool = False) -> Archive:
    """The program as a ZIP archive (see portability.readme for the format)."""
    export = _Export(program=program, pseudonymise=pseudonymise)
    export.read()
    export.name_rows()
    files: dict[str, bytes] = {}
    counts: dict[str, int] = {}
    for table in TABLES:
        rows = export.rows(table)
        counts[table.name] = len(rows)
        files[f"data/{table.name}.csv"] = _csv(table, rows)
        files[f"data/{table.name}.json"] = _json(rows)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "program": program.slug,
        "pseudonymised": pseudonymise,
        "code_hash": {"algorithm": "HMAC-SHA-256", "key_id": code_key_id()},
        "tables": counts,
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in sorted(files.items())
        },
    }
    files["manifest.json"] = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    files["README.md"] = readme().encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return Archive(content=buffer.getvalue(), manifest=manifest)


# --- Import --------------------------------------------------------------------------------


def archive_read(content: bytes) -> tuple[dict, dict[str, list[dict]]]:
    """The manifest and the rows of each table, once every file matches its checksum."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        manifest = json.loads(archive.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise PortabilityError(
            "Archive illisible : ce n'est pas une archive de programme passnum (ZIP avec "
            "manifest.json)."
        ) from error
    if manifest.get("format") != FORMAT or manifest.get("version") not in READABLE_VERSIONS:
        raise PortabilityError(
            f"Archive refusée : format {manifest.get('format')} version "
            f"{manifest.get('version')}, attendu {FORMAT} version "
            f"{' ou '.join(map(str, READABLE_VERSIONS))}."
        )
    names = set(archive.namelist())
    for name, expected in manifest["files"].items():
        if name not in names:
            raise PortabilityError(f"Archive incomplète : le fichier {name} manque.")
        if hashlib.sha256(archive.read(name)).hexdigest() != expected["sha256"]:
            raise PortabilityError(
                f"Archive abîmée : le fichier {name} ne correspond pas à sa somme SHA-256 "
                "du manifeste. Demandez une nouvelle archive."
            )
    tables = {}
    for table in TABLES:
        name = f"data/{table.name}.json"
        if name in manifest["files"]:
            tables[table.name] = json.loads(archive.read(name))
        elif manifest["version"] < TABLES_ADDED_IN.get(table.name, 1):
            tables[table.name] = []
        else:
            raise PortabilityError(f"Archive incomplète : la table {table.name} manque.")
    return manifest, tables


@contextmanager
def _dates_as_given(models_list):
    """Inserted rows keep their dates: auto_now and auto_now_add are off for the block."""
    fields = [
        model_field
        for model in models_list
        for model_field in model._meta.concrete_fields
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)
    ]
    saved = [(model_field.auto_now, model_field.auto_now_add) for model_field in fields]
    for model_field in fields:
        model_field.auto_now = model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field, (now, now_add) in zip(fields, saved, strict=True):
            model_field.auto_now, model_field.auto_now_add = now, now_add


@dataclass
class ImportReport:
    program: str
    created: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    key_id: str = ""
    same_key: bool = True

    def lines(self) -> list[str]:
        lines = [f"Programme {self.program} :"]
        for table in TABLES:
            kept = self.kept.get(table.name)
            lines.append(
                f"  - {table.name} : {self.created.get(table.name, 0)} créé(s)"
                + (f", {kept} déjà présent(s), gardé(s) tels quels" if kept else "")
            )
        if self.same_key:
            lines.append(
                "Codes des carnets : cette instance a la même clé (PASSNUM_CODE_HMAC_KEY, "
                f"identifiant {self.key_id}) : les codes déjà remis restent valables."
            )
        else:
            lines.append(
                "Codes des carnets : l'archive a été faite avec la clé d'identifiant "
                f"{self.key_id}, cette instance en a une autre ({code_key_id()}). Pour que les "
                "codes déjà remis restent valables, donnez à cette instance la clé de l'ancien "
                "opérateur : PASSNUM_CODE_HMAC_KEY=<la clé> dans son environnement (l'ancien "
                "opérateur vous la transmet à part, jamais dans l'archive ; son identifiant "
                "doit être celui-ci). Sans elle, remettez de nouveaux carnets par opposition."
            )
        return lines


@dataclass
class _Import:
    tables: dict[str, list[dict]]
    pks: dict[str, dict] = field(default_factory=lambda: defaultdict(dict))
    report: ImportReport | None = None

    def resolve(self, kind: str, key):
        if key is None:
            return None
        if kind in ("commune", "departement"):
            return key
        try:
            return self.pks[kind][key]
        except KeyError as error:
            raise PortabilityError(
                f"Archive incohérente : {KINDS[kind]} « {key} » est cité mais absent."
            ) from error

    def build(self, table: Table, row: dict):
        values = {}
        for column in table.columns:
            if column.many or _is_identifier(table, column) or column.name not in row:
                continue  # not a plain value, or a column of a later version: its default
            if (column.ref and column.ref == table.kind) or "__" in column.model_field:
                continue  # a row of the same table, or a lookup: set in complete() or after()
            if column.ref:
                if column.model_field == "identity_key":
                    person = self.resolve("beneficiary", row[column.name])
                    values["identity_key"] = (
                        self.identities[person] if person else anonymous_identity()
                    )
                    continue
                model_field = table.model._meta.get_field(column.model_field)
                values[model_field.attname] = self.resolve(column.ref, row[column.name])
            else:
                model_field = table.model._meta.get_field(column.model_field)
                values[column.model_field] = _model_value(model_field, row[column.name])
        return table.model(**values)

    def existing(self, table: Table, rows: list[dict]) -> dict[str, int]:
        if table.name == "organisations":
            keys = [row["organisation"] for row in rows]
            found = Organisation.objects.filter(Q(siret__in=keys) | Q(rna__in=keys)).order_by("pk")
            return {_organisation_key(o.siret, o.rna): o.pk for o in found}
        if table.name == "places":
            ids = {row["source_id"] for row in rows}
            found = Place.objects.filter(source_id__in=ids).values_list("source", "source_id", "pk")
            return {_place_key(source, source_id): pk for source, source_id, pk in found}
        if table.name == "place_matches":
            places = {self.resolve("place", row[name]) for row in rows for name in _PAIR}
            found = PlaceMatch.objects.filter(place_a__in=places, place_b__in=places)
            return {(a, b): pk for a, b, pk in found.values_list("place_a", "place_b", "pk")}
        if table.name == "memberships":
            found = Membership.objects.filter(
                user__email__in=[row["user"] for row in rows]
            ).values_list("user_id", "organisation_id", "pk")
            return {(user, org): pk for user, org, pk in found}
        if table.shared and table.kind:
            keys = [row[table.key] for row in rows]
            found = table.model.objects.filter(**{f"{table.key}__in": keys})
            return {str(key): pk for key, pk in found.values_list(table.key, "pk")}
        return {}

    def row_key(self, table: Table, row: dict):
        if table.name == "place_matches":  # in the order of this instance's ids
            return tuple(sorted(self.resolve("place", row[name]) for name in _PAIR))
        if table.name == "memberships":
            return (
                self.resolve("user", row["user"]),
                self.resolve("organisation", row["organisation"]),
            )
        return row[table.key] if table.kind else None

    def load(self, table: Table) -> None:
        rows = self.tables[table.name]
        known = self.existing(table, rows)
        objects, keys = [], []
        for row in rows:
            key = self.row_key(table, row)
            if key in known:
                if table.kind:
                    self.pks[table.kind][key] = known[key]
                continue
            obj = self.build(table, row)
            self.complete(table, row, obj)
            objects.append(obj)
            keys.append(row)
        created = table.model.objects.bulk_create(objects, batch_size=500)
        self.report.created[table.name] = len(created)
        if known:
            self.report.kept[table.name] = len(rows) - len(created)
        self.after(table, keys, created)

    def complete(self, table: Table, row: dict, obj) -> None:
        if table.name == "users":
            obj.password = make_password(None)
        elif table.name == "beneficiaries":
            obj.search_name = normalize_search(f"{obj.last_name} {obj.first_name}")
            if obj.birth_date is not None:  # none once the record was made anonymous
                obj.identity_key = identity_key(
                    first_name=obj.first_name, last_name=obj.last_name, birth_date=obj.birth_date
                )
        elif table.name == "unit_events":
            obj.data = self._event_data(obj.data)
            obj.program_id, obj.carnet_id = self.unit_owners[obj.unit_id]
        elif table.name == "control_findings":
            event = self.resolve("event", row["line"])
            obj.line_id = self.lines[event]
        elif table.name == "place_matches":
            obj.place_a_id, obj.place_b_id = self.row_key(table, row)

    def _event_data(self, data: dict) -> dict:
        data = dict(data)
        if data.get("session") is not None:
            data["session"] = self.resolve("session", data["session"])
        if data.get("participant") is not None:
            data["participant"] = self.participants[data["participant"]]
        return data

    def after(self, table: Table, rows: list[dict], created: list) -> None:
        for row, obj in zip(rows, created, strict=True):
            if table.kind:
                self.pks[table.kind][self.row_key(table, row)] = obj.pk
            for column in table.columns:
                if column.many:
                    targets = [self.resolve(column.ref, key) for key in row[column.name]]
                    getattr(obj, column.model_field).set(targets)
        for column in table.columns:
            if column.ref and column.ref == table.kind:  # a carnet replaces another
                for row in rows:
                    if row.get(column.name) is not None:
                        table.model.objects.filter(pk=self.pks[table.kind][row[table.key]]).update(
                            **{
                                f"{column.model_field}_id": self.resolve(
                                    column.ref, row[column.name]
                                )
                            }
                        )
        if table.name == "beneficiaries":
            self.identities: dict[int, str] = dict(
                Beneficiary.objects.filter(
                    uuid__in=[row["uuid"] for row in self.tables["beneficiaries"]]
                )
                .order_by("pk")
                .values_list("pk", "identity_key")
            )
        if table.name == "units":
            # An event carries its unit's program and carnet (as vouchers.ledger writes it).
            self.unit_owners = {
                pk: (program, carnet)
                for pk, program, carnet in Unit.objects.filter(
                    program_id__in=self.pks["program"].values()
                ).values_list("pk", "program_id", "carnet_id")
            }
        if table.name == "participants":
            sessions = {pk: key for key, pk in self.pks["session"].items()}
            people = {pk: key for key, pk in self.pks["beneficiary"].items()}
            found = Participant.objects.filter(session_id__in=sessions).values_list(
                "pk", "session_id", "beneficiary_id"
            )
            self.participants = {
                f"{sessions[session]}/{people[person]}": pk for pk, session, person in found
            }
        if table.name == "pricing_lines":
            self.lines = dict(
                PricingLine.objects.filter(event_id__in=self.pks["event"].values())
                .order_by("pk")
                .values_list("event_id", "pk")
            )


_PAIR = ("place_a", "place_b")


def _preflight(manifest: dict, tables: dict[str, list[dict]]) -> None:
    slug = manifest["program"]
    if Program.objects.filter(slug=slug).exists():
        raise PortabilityError(
            f"Le programme « {slug} » existe déjà sur cette instance : rien n'a été importé."
        )
    for counter in tables["serial_counter"]:
        if SerialCounter.objects.filter(prefix=counter["prefix"]).exists():
            raise PortabilityError(
                f"Le préfixe {counter['prefix']} des numéros de carnets est déjà pris par un "
                "autre programme de cette instance : rien n'a été importé."
            )
    codes = {row["commune"] for row in tables["organisations"] if row["commune"]}
    codes |= {row["commune"] for row in tables["beneficiaries"]}
    codes |= {row["commune_ref"] for row in tables["places"] if row["commune_ref"]}
    missing = codes - set(Commune.objects.filter(code__in=codes).values_list("code", flat=True))
    departements = {code for row in tables["program"] for code in row["departements"]}
    if missing or departements - set(
        Departement.objects.filter(code__in=departements).values_list("code", flat=True)
    ):
        raise PortabilityError(
            "Communes inconnues de cette instance (par exemple "
            f"{', '.join(sorted(missing)[:3])}) : chargez d'abord le référentiel avec "
            "« python manage.py load_communes --wet-run »."
        )


def program_import(*, content: bytes) -> ImportReport:
    """Loads an archive of program_export into this instance, in the caller's transaction.
    Refused whole (PortabilityError) if a file does not match its checksum, the program or
    its number prefix exists already, or the territories are not loaded."""
    manifest, tables = archive_read(content)
    _preflight(manifest, tables)
    report = ImportReport(program=manifest["program"], key_id=manifest["code_hash"]["key_id"])
    report.same_key = report.key_id == code_key_id()
    loader = _Import(tables=tables, report=report)
    with _dates_as_given([table.model for table in TABLES]):
        for table in TABLES:
            loader.load(table)
    return report
