"""Who may receive a carnet of a program: the program's eligibility rules (age, residence,
public categories, entry diagnostic) and one carnet in progress at a time. The issuing service
checks them; the pages that offer to issue a carnet ask the same functions."""

import datetime as dt
from dataclasses import dataclass

from beneficiaries.enums import DiagnosticKind
from beneficiaries.models import Beneficiary, Diagnostic
from core.text import of
from programs.models import Program
from programs.selectors import program_territory_communes, program_today
from vouchers.enums import CarnetStatus, UnitState
from vouchers.exceptions import VouchersError
from vouchers.models import Carnet


@dataclass(frozen=True)
class _Facts:
    """What the rules need to know about one person beyond their record."""

    in_territory: bool
    has_entry_diagnostic: bool
    carnet_number: str | None


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Age in full years on the day `on`."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def _carnets_in_progress(*, program: Program, on: dt.date):
    return Carnet.objects.filter(
        program=program,
        status=CarnetStatus.ACTIVE,
        accepted_until__gte=on,
        units__state=UnitState.ISSUED,
    ).distinct()


def carnet_in_progress(*, program: Program, beneficiary: Beneficiary, on: dt.date) -> Carnet | None:
    """The person's active carnet of this program that still has units to use on `on`, from
    any prescriber (the same person is recognised by their identity key)."""
    return (
        _carnets_in_progress(program=program, on=on)
        .filter(beneficiary__identity_key=beneficiary.identity_key)
        .order_by("-issued_at")
        .first()
    )


AGE, RESIDENCE, CATEGORIES, ENTRY_DIAGNOSTIC, CARNET_IN_PROGRESS = (
    "age",
    "residence",
    "categories",
    "entry_diagnostic",
    "carnet_in_progress",
)


def _refusal(
    *, program: Program, beneficiary: Beneficiary, on: dt.date, facts: _Facts
) -> tuple[str, str] | None:
    """(rule, message in plain French) of the first rule the person does not meet."""
    name = beneficiary.first_name
    if program.min_age:
        age = age_on(beneficiary.birth_date, on)
        if age < program.min_age:
            return AGE, (
                f"Ce programme est réservé aux personnes de {program.min_age} ans et plus : "
                f"{name} a {age} an{'s' if age > 1 else ''}."
            )
    if program.residence_required and not facts.in_territory:
        return RESIDENCE, (
            f"{program.name} est réservé aux habitants de son territoire : {name} habite "
            f"{beneficiary.commune.label}, en dehors de ce territoire."
        )
    if program.eligible_categories and not set(program.eligible_categories) & set(
        beneficiary.categories or []
    ):
        return CATEGORIES, (
            f"{program.name} est réservé aux personnes dans l'une de ces situations : "
            f"{', '.join(program.eligible_category_labels)}. La fiche {of(name)} "
            "n'indique aucune de ces situations."
        )
    if program.entry_diagnostic_required and not facts.has_entry_diagnostic:
        return ENTRY_DIAGNOSTIC, (
            f"Faites d'abord le diagnostic d'entrée {of(name)} pour {program.name} : "
            "il est obligatoire avant de remettre un carnet."
        )
    if facts.carnet_number:
        return CARNET_IN_PROGRESS, (
            f"{name} a déjà un carnet {program.name} en cours (n° {facts.carnet_number}). "
            "Un autre carnet ne peut être remis qu'une fois celui-ci utilisé ou expiré. "
            "S'il est perdu ou volé, faites opposition sur ce carnet."
        )
    return None


def _facts_of(
    *, program: Program, beneficiary: Beneficiary, on: dt.date, diagnostic: bool = False
) -> tuple[_Facts, Carnet | None]:
    """Only the queries the program's rules need (`diagnostic`: look for the entry one anyway)."""
    carnet = carnet_in_progress(program=program, beneficiary=beneficiary, on=on)
    facts = _Facts(
        in_territory=not program.residence_required
        or program_territory_communes(program=program).filter(code=beneficiary.commune_id).exists(),
        has_entry_diagnostic=(diagnostic or program.entry_diagnostic_required)
        and Diagnostic.objects.filter(
            beneficiary=beneficiary, program=program, kind=DiagnosticKind.ENTRY
        ).exists(),
        carnet_number=carnet.number if carnet else None,
    )
    return facts, carnet


def eligibility_refusal(*, program: Program, beneficiary: Beneficiary, on: dt.date) -> str | None:
    """Why this person may not receive a carnet of the program on `on`, in plain French;
    None when they may."""
    facts, _carnet = _facts_of(program=program, beneficiary=beneficiary, on=on)
    refusal = _refusal(program=program, beneficiary=beneficiary, on=on, facts=facts)
    return refusal[1] if refusal else None


def eligibility_check(*, program: Program, beneficiary: Beneficiary, on: dt.date) -> None:
    """Raises VouchersError with the reason when the person may not receive a carnet."""
    refusal = eligibility_refusal(program=program, beneficiary=beneficiary, on=on)
    if refusal:
        raise VouchersError(refusal)


def eligibility_refusals(*, program: Program, beneficiaries, on: dt.date) -> dict[int, str]:
    """The reason each of these people may not receive a carnet, by beneficiary id (eligible
    people are absent). A fixed number of queries, whatever the number of people."""
    people = list(beneficiaries)
    territory = set()
    if program.residence_required:
        territory = set(
            program_territory_communes(program=program)
            .filter(code__in={p.commune_id for p in people})
            .values_list("code", flat=True)
        )
    with_entry = set(
        Diagnostic.objects.filter(
            program=program, kind=DiagnosticKind.ENTRY, beneficiary__in=people
        ).values_list("beneficiary_id", flat=True)
    )
    numbers = dict(
        _carnets_in_progress(program=program, on=on)
        .filter(beneficiary__identity_key__in={p.identity_key for p in people})
        .order_by("issued_at")
        .values_list("beneficiary__identity_key", "number")
    )
    refusals = {}
    for person in people:
        facts = _Facts(
            in_territory=not program.residence_required or person.commune_id in territory,
            has_entry_diagnostic=person.pk in with_entry,
            carnet_number=numbers.get(person.identity_key),
        )
        refusal = _refusal(program=program, beneficiary=person, on=on, facts=facts)
        if refusal:
            refusals[person.pk] = refusal[1]
    return refusals


@dataclass(frozen=True)
class IssueOption:
    """What a prescriber may do for a person in one program, today in the program's zone."""

    program: Program
    refusal_rule: str | None
    refusal: str | None
    carnet: Carnet | None
    has_entry_diagnostic: bool


def issue_options(*, beneficiary: Beneficiary, programs) -> list[IssueOption]:
    options = []
    for program in programs:
        on = program_today(program)
        facts, carnet = _facts_of(program=program, beneficiary=beneficiary, on=on, diagnostic=True)
        found = _refusal(program=program, beneficiary=beneficiary, on=on, facts=facts)
        rule, refusal = found or (None, None)
        options.append(
            IssueOption(
                program=program,
                refusal_rule=rule,
                refusal=refusal,
                carnet=carnet,
                has_entry_diagnostic=facts.has_entry_diagnostic,
            )
        )
    return options
