import datetime as dt

from accompaniments.services import attendance_record, participant_book, unit_consume
from accounts.enums import OrganisationKind as K
from beneficiaries.enums import ConsentMethod
from beneficiaries.services import beneficiary_create
from controls import rules
from controls.services import lines_check
from core.money import format_euros
from programs.enums import AgreementStatus
from programs.models import Agreement
from programs.services import agreement_set_status, quota_set
from territories.models import Commune
from tests.controls.helpers import give_place, issue, later, priced, use
from tests.fixtures_vouchers import during, make_session


def _suspend(program, structure, actor):
    agreement = Agreement.objects.get(program=program, structure=structure)
    return agreement_set_status(
        actor=actor,
        agreement=agreement,
        status=AgreementStatus.SUSPENDED,
        reason="Contrôle sur place en cours",
    )


# --- MANY_UNITS_ONE_DAY ---------------------------------------------------------------------


def test_four_units_of_one_carnet_on_one_day_are_suspicious(
    pass_structure, money_program, beneficiary, advisor, prescriber
):
    issued = issue(money_program, beneficiary, actor=advisor, prescriber=prescriber)
    for index in range(4):
        use(pass_structure, issued, index)
    findings = rules.many_units_one_day(priced())
    assert len(findings) == 4
    assert {(f.rule, f.verdict) for f in findings} == {("MANY_UNITS_ONE_DAY", "suspicious")}
    assert findings[0].explanation == (
        f"4 chèques du carnet {issued.carnet.number} utilisés le 25/11/2026 : "
        "plus de 3 le même jour."
    )


def test_units_already_controlled_that_day_count(
    pass_structure, money_program, beneficiary, advisor, prescriber
):
    issued = issue(money_program, beneficiary, actor=advisor, prescriber=prescriber)
    for index in range(3):
        use(pass_structure, issued, index)
    lines_check(lines=priced())
    use(pass_structure, issued, 3)
    [finding] = rules.many_units_one_day(priced())
    assert finding.explanation.startswith("4 chèques du carnet")


def test_three_units_a_day_are_not_held(
    pass_structure, money_program, beneficiary, advisor, prescriber, time_machine
):
    issued = issue(money_program, beneficiary, actor=advisor, prescriber=prescriber)
    for index in range(3):
        use(pass_structure, issued, index)
    later(time_machine, days=1)
    use(pass_structure, issued, 3)
    assert rules.many_units_one_day(priced()) == []


# --- OUTSIDE_AGREEMENT ----------------------------------------------------------------------


def test_a_use_outside_the_agreement_is_refused(
    pass_structure, money_program, beneficiary, advisor, prescriber, funder_user
):
    use(pass_structure, issue(money_program, beneficiary, actor=advisor, prescriber=prescriber), 0)
    assert rules.outside_agreement(priced()) == []
    _suspend(money_program, pass_structure, funder_user)
    [finding] = rules.outside_agreement(priced())
    assert (finding.rule, finding.verdict) == ("OUTSIDE_AGREEMENT", "ko")
    assert finding.explanation == (
        "Unité utilisée le 25/11/2026 hors convention pour Pass numérique test : la convention "
        "de Cyber-case test est « suspendue » (motif : Contrôle sur place en cours)."
    )


def test_the_agreement_covers_the_tolerance_month(
    pass_structure, money_program, beneficiary, advisor, prescriber, time_machine
):
    issued = issue(money_program, beneficiary, actor=advisor, prescriber=prescriber)
    time_machine.move_to(dt.datetime(2027, 1, 20, 9, tzinfo=dt.UTC))
    use(pass_structure, issued, 0)
    assert rules.outside_agreement(priced()) == []


# --- OUTSIDE_TERRITORY ----------------------------------------------------------------------


def test_a_person_living_outside_the_territory_is_suspicious(
    pass_structure, money_program, beneficiary, advisor, prescriber
):
    from_agen = beneficiary_create(
        actor=advisor,
        prescriber=prescriber,
        first_name="Paul",
        last_name="Martin",
        birth_date=dt.date(1960, 5, 1),
        commune=Commune.objects.get(code="47001"),
        consent_method=ConsentMethod.ORAL,
    )
    away = issue(money_program, from_agen, actor=advisor, prescriber=prescriber)
    use(pass_structure, away, 0)
    use(pass_structure, issue(money_program, beneficiary, actor=advisor, prescriber=prescriber), 0)
    [finding] = rules.outside_territory(priced())
    assert (finding.rule, finding.verdict) == ("OUTSIDE_TERRITORY", "suspicious")
    assert finding.explanation == (
        f"La personne du carnet {away.carnet.number} habite à Agen (47001), "
        "hors du territoire de Pass numérique test."
    )


