"""A national dataset for the benchmarks, at the size the Pass numérique reached: 400,000
people, 200,000 carnets of 10 vouchers (2,000,000 units with their events), 25,000 places,
5,000 structures, 100 programs (one per département, the most populated first), at
`scale` 1.0.

People live in the communes of their program's département in proportion to the population;
carnets are issued month after month since January (fewer in summer), vouchers are used some
weeks later, at a structure of the département, about half of them by today. Rows go in with
COPY on PostgreSQL (executemany elsewhere, for the tests), ids given here; budgets, quotas,
allowances and serial counters are set to match the units, as issuing and using them would.

The secret code of a generated voucher is `voucher_code(serial)`, so that a benchmark can use
them. Never on a database with carnets already: the command refuses.
"""

import bisect
import datetime as dt
import hashlib
import itertools
import json
import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import Organisation
from beneficiaries.models import Beneficiary, BeneficiaryStructure
from beneficiaries.services import identity_key
from core.text import normalize_search
from core.timezones import commune_zone
from places.models import Place
from programs.models import Agreement, FundingCommitment, PrescriberQuota, Program
from programs.services import program_create
from territories.models import Commune
from vouchers.codes import CROCKFORD, code_hash, serial_format
from vouchers.models import Allowance, Carnet, SerialCounter, Unit, UnitEvent

FULL = {
    "programs": 100,
    "structures": 5_000,
    "prescribers": 2_000,
    "places": 25_000,
    "beneficiaries": 400_000,
    "carnets": 200_000,
}
UNITS_PER_CARNET = 10
UNIT_CENTS = 1000
# Carnets issued per month, relative (January to December): fewer in summer.
MONTH_WEIGHTS = [0.7, 0.9, 1.0, 1.0, 0.9, 0.8, 0.5, 0.4, 1.2, 1.3, 1.2, 0.9]
FIRST_NAMES = [
    "Marie", "Jean", "Nathalie", "Michel", "Isabelle", "Pierre", "Sylvie", "Alain", "Catherine",
    "Philippe", "Françoise", "Daniel", "Monique", "Bernard", "Christine", "Patrick", "Fatima",
    "Mohamed", "Nadia", "Karim", "Josiane", "Jocelyn", "Mireille", "Thierry", "Aïcha", "Paul",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Payet", "Hoarau", "Grondin", "Fontaine",
    "Rivière", "Benali", "Nguyen", "Garcia", "Lopez", "Girard", "Morel", "Fournier",
]  # fmt: skip
SERVICES = [
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Accès internet et matériel informatique",
    "Parentalité et éducation avec le numérique",
]
SUPPORT_MODES = ["Accompagnement individuel", "Dans un atelier collectif", "À distance"]


def voucher_code(serial: str) -> str:
    """The secret code of a generated voucher (derived from its serial)."""
    digest = hashlib.sha256(f"passnum-national:{serial}".encode()).digest()
    return "".join(CROCKFORD[byte & 31] for byte in digest[:8])


def scaled(scale: float) -> dict[str, int]:
    counts = {name: max(1, round(count * scale)) for name, count in FULL.items()}
    counts["carnets"] = min(counts["carnets"], counts["beneficiaries"])
    return counts


class Table:
    """Rows of one model written in one go: COPY on PostgreSQL, executemany elsewhere. Columns
    not given take their field's default (or NULL, or "" for text), as the ORM would."""

    def __init__(self, model, columns: list[str]):
        self.model = model
        fields = {field.attname: field for field in model._meta.concrete_fields}
        self.given = ["id", *columns]
        self.filled = {}
        self.per_row = {}
        now = timezone.now()
        for name, field in fields.items():
            if name in self.given:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            elif field.unique and field.has_default():
                self.per_row[field.column] = lambda field=field: field.get_db_prep_value(
                    field.get_default(), connection
                )  # a fresh value per row (UUID)
                continue
            elif field.has_default():
                value = field.get_default()
            elif field.null:
                value = None
            elif isinstance(field, models.CharField | models.TextField):
                value = ""
            else:
                raise ValueError(f"{model.__name__}.{name} : valeur à donner (ni défaut ni NULL).")
            self.filled[field.column] = _db_value(field, value)
        self.columns = (
            [fields[name].column for name in self.given] + list(self.filled) + list(self.per_row)
        )
        self.json = {i for i, name in enumerate(self.given) if _is_json(fields[name])}
        self.tail = tuple(self.filled.values())
        self.next_id = (model.objects.aggregate(top=models.Max("id"))["top"] or 0) + 1

    def write(self, rows) -> int:
        """Writes `rows` (tuples in the order of `columns`, without the id); returns how many."""
        table = connection.ops.quote_name(self.model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        count = 0

        def prepared():
            nonlocal count
            for row in rows:
                values = [self.next_id + count, *row]
                for index in self.json:
                    values[index] = json.dumps(values[index])
                count += 1
                yield (*values, *self.tail, *(make() for make in self.per_row.values()))

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in prepared():
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                batch = []
                for row in prepared():
                    batch.append(tuple(_sqlite_value(value) for value in row))
                    if len(batch) == 5000:
                        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)  # noqa: S608
                        batch = []
                if batch:
                    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)  # noqa: S608
        first = self.next_id
        self.next_id += count
        return first


