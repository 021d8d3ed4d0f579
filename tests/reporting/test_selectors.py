"""reporting.selectors: every figure of the funder dashboard equals the same figure computed
independently by walking the unit ledger (tests/reporting/ledger.py)."""

import datetime as dt

import pytest

from accompaniments import services as counter
from reporting import selectors
from reporting.periods import period_parse
from settlement import services as settlement
from settlement.enums import LineStatus
from settlement.models import PricingLine
from tests.reporting.ledger import ledger_figures
from vouchers.models import UnitEvent

PERIODS = [
    ("mois", "2026-10", "", ""),
    ("mois", "2026-11", "", ""),
    ("trimestre", "2026-T4", "", ""),
    ("annee", "2026", "", ""),
    ("dates", "", "2026-10-06", "2026-11-18"),
]


def _rows(rows):
    return {
        row.key: {
            "people": row.people,
            "carnets": row.carnets,
            "units": row.units,
            "minutes": row.minutes,
            "amount_cents": row.amount_cents,
        }
        for row in rows
    }


def _expected(rows):
    keys = ("people", "carnets", "units", "minutes", "amount_cents")
    return {key: {name: row.get(name, 0) for name in keys} for key, row in rows.items()}


@pytest.mark.parametrize("which", ["money", "hours"])
@pytest.mark.parametrize(("kind", "value", "first", "last"), PERIODS)
def test_dashboard_equals_the_ledger(activity, which, kind, value, first, last):
    program = activity[which]
    period = period_parse(source=program, kind=kind, value=value, first=first, last=last)
    expected = ledger_figures(program, period.first_day, period.last_day)
    board = selectors.program_dashboard(program=program, period=period)
    cohort = expected["cohort"]
    assert (board.people, board.units_used, board.minutes_used) == (
        expected["people"],
        expected["units"],
        expected["minutes"],
    )
    carnets = board.carnets
    assert (
        carnets.issued,
        carnets.started,
        carnets.finished,
        carnets.expired,
        carnets.units,
        carnets.minutes_used,
    ) == (
        cohort["issued"],
        cohort["started"],
        cohort["finished"],
        cohort["expired"],
        cohort["units"],
        cohort["minutes_used"],
    )
    budget = board.budget
    assert (
        budget.committed_cents,
        budget.consumed_cents,
        budget.reimbursed_cents,
        budget.released_cents,
    ) == (cohort["committed"], expected["amount"], expected["reimbursed"], expected["released"])
    for dimension in ("commune", "prescriber", "track", "structure"):
        rows = selectors.breakdown(program=program, period=period, dimension=dimension)
        wanted = _expected(expected["by"][dimension])
        if dimension == "structure":
            wanted = {k: v for k, v in wanted.items() if k is not None}
        assert _rows(rows) == wanted, dimension


def test_the_scenario_has_something_in_every_figure(activity):
    """The comparison above is worth something only if the figures are not all zero."""
    money, hours = activity["money"], activity["hours"]
    november = period_parse(source=money, kind="mois", value="2026-11")
    board = selectors.program_dashboard(program=money, period=november)
    assert board.people == 2  # ana (end of carnet a) and cat
    assert board.units_used == 3 and board.budget.consumed_cents == 3000
    uses = selectors.period_uses(program=money, period=november)
    assert {type(value) for use in uses for value in use[6:]} == {int}  # no Decimal (PostgreSQL)
    assert (board.carnets.issued, board.carnets.started, board.carnets.expired) == (2, 1, 1)
    assert board.budget.reimbursed_cents == 6000 and board.budget.released_cents == 5000
    october = period_parse(source=money, kind="mois", value="2026-10")
    cohort = selectors.program_dashboard(program=money, period=october).carnets
    assert (cohort.issued, cohort.started, cohort.finished) == (2, 1, 1)
    assert cohort.rate == pytest.approx(0.5)
    year = period_parse(source=hours, kind="annee", value="2026")
    board = selectors.program_dashboard(program=hours, period=year)
    assert board.minutes_used == 90 + 120  # fay's two hours were given back
    assert board.budget.consumed_cents == 4500 + 2000  # 1 h 30 alone, 2 h in a workshop