# --- HOURS_BEFORE_START ---------------------------------------------------------------------


def test_hours_recorded_before_the_session_starts_are_refused(kk, beneficiary, advisor, prescriber):
    issue(kk["program"], beneficiary, actor=advisor, prescriber=prescriber, units=10)
    session = make_session(kk, day=3, hour=9)
    participant = participant_book(actor=None, session=session, beneficiary=beneficiary)
    # The service used directly, not through attendance_record (which waits for the start).
    answer = unit_consume(actor=None, structure=kk["structure"], participant=participant)
    assert answer.outcome == "consumed"
    [finding] = rules.hours_before_start(priced())
    assert (finding.rule, finding.verdict) == ("HOURS_BEFORE_START", "ko")
    assert finding.explanation.startswith("Heures notées le 25/11/2026 à 13:0")
    assert finding.explanation.endswith(
        "pour la séance « Atelier smartphone » qui commençait le 03/12/2026 à 09:00 : "
        "avant son début."
    )


def test_hours_recorded_during_the_session_pass(kk, beneficiary, advisor, prescriber):
    issue(kk["program"], beneficiary, actor=advisor, prescriber=prescriber, units=10)
    session = make_session(kk, day=3, hour=9)
    participant = participant_book(actor=None, session=session, beneficiary=beneficiary)
    with during(session):
        attendance_record(
            actor=None, structure=kk["structure"], participant=participant, status="present"
        )
    assert len(priced()) == 1
    assert rules.hours_before_start(priced()) == []


# --- MANY_STRUCTURES_IN_A_WEEK --------------------------------------------------------------


def test_three_structures_within_a_week_are_suspicious(
    pass_structure,
    money_program,
    make_agreed_structure,
    beneficiary,
    advisor,
    prescriber,
    time_machine,
):
    second = make_agreed_structure(money_program, "Médiathèque test")
    third = make_agreed_structure(money_program, "Espace numérique test")
    issued = issue(money_program, beneficiary, actor=advisor, prescriber=prescriber)
    use(pass_structure, issued, 0)
    later(time_machine, days=3)
    use(second, issued, 1)
    later(time_machine, days=3)
    use(third, issued, 2)
    findings = rules.many_structures_in_a_week(priced())
    assert len(findings) == 3
    assert {(f.rule, f.verdict) for f in findings} == {("MANY_STRUCTURES_IN_A_WEEK", "suspicious")}
    assert findings[-1].explanation == (
        f"Les chèques de la personne du carnet {issued.carnet.number} ont été utilisés dans "
        "3 structures en 7 jours : Cyber-case test (25/11/2026), Médiathèque test (28/11/2026), "
        "Espace numérique test (01/12/2026)."
    )


def test_three_structures_over_more_than_a_week_pass(
    pass_structure,
    money_program,
    make_agreed_structure,
    beneficiary,
    advisor,
    prescriber,
    time_machine,
):
    second = make_agreed_structure(money_program, "Médiathèque test")
    third = make_agreed_structure(money_program, "Espace numérique test")
    issued = issue(money_program, beneficiary, actor=advisor, prescriber=prescriber)
    use(pass_structure, issued, 0)
    later(time_machine, days=4)
    use(second, issued, 1)
    later(time_machine, days=5)
    use(third, issued, 2)
    assert rules.many_structures_in_a_week(priced()) == []


# --- VOLUME_JUMP ----------------------------------------------------------------------------


def _months_of_use(
    counts, *, program, structure, make_agreement, make_beneficiary, advisor, prescriber, tm
):
    """Uses `counts` vouchers on the 10th of August, September and October 2026, then the
    rest on 25 November 2026; returns a function that uses more that day."""
    tm.move_to(dt.datetime(2026, 8, 10, 9, tzinfo=dt.UTC))
    make_agreement(program, structure)
    carnets = [
        issue(program, make_beneficiary(), actor=advisor, prescriber=prescriber, units=10)
        for _ in range(7)
    ]
    vouchers = iter([(carnet, index) for carnet in carnets for index in range(10)])

    def spend(count):
        for _ in range(count):
            carnet, index = next(vouchers)
            use(structure, carnet, index)

    for month, count in zip((8, 9, 10), counts, strict=True):
        tm.move_to(dt.datetime(2026, month, 10, 9, tzinfo=dt.UTC))
        spend(count)
    tm.move_to(dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC))
    return spend