def _sqlite_value(value):
    """As the ORM writes them on SQLite: datetimes in UTC without offset, dates as text."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _is_json(field) -> bool:
    return isinstance(field, models.JSONField)


def _db_value(field, value):
    if _is_json(field):
        return json.dumps(value)
    return value


@dataclass
class Zone:
    """A département and what lives there."""

    code: str
    communes: list
    weights: list  # cumulative population
    program: Program | None = None
    funder_id: int = 0
    prescribers: list = None
    structures: list = None

    def commune(self, rng: random.Random):
        return self.communes[bisect.bisect(self.weights, rng.random() * self.weights[-1])]


def _zones(count: int) -> list[Zone]:
    by_departement = defaultdict(list)
    for commune in Commune.objects.filter(departement__isnull=False).order_by("code"):
        by_departement[commune.departement_id].append(commune)
    ranked = sorted(
        by_departement.items(), key=lambda item: (-sum(c.population for c in item[1]), item[0])
    )
    zones = []
    for code, communes in ranked[:count]:
        weights = list(itertools.accumulate(max(c.population, 1) for c in communes))
        zones.append(Zone(code=code, communes=communes, weights=weights))
    return zones


def generate(*, scale: float = 1.0, seed: int = 2026, log=print) -> dict:
    """Builds the dataset in one transaction; returns the counts and the seconds taken."""
    if Carnet.objects.exists():
        raise ValueError("La base contient déjà des carnets : partez d'une base vide (migrate).")
    counts = scaled(scale)
    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _fast_load_on()
        figures = _generate(
            counts=counts, rng=random.Random(seed), log=log, started=started, seed_label=seed
        )
        _sequences_reset()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures


def _fast_load_on() -> None:
    """Foreign keys and the ledger's triggers are not checked row by row while loading (the rows
    are made consistent here); needs a superuser, and loads slower without one."""
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except Exception:  # noqa: BLE001, S110 - not a superuser: triggers stay on
            pass


def _sequences_reset() -> None:
    models_written = [
        Organisation, Program, Place, Agreement, Beneficiary, Carnet, Unit, UnitEvent,
        Allowance, PrescriberQuota, SerialCounter, BeneficiaryStructure, FundingCommitment,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models_written):
            cursor.execute(sql)


def _generate(*, counts, rng, log, started, seed_label) -> dict:
    def step(text):
        log(f"[{time.perf_counter() - started:6.1f} s] {text}")

    now = timezone.now()
    today = timezone.localdate(now)
    year = today.year
    zones = _zones(counts["programs"])
    if not zones:
        raise ValueError("Aucune commune : chargez-les d'abord (load_communes --wet-run).")
    programs = [zones[i % len(zones)] for i in range(counts["programs"])]

    step("organisations")
    organisations = Table(
        Organisation,
        ["name", "is_funder", "is_prescriber", "is_structure", "rna", "commune_id"],
    )
    serial_rna = itertools.count(organisations.next_id)

    def rna() -> str:
        return f"W{next(serial_rna):09d}"

    funders = [
        (f"Conseil départemental {zone.code} n°{i + 1}", True, False, False, rna(), None)
        for i, zone in enumerate(programs)
    ]
    first = organisations.write(funders)
    for i, zone_ in enumerate(programs):
        if not zone_.funder_id:
            zone_.funder_id = first + i
    zone_list = list({id(z): z for z in programs}.values())
    population = [z.weights[-1] for z in zone_list]

    def spread(total: int) -> list[Zone]:
        """`total` things over the zones, in proportion to their population, at least one."""
        picks = list(zone_list)
        picks += rng.choices(zone_list, weights=population, k=max(0, total - len(zone_list)))
        return picks[:total] if total >= len(zone_list) else picks[:total]

    def organisations_in(total: int, kind: str, label: str) -> list[tuple[Zone, int, object]]:
        placed = [(zone, zone.commune(rng)) for zone in spread(total)]
        rows = [
            (
                f"{label} {commune.name} {index + 1}",
                False,
                kind == "prescriber",
                kind == "structure",
                rna(),
                commune.code,
            )
            for index, (_zone, commune) in enumerate(placed)
        ]
        first_id = organisations.write(rows)
        return [(zone, first_id + i, commune) for i, (zone, commune) in enumerate(placed)]

    prescribers = organisations_in(counts["prescribers"], "prescriber", "CCAS de")
    structures = organisations_in(counts["structures"], "structure", "Espace numérique de")
    for zone in zone_list:
        zone.prescribers, zone.structures = [], []
    for zone, pk, _commune in prescribers:
        zone.prescribers.append(pk)
    for zone, pk, commune in structures:
        zone.structures.append((pk, commune))

    step("programmes")
    program_rows = []
    for index, zone in enumerate(programs):
        program = program_create(
            actor=None,
            lead_funder=Organisation.objects.get(pk=zone.funder_id),
            name=f"Pass numérique {zone.code} {year} ({index + 1})",
            slug=f"pass-national-{index + 1}-{year}",
            starts_on=dt.date(year, 1, 1),
            ends_on=dt.date(year, 12, 31),
            time_zone=commune_zone(zone.communes[0].code),
            carnet_sizes=[UNITS_PER_CARNET],
            validity_end_on=dt.date(year, 12, 31),
        )
        program_rows.append(program)
        if zone.program is None:
            zone.program = program

    step("lieux")
    places = Table(
        Place,
        ["source", "source_id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse",
         "latitude", "longitude", "horaires", "date_maj", "services", "modalites_accompagnement",
         "structure_id"],
    )  # fmt: skip

    def place_rows():
        for index in range(counts["places"]):
            if index < len(structures) or rng.random() < 0.6:
                zone, structure, commune = structures[index % len(structures)]
            else:
                zone = rng.choices(zone_list, weights=population)[0]
                structure, commune = None, zone.commune(rng)
            yield (
                "national",
                f"national-{index:06d}",
                "00000000000000",
                f"Lieu numérique {index + 1} de {commune.name}",
                commune.name,
                (commune.postal_codes or "00000").split(",")[0].strip()[:5],
                commune.code,
                f"{rng.randint(1, 200)} rue de la Mairie",
                (commune.latitude or 46.5) + rng.uniform(-0.02, 0.02),
                (commune.longitude or 2.5) + rng.uniform(-0.02, 0.02),
                rng.choice(["Mo-Fr 09:00-12:00,14:00-17:00", "Tu-Sa 10:00-18:00", ""]),
                today - dt.timedelta(days=rng.randint(0, 400)),
                rng.sample(SERVICES, rng.randint(1, 4)),
                rng.sample(SUPPORT_MODES, rng.randint(1, 3)),
                structure,
            )

    places.write(place_rows())

    step("conventions")
    Table(
        Agreement, ["program_id", "structure_id", "starts_on", "ends_on", "iban", "bic", "status"]
    ).write(
        (
            zone.program.pk,
            structure,
            zone.program.starts_on,
            zone.program.ends_on,
            "FR7630004000010001000000102",
            "BNPAFRPP",
            "active",
        )
        for zone in zone_list
        for structure, _commune in zone.structures
    )

    step("personnes")
    # The person who collected the consents (the rows need one): an account that cannot log in.
    advisor = get_user_model().objects.create(
        email=f"generation-nationale-{seed_label}@passnum.localhost", is_active=False
    )
    people = Table(
        Beneficiary,
        ["prescriber_id", "first_name", "last_name", "search_name", "birth_date", "identity_key",
         "commune_id", "consent_text_version", "consent_given_at", "consent_method",
         "consent_collected_by_id", "created_at"],
    )  # fmt: skip
    month_weights = MONTH_WEIGHTS[: today.month]
    person_zone, person_key, person_created, person_prescriber = [], [], [], []

    def moment() -> dt.datetime:
        """A moment this year up to now, more often in busy months."""
        month = rng.choices(range(1, len(month_weights) + 1), weights=month_weights)[0]
        last = today.day if month == today.month else 28
        day = dt.datetime(
            year, month, rng.randint(1, last), rng.randint(8, 17), rng.randint(0, 59), tzinfo=dt.UTC
        )
        return min(day, now - dt.timedelta(minutes=5))

    seen = set()

    def person_rows():
        for _ in range(counts["beneficiaries"]):
            zone = rng.choices(zone_list, weights=population)[0]
            while True:  # one record per person: names and birth date make the identity key
                first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                age = min(95, 18 + int(rng.betavariate(2.2, 1.6) * 77))
                birth = dt.date(year - age, rng.randint(1, 12), rng.randint(1, 28))
                key = identity_key(first_name=first_name, last_name=last_name, birth_date=birth)
                if key not in seen:
                    seen.add(key)
                    break
            created = moment()
            prescriber = rng.choice(zone.prescribers)
            person_zone.append(zone)
            person_key.append(key)
            person_created.append(created)
            person_prescriber.append(prescriber)
            yield (
                prescriber,
                first_name,
                last_name,
                normalize_search(f"{first_name} {last_name}"),
                birth,
                key,
                zone.commune(rng).code,
                "2026-01",
                created,
                "paper",
                advisor.pk,
                created,
            )

    first_person = people.write(person_rows())

    step("carnets, unités et événements")
    carnet_table = Table(
        Carnet,
        ["program_id", "beneficiary_id", "prescriber_id", "number", "units_count",
         "unit_value_cents", "program_year", "issued_at", "valid_until", "accepted_until",
         "delivery", "link_token_hash", "access_code_hash", "status", "issued_by_id"],
    )  # fmt: skip
    unit_table = Table(
        Unit,
        ["carnet_id", "program_id", "serial", "position", "code_hash", "value_cents",
         "minutes_left", "state", "consumed_at", "consumed_by_id"],
    )  # fmt: skip
    event_table = Table(
        UnitEvent,
        ["unit_id", "program_id", "carnet_id", "kind", "at", "organisation_id", "amount_cents",
         "data"],
    )  # fmt: skip
    numbers = Counter()  # program id -> carnets issued
    prefixes = {program.pk: f"PN{i + 1:03d}" for i, program in enumerate(program_rows)}
    chosen = sorted(rng.sample(range(counts["beneficiaries"]), counts["carnets"]))
    carnets, units_plan = [], []
    for person in chosen:
        zone = person_zone[person]
        program = zone.program
        numbers[program.pk] += 1
        issued_at = max(person_created[person], moment())
        carnets.append((person, program, numbers[program.pk], issued_at))
    carnet_first = carnet_table.next_id
    tolerance = dt.timedelta(days=31)

    def carnet_rows():
        for offset, (person, program, number, issued_at) in enumerate(carnets):
            carnet_number = f"{prefixes[program.pk]}-C{number:06d}"
            yield (
                program.pk,
                first_person + person,
                person_prescriber[person],
                carnet_number,
                UNITS_PER_CARNET,
                UNIT_CENTS,
                year,
                issued_at,
                program.validity_end_on,
                program.validity_end_on + tolerance,
                "paper",
                hashlib.sha256(f"national-link-{carnet_first + offset}".encode()).hexdigest(),
                code_hash(serial=carnet_number, code=voucher_code(carnet_number)),
                "active",
                advisor.pk,
            )

    carnet_table.write(carnet_rows())
    served = {}
    spent = defaultdict(int)
    consumed_count = 0

    def unit_rows():
        nonlocal consumed_count
        for offset, (person, program, number, issued_at) in enumerate(carnets):
            zone = person_zone[person]
            prefix = prefixes[program.pk]
            age_days = max(0.0, (now - issued_at).total_seconds() / 86400)
            # About half the vouchers used by now, fewer on recent carnets.
            share = 0.75 * (1 - math.exp(-age_days / 45))
            used = sum(rng.random() < share for _ in range(UNITS_PER_CARNET))
            structure, _commune = rng.choice(zone.structures)
            for position in range(UNITS_PER_CARNET):
                serial = serial_format(prefix, (number - 1) * UNITS_PER_CARNET + position + 1)
                if position < used:
                    at = issued_at + dt.timedelta(days=rng.expovariate(1 / 20) * (position + 1))
                    at = min(at, now - dt.timedelta(minutes=1))
                    consumed_count += 1
                    spent[program.pk] += UNIT_CENTS
                    served.setdefault((first_person + person, structure), at)
                    state = (0, "consumed", at, structure)
                else:
                    state = (60, "issued", None, None)
                units_plan.append((carnet_first + offset, issued_at, state[2], state[3]))
                yield (
                    carnet_first + offset,
                    program.pk,
                    serial,
                    position + 1,
                    code_hash(serial=serial, code=voucher_code(serial)),
                    UNIT_CENTS,
                    *state,
                )

    unit_first = unit_table.write(unit_rows())
    carnet_prescriber = {
        carnet_first + i: person_prescriber[p] for i, (p, *_r) in enumerate(carnets)
    }
    carnet_number_of = {
        carnet_first + i: f"{prefixes[program.pk]}-C{number:06d}"
        for i, (_p, program, number, _at) in enumerate(carnets)
    }
    carnet_program = {carnet_first + i: program.pk for i, (_p, program, *_r) in enumerate(carnets)}

    def event_rows():
        for offset, (carnet, issued_at, consumed_at, structure) in enumerate(units_plan):
            unit, owners = unit_first + offset, (carnet_program[carnet], carnet)
            yield (
                unit,
                *owners,
                "issued",
                issued_at,
                carnet_prescriber[carnet],
                0,
                {"carnet": carnet_number_of[carnet]},
            )
            if consumed_at is not None:
                yield unit, *owners, "consumed", consumed_at, structure, UNIT_CENTS, {}

    event_table.write(event_rows())

    step("budgets, quotas, plafonds, compteurs")
    Table(BeneficiaryStructure, ["beneficiary_id", "structure_id", "first_served_at"]).write(
        (person, structure, at) for (person, structure), at in served.items()
    )
    Table(Allowance, ["program_id", "identity_key", "year", "units_issued"]).write(
        (program.pk, person_key[person], year, UNITS_PER_CARNET)
        for person, program, _number, _at in carnets
    )
    quotas = Counter((program.pk, person_prescriber[person]) for person, program, _n, _a in carnets)
    Table(
        PrescriberQuota, ["program_id", "prescriber_id", "units_allocated", "units_issued"]
    ).write(
        (program, prescriber, issued * UNITS_PER_CARNET * 5 // 4, issued * UNITS_PER_CARNET)
        for (program, prescriber), issued in sorted(quotas.items())
    )
    Table(SerialCounter, ["program_id", "prefix", "next_number", "next_carnet"]).write(
        (
            program.pk,
            prefixes[program.pk],
            numbers[program.pk] * UNITS_PER_CARNET + 1,
            numbers[program.pk] + 1,
        )
        for program in program_rows
    )
    commitments = Table(FundingCommitment, ["program_id", "funder_id", "category", "amount_cents"])
    issued_cents = {pk: n * UNITS_PER_CARNET * UNIT_CENTS for pk, n in numbers.items()}
    commitments.write(
        (
            program.pk,
            program.lead_funder_id,
            "departement",
            issued_cents.get(program.pk, 0) * 6 // 5 + 10**7,
        )
        for program in program_rows
    )
    for program in program_rows:
        issued = issued_cents.get(program.pk, 0)
        Program.objects.filter(pk=program.pk).update(
            funded_cents=issued * 6 // 5 + 10**7,
            committed_cents=issued - spent[program.pk],
            consumed_cents=spent[program.pk],
        )
    step("fini")
    return {
        "programs": len(program_rows),
        "funders": len(funders),
        "prescribers": len(prescribers),
        "structures": len(structures),
        "places": counts["places"],
        "beneficiaries": counts["beneficiaries"],
        "carnets": len(carnets),
        "units": len(units_plan),
        "units_consumed": consumed_count,
        "events": len(units_plan) + consumed_count,
    }
