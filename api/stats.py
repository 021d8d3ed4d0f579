"""Program statistics for partners (scope `stats:read`): the headline figures of the funder
dashboard, read by the same selectors (reporting.selectors.program_dashboard)."""

import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from accompaniments.api import scope_require
from accounts.enums import ApiScope
from programs.selectors import programs_visible_to
from reporting.enums import PeriodKind
from reporting.periods import period_parse
from reporting.selectors import program_dashboard

router = Router(tags=["statistiques"])


class PeriodIn(Schema):
    periode: PeriodKind = Field(
        PeriodKind.MONTH, description="mois, trimestre, annee ou dates (du … au …)."
    )
    valeur: str = Field(
        "",
        max_length=10,
        description="2026-03 (mois), 2026-T1 (trimestre), 2026 (année) ; vide : la période en "
        "cours dans le fuseau du programme.",
    )
    du: str = Field("", max_length=10, description="Premier jour (dates), AAAA-MM-JJ.")
    au: str = Field("", max_length=10, description="Dernier jour (dates), AAAA-MM-JJ.")


class PeriodOut(Schema):
    kind: str
    first_day: dt.date
    last_day: dt.date
    label: str
    time_zone: str


class CarnetsOut(Schema):
    issued: int = Field(description="Carnets remis dans la période (remplacements exceptés).")
    started: int = Field(description="… dont au moins une unité utilisée.")
    finished: int = Field(description="… dont toutes les unités utilisées.")
    expired: int = Field(description="… dont au moins une unité expirée.")
    consumption_rate: float = Field(description="Part de leurs unités (ou minutes) utilisée.")


class BudgetOut(Schema):
    committed_cents: int = Field(description="Engagé par les unités remises dans la période.")
    consumed_cents: int = Field(description="Consommé dans la période, corrections déduites.")
    reimbursed_cents: int = Field(description="Payé aux structures dans la période.")
    released_cents: int = Field(description="Rendu au budget par les unités expirées.")
    funded_cents: int = Field(description="Budget financé du programme (total).")
    available_cents: int = Field(description="Disponible aujourd'hui.")


class ProgramStatsOut(Schema):
    program: str = Field(description="Identifiant court du programme.")
    name: str
    period: PeriodOut
    people: int = Field(description="Personnes ayant utilisé au moins une unité.")
    target: int = Field(description="Objectif de personnes sur la période (objectif annuel).")
    units_used: int
    minutes_used: int
    carnets: CarnetsOut
    budget: BudgetOut


@router.get("/programs/{slug}", response=ProgramStatsOut, url_name="stats_program")
def program_stats(request: HttpRequest, slug: str, period: Query[PeriodIn]):
    """The figures of a program over a period, as on its funder dashboard. Requires the
    `stats:read` scope and a key of the program's lead funder, a co-funder or the operator."""
    scope_require(request, ApiScope.STATS_READ)
    program = programs_visible_to(organisations=[request.organisation]).filter(slug=slug).first()
    if program is None:
        raise Http404
    chosen = period_parse(
        source=program, kind=period.periode, value=period.valeur, first=period.du, last=period.au
    )
    board = program_dashboard(program=program, period=chosen)
    carnets, budget = board.carnets, board.budget
    return {
        "program": program.slug,
        "name": program.name,
        "period": {
            "kind": chosen.kind,
            "first_day": chosen.first_day,
            "last_day": chosen.last_day,
            "label": chosen.label,
            "time_zone": chosen.zone,
        },
        "people": board.people,
        "target": board.target,
        "units_used": board.units_used,
        "minutes_used": board.minutes_used,
        "carnets": {
            "issued": carnets.issued,
            "started": carnets.started,
            "finished": carnets.finished,
            "expired": carnets.expired,
            "consumption_rate": round(carnets.rate, 4),
        },
        "budget": {
            "committed_cents": budget.committed_cents,
            "consumed_cents": budget.consumed_cents,
            "reimbursed_cents": budget.reimbursed_cents,
            "released_cents": budget.released_cents,
            "funded_cents": program.funded_cents,
            "available_cents": program.available_cents,
        },
    }