def test_a_month_above_three_times_the_average_is_suspicious(
    money_program, structure, make_agreement, make_beneficiary, advisor, prescriber, time_machine
):
    spend = _months_of_use(
        (10, 10, 10),
        program=money_program,
        structure=structure,
        make_agreement=make_agreement,
        make_beneficiary=make_beneficiary,
        advisor=advisor,
        prescriber=prescriber,
        tm=time_machine,
    )
    spend(30)
    assert rules.volume_jump(priced()) == []  # 300 EUR: 3 times the average, not more
    spend(1)
    findings = rules.volume_jump(priced())
    november = {line.pk for line in priced() if line.happened_at.month == 11}
    assert len(november) == 31 and {f.line_id for f in findings} == november
    assert {(f.rule, f.verdict) for f in findings} == {("VOLUME_JUMP", "suspicious")}
    assert findings[0].explanation == (
        f"Cyber-case test : {format_euros(31000)} pour Pass numérique test en novembre 2026, "
        f"plus de 3 fois sa moyenne d'août 2026 à octobre 2026 ({format_euros(10000)} par mois)."
    )


def test_a_small_structure_growing_fast_is_not_held(
    money_program, structure, make_agreement, make_beneficiary, advisor, prescriber, time_machine
):
    spend = _months_of_use(
        (1, 1, 1),
        program=money_program,
        structure=structure,
        make_agreement=make_agreement,
        make_beneficiary=make_beneficiary,
        advisor=advisor,
        prescriber=prescriber,
        tm=time_machine,
    )
    spend(10)  # 10 times its average, but the average is 10 EUR
    assert rules.volume_jump(priced()) == []


# --- SELF_ISSUED ----------------------------------------------------------------------------


def test_a_carnet_used_at_once_by_the_organisation_that_issued_it_is_suspicious(
    money_program,
    reunion_places,
    make_organisation,
    make_agreement,
    make_member,
    make_beneficiary,
    funder_user,
    time_machine,
):
    relay = give_place(
        make_organisation(name="Association Relais", kinds=(K.STRUCTURE, K.PRESCRIBER))
    )
    make_agreement(money_program, relay)
    quota_set(actor=funder_user, program=money_program, prescriber=relay, units=50)
    worker = make_member(relay)
    issued = issue(
        money_program, make_beneficiary(organisation=relay), actor=worker, prescriber=relay
    )
    use(relay, issued, 0)
    later(time_machine, minutes=61)
    use(relay, issued, 1)
    first, _second = priced()
    [finding] = rules.self_issued(priced())
    assert (finding.line_id, finding.rule, finding.verdict) == (
        first.pk,
        "SELF_ISSUED",
        "suspicious",
    )
    assert finding.explanation.startswith(
        f"Carnet {issued.carnet.number} remis par Association Relais le 25/11/2026 à 10:0"
    )
    assert "utilisé par la même organisation 0 min plus tard" in finding.explanation


def test_a_carnet_used_at_once_elsewhere_passes(
    pass_structure, money_program, beneficiary, advisor, prescriber
):
    use(pass_structure, issue(money_program, beneficiary, actor=advisor, prescriber=prescriber), 0)
    assert rules.self_issued(priced()) == []


# --- Reversals ------------------------------------------------------------------------------


def test_reversal_lines_are_never_held(kk, beneficiary, advisor, prescriber, funder_user):
    issue(kk["program"], beneficiary, actor=advisor, prescriber=prescriber, units=10)
    session = make_session(kk, day=3, hour=9, minutes=240)
    participant = participant_book(actor=None, session=session, beneficiary=beneficiary)
    with during(session):
        attendance_record(
            actor=None, structure=kk["structure"], participant=participant, status="present"
        )
        participant.refresh_from_db()
        attendance_record(
            actor=None,
            structure=kk["structure"],
            participant=participant,
            status="absent",
            reason="Erreur de saisie",
        )
    _suspend(kk["program"], kk["structure"], funder_user)
    lines = priced()
    reversals = {line.pk for line in lines if line.amount_cents < 0}
    assert len(reversals) == 4 and len(lines) == 8
    facts = rules.Facts(lines)
    findings = [finding for rule in rules.RULES for finding in rule(lines, facts)]
    held = {finding.line_id for finding in findings}
    assert held == {line.pk for line in lines} - reversals
    assert {f.rule for f in findings} == {"OUTSIDE_AGREEMENT"}  # the 4 hours were given back
