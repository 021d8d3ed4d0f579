import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from accounts.models import Organisation
from beneficiaries.enums import (
    CONSENT_TEXT_VERSION,
    DEFAULT_SKILLS,
    DiagnosticKind,
    Level,
    OrientationStatus,
)
from beneficiaries.exceptions import BeneficiariesError
from beneficiaries.models import Beneficiary, BeneficiaryStructure, Diagnostic, Orientation
from core.services import audit_record, transition
from core.text import normalize_search, of


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