def test_burn_down_follows_the_program_dates(activity):
    money = activity["money"]
    points = selectors.burn_down(program=money)
    assert [p.month for p in points][:2] == [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    assert len(points) == 12
    by_month = {p.month: p for p in points}
    assert by_month[dt.date(2026, 10, 1)].consumed_cents == 3000
    assert by_month[dt.date(2026, 11, 1)].remaining_cents == money.funded_cents - 6000
    assert by_month[dt.date(2026, 12, 1)].remaining_cents is None
    assert points[-1].planned_cents == 0 and points[0].planned_cents < money.funded_cents


def test_closed_months_are_read_once_then_only_the_current_month(
    activity, django_assert_num_queries
):
    money = activity["money"]
    first = selectors.burn_down(program=money)
    with django_assert_num_queries(1):
        assert selectors.burn_down(program=money) == first
    november = first[10].consumed_cents
    with django_assert_num_queries(0):
        assert selectors.burn_down(program=money, this_month_cents=november) == first


def test_categories_themes_progress_and_satisfaction(activity):
    hours, money = activity["hours"], activity["money"]
    year = period_parse(source=hours, kind="annee", value="2026")
    categories = {
        row.key: row for row in selectors.breakdown_by_category(program=money, period=year)
    }
    assert categories["senior"].people == 1 and categories["senior"].carnets == 2  # ana, ben
    assert categories["job_seeker"].carnets == 1 and categories[""].carnets == 1
    themes = {row.key: row for row in selectors.breakdown_by_theme(program=hours, period=year)}
    assert themes["démarches"].extra["sessions"] == 1 and themes["démarches"].minutes == 90
    assert themes["smartphone"].people == 1  # fay was marked absent
    progress = selectors.skill_progress(program=hours, period=year)
    assert (progress.people, progress.progressed) == (1, 1)
    skills = {skill.key: skill for skill in progress.skills}
    assert skills["device"].share == 1 and skills["email"].share == 1
    assert skills["security"].share == 0 and skills["health"].people == 1
    opinion = selectors.satisfaction(program=hours, period=year)
    assert opinion.answers == 2 and opinion.helped_mean == 3 and opinion.recommend_share == 0.5
    assert opinion.helped_counts == {1: 0, 2: 1, 3: 0, 4: 1}


@pytest.mark.parametrize(
    ("kind", "value", "first", "last", "field"),
    [
        ("mois", "2026-13", "", "", "valeur"),
        ("trimestre", "2026-T5", "", "", "valeur"),
        ("annee", "26", "", "", "valeur"),
        ("dates", "", "2026-11-01", "", "au"),
        ("dates", "", "2026-11-30", "2026-11-01", "au"),
        ("dates", "", "hier", "2026-11-01", "du"),
        ("semaine", "", "", "", "periode"),
    ],
)
def test_a_period_that_cannot_be_read_is_refused_with_its_field(
    money_program, kind, value, first, last, field
):
    from reporting.exceptions import ReportingError

    with pytest.raises(ReportingError) as error:
        period_parse(source=money_program, kind=kind, value=value, first=first, last=last)
    assert error.value.field == field and error.value.message


def test_periods_are_read_in_the_program_zone(money_program, hours_program):
    quarter = period_parse(source=hours_program, kind="trimestre", value="2026-t2")
    assert (quarter.first_day, quarter.last_day) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert quarter.start.utcoffset() == dt.timedelta(hours=4)
    default = period_parse(source=money_program)
    assert default.value == "2026-11" and default.label == "novembre 2026"


def test_every_event_carries_its_units_program_and_carnet(activity):
    """The dashboards read a program's events by the columns vouchers.ledger copies."""
    events = list(UnitEvent.objects.select_related("unit"))
    assert {e.kind for e in events} >= {"issued", "consumed", "reversed", "expired", "reimbursed"}
    assert [(e.program_id, e.carnet_id) for e in events] == [
        (e.unit.program_id, e.unit.carnet_id) for e in events
    ]


def test_a_batch_paid_after_the_page_was_read_is_counted(activity, time_machine):
    """What a paid batch paid is kept in the cache; a batch paid later in the period is not
    hidden by it."""
    money, structure, c = activity["money"], activity["structure"], activity["carnets"]["c"]
    november = period_parse(source=money, kind="mois", value="2026-11")
    assert (
        selectors.program_dashboard(program=money, period=november).budget.reimbursed_cents == 6000
    )
    time_machine.move_to(dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC))
    serial, code = c.codes[1]
    assert counter.unit_consume(actor=None, structure=structure, serial=serial, code=code).ok
    PricingLine.objects.filter(status=LineStatus.PRICED).update(status=LineStatus.ACCEPTED)
    batch = settlement.batch_build(actor=None, until=dt.date(2026, 11, 26)).batch
    settlement.batch_mark_sent(actor=None, batch=batch)
    settlement.batch_mark_paid(actor=None, batch=batch)
    board = selectors.program_dashboard(program=money, period=november)
    expected = ledger_figures(money, november.first_day, november.last_day)
    assert board.budget.reimbursed_cents == expected["reimbursed"] == 7000
