"""programs.services: programs and their rules, funding, quotas and the budget, calls,
applications and their review, agreements."""

import datetime as dt

import pytest

from accounts.enums import OrganisationKind as K
from core.models import AuditEntry
from places.models import Place, PlaceProgram
from places.services import place_program_accept
from programs import services
from programs.enums import FunderCategory
from programs.exceptions import BudgetExceeded, ProgramsError, QuotaExceeded, TransitionRefused
from programs.models import PrescriberQuota, Program
from programs.selectors import applications_ranked, funding_shares
from tests.factories import AgreementFactory, ApplicationFactory, CommitmentFactory


def test_reserve_takes_from_quota_and_budget(program, funder_user, prescriber):
    CommitmentFactory(program=program, amount_cents=30_000)  # 10 hours at 30 EUR
    services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=20)
    assert services.budget_reserve(program=program, prescriber=prescriber, units=10) == 30_000
    program.refresh_from_db()
    assert (program.committed_cents, program.available_cents) == (30_000, 0)
    with pytest.raises(BudgetExceeded):
        services.budget_reserve(program=program, prescriber=prescriber, units=1)
    quota = PrescriberQuota.objects.get()
    assert quota.units_issued == 10  # the refused reservation took nothing from the quota


def test_quota_is_enforced(program, funder_user, prescriber, make_organisation):
    CommitmentFactory(program=program, amount_cents=1_000_000)
    services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=5)
    with pytest.raises(QuotaExceeded):
        services.budget_reserve(program=program, prescriber=prescriber, units=6)
    other = make_organisation(kinds=(K.PRESCRIBER,))
    with pytest.raises(QuotaExceeded):
        services.budget_reserve(program=program, prescriber=other, units=1)
    services.budget_reserve(program=program, prescriber=prescriber, units=5)
    with pytest.raises(ProgramsError, match="ne peut pas descendre"):
        services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=4)


def test_release_gives_budget_back(program, funder_user, prescriber):
    CommitmentFactory(program=program, amount_cents=30_000)
    services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=20)
    services.budget_reserve(program=program, prescriber=prescriber, units=10)
    services.budget_release(program=program, cents=9_000)
    program.refresh_from_db()
    assert (program.committed_cents, program.released_cents, program.available_cents) == (
        21_000,
        9_000,
        9_000,
    )


def test_state_share_is_capped(program, funder, make_organisation):
    state = make_organisation(name="ANCT", kinds=(K.FUNDER,))
    CommitmentFactory(program=program, amount_cents=100_000)
    with pytest.raises(ProgramsError, match="dépasserait 50 %"):
        CommitmentFactory(
            program=program,
            funder=state,
            category=FunderCategory.STATE,
            amount_cents=100_001,
            share_cap_bp=5000,
        )
    CommitmentFactory(
        program=program,
        funder=state,
        category=FunderCategory.STATE,
        amount_cents=100_000,
        share_cap_bp=5000,
    )
    program.refresh_from_db()
    assert program.funded_cents == 200_000
    Program.objects.filter(pk=program.pk).update(consumed_cents=60_000)
    program.refresh_from_db()
    shares = {s.commitment.funder.name: s.callable_cents for s in funding_shares(program=program)}
    assert shares["ANCT"] == 30_000  # 50 % of the units actually used
    assert shares[funder.name] == 100_000
    assert AuditEntry.objects.filter(action="program.commitment_added").count() == 2


def test_the_state_gets_its_cap_by_default(program, make_organisation):
    state = make_organisation(name="ANCT", kinds=(K.FUNDER,))
    CommitmentFactory(program=program, amount_cents=100_000)
    with pytest.raises(ProgramsError, match="dépasserait 50 %"):
        CommitmentFactory(
            program=program, funder=state, category=FunderCategory.STATE, amount_cents=150_000
        )
    commitment = CommitmentFactory(
        program=program, funder=state, category=FunderCategory.STATE, amount_cents=100_000
    )
    assert commitment.share_cap_bp == 5000


def test_the_service_holds_the_program_rules_whatever_calls_it(make_program):
    """The rules once in ProgramForm.clean live in program_create: a command or the API cannot
    skip them."""

    cases = [
        ({"carnet_sizes": [20], "yearly_cap_units": 10}, "carnet_sizes"),
        ({"carnet_sizes": [5], "min_units_per_beneficiary": 10}, "carnet_sizes"),
        ({"hourly_rate_individual_cents": 0}, "hourly_rate_individual_cents"),
        ({"hourly_rate_collective_cents": 5000}, "hourly_rate_collective_cents"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"min_age": 300}, "min_age"),
        ({"retention_months": 6}, "retention_months"),
        ({"retention_months": 121}, "retention_months"),
    ]
    for overrides, field in cases:
        with pytest.raises(ProgramsError) as error:
            make_program(slug=f"p-{field}", **overrides)
        assert error.value.field == field, overrides


