import datetime as dt
import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import Organisation
from beneficiaries.enums import (
    AGE_BANDS,
    ANONYMOUS_FIRST_NAME,
    ANONYMOUS_LAST_NAME,
    CONSENT_TEXT_VERSION,
    DEFAULT_SKILLS,
    ERASED_TEXT,
    RETENTION_MONTHS_DEFAULT,
    AuditAction,
    DiagnosticKind,
    Level,
    OrientationStatus,
)
from beneficiaries.exceptions import BeneficiariesError
from beneficiaries.models import Beneficiary, BeneficiaryStructure, Diagnostic, Orientation
from beneficiaries.perms import organisation_reading
from core.registry import BENEFICIARY_ACTIVITY, BENEFICIARY_ANONYMISED, contributions
from core.services import audit_record, transition
from core.text import normalize_search, of
from programs.models import Program
from programs.selectors import add_months


def orientation_create(
    *, actor, prescriber: Organisation, place, person_name: str, need: str, beneficiary=None
) -> Orientation:
    if not prescriber.is_prescriber:
        raise BeneficiariesError("Seul un prescripteur peut orienter une personne.")
    if beneficiary is not None and beneficiary.prescriber_id != prescriber.pk:
        raise BeneficiariesError("Cette personne n'est pas suivie par votre organisation.")
    person_name, need = person_name.strip(), need.strip()
    if not person_name or not need:
        raise BeneficiariesError("Indiquez le nom de la personne et son besoin.")
    orientation = Orientation.objects.create(
        prescriber=prescriber,
        place=place,
        structure=place.structure,
        beneficiary=beneficiary,
        person_name=person_name,
        need=need,
        created_by=actor,
    )
    audit_record(
        actor=actor, action="orientation.created", obj=orientation, organisation_id=prescriber.pk
    )
    return orientation


def orientation_record_outcome(*, actor, orientation: Orientation, came: bool) -> Orientation:
    """The structure says whether the person came. Only once, from the waiting state."""
    status = OrientationStatus.CAME if came else OrientationStatus.NO_SHOW
    return transition(
        obj=orientation,
        expect={"status": OrientationStatus.SENT},
        changes={"status": status, "outcome_by": actor, "outcome_at": timezone.now()},
        refusal=BeneficiariesError("La venue de cette personne a déjà été indiquée."),
        actor=actor,
        action="orientation.outcome",
        organisation_id=orientation.structure_id,
        data={"status": status},
    )


def orientations_mark_came(*, actor, beneficiary_id: int, structure: Organisation) -> int:
    """The person oriented to this structure came (welcomed or enrolled at its counter)."""
    waiting = list(
        Orientation.objects.filter(
            beneficiary_id=beneficiary_id, structure=structure, status=OrientationStatus.SENT
        ).values_list("pk", flat=True)
    )
    updated = Orientation.objects.filter(pk__in=waiting, status=OrientationStatus.SENT).update(
        status=OrientationStatus.CAME, outcome_by=actor, outcome_at=timezone.now()
    )
    for pk in waiting:
        audit_record(
            actor=actor,
            action="orientation.outcome",
            object_type="beneficiaries.orientation",
            object_id=pk,
            organisation_id=structure.pk,
            data={"status": OrientationStatus.CAME, "automatic": True},
        )
    return updated