def test_the_service_refuses_unknown_categories_and_odd_ages(make_program):
    with pytest.raises(ProgramsError, match="situation inconnue"):
        make_program(eligible_categories=["astronaut"])
    with pytest.raises(ProgramsError, match="Âge minimum"):
        make_program(min_age=0)
    with pytest.raises(ProgramsError, match="Âge minimum"):
        make_program(min_age=200)
    assert not Program.objects.exists()


def test_submit_needs_the_program_minimum_opening_hours(open_call, structure, structure_user):
    application = ApplicationFactory(
        call=open_call, structure=structure, actor=structure_user, weekly_opening_hours=20
    )
    with pytest.raises(ProgramsError, match="au moins 24 h"):
        services.application_submit(actor=structure_user, application=application)


def test_refusal_needs_a_reason_and_transitions_are_guarded(
    open_call, structure, structure_user, funder_user
):
    application = ApplicationFactory(call=open_call, structure=structure, actor=structure_user)
    with pytest.raises(TransitionRefused):
        services.application_accept(actor=funder_user, application=application)
    services.application_submit(actor=structure_user, application=application)
    with pytest.raises(ProgramsError, match="motif"):
        services.application_refuse(actor=funder_user, application=application, reason=" ")
    services.application_refuse(
        actor=funder_user, application=application, reason="Hors territoire"
    )
    with pytest.raises(TransitionRefused):
        services.application_save(
            actor=structure_user,
            call=open_call,
            structure=structure,
            application=application,
            presentation="x",
        )


def test_reviews_are_bounded_and_rank_applications(
    open_call, structure, structure_user, funder_user, make_organisation, make_member
):
    application = ApplicationFactory(
        call=open_call, structure=structure, actor=structure_user, submitted=True
    )
    with pytest.raises(ProgramsError, match="se note de 0 à 5"):
        services.review_save(actor=funder_user, application=application, scores=[5, 6])
    services.review_save(actor=funder_user, application=application, scores=[5, 5])
    other = make_organisation(kinds=("structure",))
    other_user = make_member(other)
    second = ApplicationFactory(
        call=open_call,
        structure=other,
        actor=other_user,
        new_places="Salle municipale, 1 rue de la Mairie, Bras-Panon",
        submitted=True,
    )
    services.review_save(actor=funder_user, application=second, scores=[9, 5])
    ranked = applications_ranked(call=open_call)
    assert [a.pk for a in ranked] == [second.pk, application.pk]


def test_the_closing_date_holds_for_drafts_not_for_applications_sent_back(
    open_call, structure, structure_user, funder_user, time_machine
):
    first = ApplicationFactory(
        call=open_call, structure=structure, actor=structure_user, submitted=True
    )
    services.application_request_changes(actor=funder_user, application=first, message="RIB")
    open_call.closes_on = dt.date(2026, 11, 30)
    open_call.save()
    time_machine.move_to(dt.datetime(2026, 12, 2, 8, tzinfo=dt.UTC))
    services.application_save(
        actor=structure_user,
        call=open_call,
        structure=structure,
        application=first,
        presentation="complété",
    )
    services.application_submit(actor=structure_user, application=first)
    services.application_withdraw(actor=structure_user, application=first)
    with pytest.raises(ProgramsError, match="pas ouvert"):
        ApplicationFactory(call=open_call, structure=structure, actor=structure_user)


def test_ticking_another_structures_place_is_refused_by_the_service(
    open_call, structure, structure_user, other_structure
):
    theirs = Place.objects.get(structure=other_structure)
    mine = list(Place.objects.filter(structure=structure))
    with pytest.raises(ProgramsError) as refused:
        ApplicationFactory(
            call=open_call, structure=structure, actor=structure_user, places=[*mine, theirs]
        )
    assert str(refused.value).startswith(
        f"Lieux proposés : « {theirs.nom} » ({theirs.commune}) n'est pas rattaché à "
        "Cyber-case test. Une structure ne propose que ses propres lieux."
    )
    free = Place.objects.filter(structure__isnull=True).first()
    with pytest.raises(ProgramsError, match="n'est pas rattaché"):
        ApplicationFactory(call=open_call, structure=structure, actor=structure_user, places=[free])
    assert not open_call.applications.exists()
    application = ApplicationFactory(
        call=open_call, structure=structure, actor=structure_user, places=mine
    )
    assert set(application.places.all()) == set(mine)
    with pytest.raises(ProgramsError, match="ne sont pas rattachés"):
        services.application_save(
            actor=structure_user,
            call=open_call,
            structure=structure,
            application=application,
            places=[theirs, free],
        )
    assert set(application.places.all()) == set(mine)