def identity_key(*, first_name: str, last_name: str, birth_date) -> str:
    """The same person registered by two prescribers gets the same key (yearly caps hold across
    prescribers) without the key revealing who it is."""
    text = f"{normalize_search(last_name)}|{normalize_search(first_name)}|{birth_date.isoformat()}"
    return hmac.new(settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


def beneficiary_create(
    *,
    actor,
    prescriber: Organisation,
    first_name: str,
    last_name: str,
    birth_date,
    commune,
    consent_method: str,
    phone: str = "",
    email: str = "",
    categories=(),
) -> Beneficiary:
    if not prescriber.is_prescriber:
        raise BeneficiariesError("Seul un prescripteur peut enregistrer une personne.")
    if birth_date >= timezone.localdate():
        raise BeneficiariesError("La date de naissance doit être dans le passé.")
    beneficiary = Beneficiary.objects.create(
        prescriber=prescriber,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        search_name=normalize_search(f"{last_name} {first_name}"),
        birth_date=birth_date,
        identity_key=identity_key(
            first_name=first_name, last_name=last_name, birth_date=birth_date
        ),
        commune=commune,
        phone=phone,
        email=email,
        categories=list(categories),
        consent_text_version=CONSENT_TEXT_VERSION,
        consent_given_at=timezone.now(),
        consent_method=consent_method,
        consent_collected_by=actor,
    )
    audit_record(
        actor=actor, action="beneficiary.created", obj=beneficiary, organisation_id=prescriber.pk
    )
    return beneficiary


def beneficiary_served_by(*, beneficiary_id: int, structure: Organisation) -> None:
    """The structure may now see the person's record."""
    BeneficiaryStructure.objects.bulk_create(
        [BeneficiaryStructure(beneficiary_id=beneficiary_id, structure=structure)],
        ignore_conflicts=True,
    )


@dataclass(frozen=True)
class DiagnosticResult:
    score: int
    max_score: int
    level: str
    recommended_units: int
    recommended_track: object


def diagnostic_skills(program) -> list[tuple[str, str]]:
    """The program's own questions, or the ten everyday skills by default."""
    return [tuple(item) for item in program.diagnostic_questions] or list(DEFAULT_SKILLS)


def units_bounds(program) -> tuple[int, int]:
    """The fewest and most units one carnet of this program may hold for a person."""
    upper = program.yearly_cap_units or max(
        program.carnet_sizes or [program.min_units_per_beneficiary]
    )
    return program.min_units_per_beneficiary, upper


def units_allowed(program) -> list[int]:
    """Carnet sizes within the program's bounds (every number in the bounds if sizes are free)."""
    lower, upper = units_bounds(program)
    sizes = program.carnet_sizes or range(lower, upper + 1)
    return sorted(size for size in sizes if lower <= size <= upper)


def diagnostic_evaluate(*, program, answers: dict[str, int]) -> DiagnosticResult:
    """The program's rule: the fewer skills the person has, the more units, always one of the
    carnet sizes allowed within the program's bounds; the first track is the default one."""
    score, max_score = sum(answers.values()), 2 * len(answers)
    ratio = score / max_score if max_score else 1
    allowed = units_allowed(program) or [units_bounds(program)[0]]
    if ratio < 1 / 3:
        level, units = Level.BEGINNER, allowed[-1]
    elif ratio < 2 / 3:
        level, units = Level.INTERMEDIATE, allowed[len(allowed) // 2]
    else:
        level, units = Level.AUTONOMOUS, allowed[0]
    return DiagnosticResult(score, max_score, level, units, program.tracks.first())


def diagnostic_record(
    *,
    actor,
    beneficiary: Beneficiary,
    program,
    kind: str,
    answers: dict[str, int],
    chosen_units: int | None = None,
    chosen_track=None,
    override_reason: str = "",
) -> Diagnostic:
    keys = {key for key, _label in diagnostic_skills(program)}
    if set(answers) != keys or any(value not in (0, 1, 2) for value in answers.values()):
        raise BeneficiariesError("Répondez à chaque question du diagnostic.")
    if (
        kind == DiagnosticKind.EXIT
        and not Diagnostic.objects.filter(
            beneficiary=beneficiary, program=program, kind=DiagnosticKind.ENTRY
        ).exists()
    ):
        raise BeneficiariesError(
            f"Faites d'abord le diagnostic d'entrée {of(beneficiary.first_name)} pour "
            f"{program.name} : le diagnostic de sortie mesure le chemin parcouru depuis."
        )
    result = diagnostic_evaluate(program=program, answers=answers)
    if kind == DiagnosticKind.EXIT:
        chosen_units, chosen_track = None, None
        recommended_units, recommended_track = None, None
    else:
        recommended_units, recommended_track = result.recommended_units, result.recommended_track
        chosen_units = chosen_units or recommended_units
        chosen_track = chosen_track or recommended_track
        allowed = units_allowed(program)
        if chosen_units not in allowed:
            raise BeneficiariesError(
                f"Nombre de {program.unit_word()} possible pour ce programme : "
                + ", ".join(str(size) for size in allowed)
                + "."
            )
        changed = chosen_units != recommended_units or chosen_track != recommended_track
        if changed and not override_reason.strip():
            raise BeneficiariesError("Expliquez pourquoi vous changez la recommandation.")
    diagnostic = Diagnostic.objects.create(
        beneficiary=beneficiary,
        program=program,
        kind=kind,
        answers=answers,
        score=result.score,
        max_score=result.max_score,
        level=result.level,
        recommended_units=recommended_units,
        recommended_track=recommended_track,
        chosen_units=chosen_units,
        chosen_track=chosen_track,
        override_reason=override_reason.strip(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=f"diagnostic.{kind}",
        obj=diagnostic,
        organisation_id=beneficiary.prescriber_id,
    )
    return diagnostic


def beneficiary_record_read(*, actor, beneficiary: Beneficiary, page: str) -> None:
    """Every read of a person's record is journaled: who, when, for which organisation (the
    prescriber or the structure that served them), on which page (a URL name, never the
    person's data)."""
    reader = organisation_reading(actor, beneficiary)
    organisation_id = reader.pk if reader else None
    audit_record(
        actor=actor,
        action=AuditAction.RECORD_READ,
        obj=beneficiary,
        organisation_id=organisation_id,
        data={"page": page},
    )


def beneficiary_export_record(*, actor, beneficiary: Beneficiary) -> None:
    """The prescriber downloads everything held about the person (right of access)."""
    audit_record(
        actor=actor,
        action=AuditAction.RECORD_EXPORTED,
        obj=beneficiary,
        organisation_id=beneficiary.prescriber_id,
    )


def beneficiary_update(
    *,
    actor,
    beneficiary: Beneficiary,
    first_name: str,
    last_name: str,
    birth_date,
    commune,
    phone: str = "",
    email: str = "",
    categories=(),
) -> Beneficiary:
    """The prescriber corrects a person's data. The identity key stays the one of the
    registration, so the yearly caps counted under it still hold; the journal names the
    fields changed, not their values."""
    if beneficiary.anonymised_at is not None:
        raise BeneficiariesError("Cette personne a été rendue anonyme : sa fiche ne change plus.")
    if birth_date >= timezone.localdate():
        raise BeneficiariesError(
            "La date de naissance doit être dans le passé.", field="birth_date"
        )
    values = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "birth_date": birth_date,
        "commune": commune,
        "phone": phone,
        "email": email,
        "categories": list(categories),
    }
    if not values["first_name"] or not values["last_name"]:
        raise BeneficiariesError(
            "Le prénom et le nom ne peuvent pas être vides.", field="last_name"
        )
    changed = [name for name, value in values.items() if getattr(beneficiary, name) != value]
    if not changed:
        return beneficiary
    values["search_name"] = normalize_search(f"{values['last_name']} {values['first_name']}")
    with transaction.atomic():
        Beneficiary.objects.filter(pk=beneficiary.pk, anonymised_at__isnull=True).update(**values)
        audit_record(
            actor=actor,
            action=AuditAction.RECORD_UPDATED,
            obj=beneficiary,
            organisation_id=beneficiary.prescriber_id,
            data={"fields": changed},
        )
    beneficiary.refresh_from_db()
    return beneficiary


def age_band(*, birth_date: dt.date, on: dt.date) -> str:
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    for upper, label in AGE_BANDS:
        if upper is None or age < upper:
            return label
    return AGE_BANDS[-1][1]


def _own_activity(beneficiary_ids) -> list[tuple[int, int | None, dt.datetime]]:
    rows = [
        (pk, None, at)
        for pk, at in Beneficiary.objects.filter(pk__in=beneficiary_ids).values_list(
            "pk", "created_at"
        )
    ]
    rows += [
        (row["beneficiary_id"], row["program_id"], row["at"])
        for row in Diagnostic.objects.filter(beneficiary_id__in=beneficiary_ids)
        .values("beneficiary_id", "program_id")
        .annotate(at=Max("created_at"))
        .order_by()
    ]
    rows += [
        (row["beneficiary_id"], None, row["at"])
        for row in Orientation.objects.filter(beneficiary_id__in=beneficiary_ids)
        .values("beneficiary_id")
        .annotate(at=Max("created_at"))
        .order_by()
    ]
    return rows


def beneficiaries_retention_over(*, now: dt.datetime, batch_size: int = 1000) -> list[int]:
    """The people to anonymise: the programs they took part in have ended, and their last
    activity (registration, diagnostic, orientation, carnet, unit used, session) is older
    than the longest retention of those programs (Program.retention_months;
    RETENTION_MONTHS_DEFAULT when they took part in none)."""
    today = timezone.localdate(now)
    programs = {
        pk: (months, ends_on)
        for pk, months, ends_on in Program.objects.values_list("pk", "retention_months", "ends_on")
    }
    shortest = min([months for months, _end in programs.values()] + [RETENTION_MONTHS_DEFAULT])
    # a person is registered before any activity: younger records cannot be due
    registered_before = add_months(today, -shortest)
    candidates = list(
        Beneficiary.objects.filter(
            anonymised_at__isnull=True, created_at__date__lt=registered_before
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    due = []
    for start in range(0, len(candidates), batch_size):
        batch = candidates[start : start + batch_size]
        rows = _own_activity(batch)
        for provider in contributions(BENEFICIARY_ACTIVITY):
            rows += list(provider(beneficiary_ids=batch))
        last: dict[int, dt.datetime] = {}
        taken: dict[int, set] = defaultdict(set)
        for beneficiary_id, program_id, at in rows:
            if at is not None and (beneficiary_id not in last or at > last[beneficiary_id]):
                last[beneficiary_id] = at
            if program_id is not None:
                taken[beneficiary_id].add(program_id)
        for beneficiary_id in batch:
            joined = [programs[pk] for pk in taken[beneficiary_id]]
            if any(ends_on >= today for _months, ends_on in joined):
                continue
            months = max([m for m, _end in joined], default=RETENTION_MONTHS_DEFAULT)
            if timezone.localdate(last[beneficiary_id]) < add_months(today, -months):
                due.append(beneficiary_id)
    return due


def beneficiaries_anonymise(*, now: dt.datetime | None = None) -> int:
    """Anonymises the people whose retention is over (see beneficiaries_retention_over). What
    statistics need stays: the records and their links (carnets, units, sessions: counts),
    the commune, the age band at registration, the situation, the diagnostics' scores. What
    names or reaches a person goes: names, birth date, phone, e-mail, identity key (in other
    apps' rows too, once no record of the person is left), the free text of orientations and
    diagnostics. Returns how many people were anonymised."""
    now = now or timezone.now()
    due = beneficiaries_retention_over(now=now)
    for pk in due:
        with transaction.atomic():
            key = Beneficiary.objects.filter(pk=pk).values_list("identity_key", flat=True)[0]
            # Every record of the person, locked in id order: two runs see each other's
            # anonymisation before deciding that the identity is no longer anyone's.
            records = Beneficiary.objects.select_for_update().filter(
                Q(pk=pk) | Q(identity_key=key) if key else Q(pk=pk)
            )
            person = next(record for record in records.order_by("pk") if record.pk == pk)
            if person.anonymised_at is not None or person.identity_key != key:
                continue  # done meanwhile, or corrected meanwhile: the next run sees it
            Beneficiary.objects.filter(pk=pk).update(
                first_name=ANONYMOUS_FIRST_NAME,
                last_name=ANONYMOUS_LAST_NAME,
                search_name="",
                birth_date=None,
                age_band=age_band(
                    birth_date=person.birth_date, on=timezone.localdate(person.created_at)
                ),
                identity_key="",
                phone="",
                email="",
                anonymised_at=now,
            )
            Orientation.objects.filter(beneficiary_id=pk).update(
                person_name=f"{ANONYMOUS_FIRST_NAME} {ANONYMOUS_LAST_NAME}", need=ERASED_TEXT
            )
            if not Beneficiary.objects.filter(
                identity_key=person.identity_key, anonymised_at__isnull=True
            ).exists():  # the same person registered by another prescriber keeps the link
                for forget in contributions(BENEFICIARY_ANONYMISED):
                    forget(identity_key=person.identity_key)
            Diagnostic.objects.filter(beneficiary_id=pk).exclude(override_reason="").update(
                override_reason=ERASED_TEXT
            )
            audit_record(
                actor=None,
                action=AuditAction.ANONYMISED,
                object_type="beneficiaries.beneficiary",
                object_id=pk,
                organisation_id=person.prescriber_id,
            )
    return len(due)