def test_a_place_attached_elsewhere_after_saving_blocks_submission_and_stays_out_of_the_agreement(
    open_call, structure, structure_user, other_structure, funder_user
):
    mine = list(Place.objects.filter(structure=structure).order_by("pk"))
    application = ApplicationFactory(
        call=open_call, structure=structure, actor=structure_user, places=mine
    )
    Place.objects.filter(pk=mine[0].pk).update(structure=other_structure)
    with pytest.raises(ProgramsError, match="n'est pas rattaché à Cyber-case test"):
        services.application_submit(actor=structure_user, application=application)
    Place.objects.filter(pk=mine[0].pk).update(structure=structure)
    services.application_submit(actor=structure_user, application=application)
    Place.objects.filter(pk=mine[0].pk).update(structure=other_structure)  # during the review
    agreement = services.application_accept(actor=funder_user, application=application)
    assert list(agreement.places.all()) == [mine[1]]
    assert not mine[0].program_links.exists() and mine[1].program_links.exists()


def test_no_agreement_after_the_program_ended(
    open_call, structure, structure_user, funder_user, program
):
    application = ApplicationFactory(
        call=open_call, structure=structure, actor=structure_user, submitted=True
    )
    Program.objects.filter(pk=program.pk).update(ends_on=dt.date(2026, 11, 1))
    application.refresh_from_db()
    with pytest.raises(ProgramsError, match="s'est terminé le 01/11/2026"):
        services.application_accept(actor=funder_user, application=application)


def test_suspending_an_agreement_removes_the_places_from_the_program_and_reactivating_restores(
    structure, funder_user, program
):
    agreement = AgreementFactory(
        program=program, structure=structure, accepted_by=funder_user, active=True
    )
    assert PlaceProgram.objects.filter(program=program).count() == 2
    with pytest.raises(ProgramsError, match="motif"):
        services.agreement_set_status(actor=funder_user, agreement=agreement, status="suspended")
    services.agreement_set_status(
        actor=funder_user, agreement=agreement, status="suspended", reason="Contrôle"
    )
    assert PlaceProgram.objects.filter(program=program).count() == 0
    services.agreement_set_status(actor=funder_user, agreement=agreement, status="active")
    assert PlaceProgram.objects.filter(program=program).count() == 2
    services.agreement_set_status(
        actor=funder_user, agreement=agreement, status="terminated", reason="Fin"
    )
    assert PlaceProgram.objects.filter(program=program).count() == 0


def test_an_operator_link_survives_the_end_of_an_agreement(
    communes, open_call, structure, structure_user, funder_user, program
):
    place = Place.objects.filter(structure=structure).first()
    place_program_accept(actor=None, place=place, program=program)
    application = ApplicationFactory(
        call=open_call, structure=structure, actor=structure_user, places=[place], submitted=True
    )
    agreement = services.application_accept(actor=funder_user, application=application)
    services.agreement_set_status(
        actor=funder_user, agreement=agreement, status="terminated", reason="fin"
    )
    assert place.program_links.get().link_source == "operator"


def test_every_setting_changes_until_the_first_carnet_then_only_the_safe_ones(
    program, funder_user, prescriber
):
    program = services.program_update(
        actor=funder_user,
        program=program,
        hourly_rate_individual_cents=3500,
        carnet_sizes=[5, 10],
        communes=[],
    )
    assert (program.hourly_rate_individual_cents, program.carnet_sizes) == (3500, [5, 10])
    assert services.program_editable_fields(program=program) is None

    CommitmentFactory(program=program, actor=funder_user, amount_cents=1_000_000)
    services.quota_set(actor=funder_user, program=program, prescriber=prescriber, units=100)
    services.budget_reserve(program=program, prescriber=prescriber, units=10)  # a carnet
    program.refresh_from_db()
    assert "hourly_rate_individual_cents" not in services.program_editable_fields(program=program)

    with pytest.raises(ProgramsError) as refused:
        services.program_update(actor=funder_user, program=program, hourly_rate_individual_cents=1)
    assert refused.value.field == "hourly_rate_individual_cents"
    assert "des carnets ont déjà été remis" in refused.value.message
    with pytest.raises(ProgramsError) as earlier:
        services.program_update(actor=funder_user, program=program, ends_on=dt.date(2026, 12, 1))
    assert earlier.value.field == "ends_on" and "prolongée" in earlier.value.message
    with pytest.raises(ProgramsError):
        services.program_update(actor=funder_user, program=program, validity_end_on=None)

    program = services.program_update(
        actor=funder_user,
        program=program,
        name="Kap Konèk.t 2026-2027",
        ends_on=dt.date(2027, 6, 30),
        validity_end_on=dt.date(2027, 6, 30),
        hourly_rate_individual_cents=3500,  # unchanged: allowed
    )
    program.refresh_from_db()
    assert (program.name, program.ends_on) == ("Kap Konèk.t 2026-2027", dt.date(2027, 6, 30))
    entry = AuditEntry.objects.filter(action="program.updated").order_by("pk").last()
    assert entry.data == {"fields": ["ends_on", "name", "validity_end_on"]}


def test_settings_still_hold_together_when_changed(program, funder_user):
    with pytest.raises(ProgramsError) as refused:
        services.program_update(actor=funder_user, program=program, ends_on=dt.date(2025, 1, 1))
    assert refused.value.field == "ends_on"
    program.refresh_from_db()
    assert program.ends_on == dt.date(2026, 12, 31)
