"""The tables of the dashboards: each names its columns once (stable export names, French
titles, what they hold), and reads its rows from reporting.selectors. The page shows them,
the exports download them with the same filters, the page "Colonnes des exports" lists them."""

from functools import cached_property

from core.timezones import local
from programs.models import Program
from programs.selectors import program_today
from reporting import selectors
from reporting.enums import PeriodKind
from reporting.exports import Column, Table
from reporting.periods import Period
from vouchers.enums import UnitEventKind

DSFR_COLOURS = ["#000091", "#e1000f", "#6a6af4", "#009081", "#c3992a", "#a558a0", "#ce614a"]

UNIT_NAMES = {"int": "nombre", "cents": "centimes", "minutes": "minutes", "share": "part de 0 à 1"}

_DIMENSION_COLUMNS = (
    Column("personnes", "Personnes accompagnées", "int", "au moins un chèque ou une heure utilisé"),
    Column("carnets_remis", "Carnets remis", "int", "remplacements de carnets perdus exceptés"),
    Column(
        "unites_utilisees", "Chèques ou heures utilisés", "int", "utilisations moins corrections"
    ),
    Column("minutes_utilisees", "Heures utilisées", "minutes", "en minutes dans les exports"),
    Column("montant_centimes", "Montant consommé", "cents", "en centimes dans les exports"),
)


def _dimension_rows(rows):
    for row in rows:
        yield (
            row.key,
            row.label,
            row.people,
            row.carnets,
            row.units,
            row.minutes,
            row.amount_cents,
        )


FIGURES = (
    ("personnes", "Personnes accompagnées", "int", lambda r: r.board.people),
    ("objectif_personnes", "Objectif sur la période", "int", lambda r: r.board.target),
    ("carnets_remis", "Carnets remis", "int", lambda r: r.board.carnets.issued),
    ("carnets_commences", "… dont commencés", "int", lambda r: r.board.carnets.started),
    ("carnets_termines", "… dont terminés", "int", lambda r: r.board.carnets.finished),
    ("carnets_expires", "… dont expirés", "int", lambda r: r.board.carnets.expired),
    (
        "taux_utilisation",
        "Taux d'utilisation des carnets remis",
        "share",
        lambda r: r.board.carnets.rate,
    ),
    ("unites_utilisees", "Chèques ou heures utilisés", "int", lambda r: r.board.units_used),
    ("minutes_utilisees", "Heures utilisées", "minutes", lambda r: r.board.minutes_used),
    (
        "engage_centimes",
        "Budget engagé (carnets remis)",
        "cents",
        lambda r: r.board.budget.committed_cents,
    ),
    ("consomme_centimes", "Budget consommé", "cents", lambda r: r.board.budget.consumed_cents),
    (
        "rembourse_centimes",
        "Remboursé aux structures",
        "cents",
        lambda r: r.board.budget.reimbursed_cents,
    ),
    (
        "rendu_centimes",
        "Rendu aux financeurs (expiré)",
        "cents",
        lambda r: r.board.budget.released_cents,
    ),
    ("finance_total_centimes", "Budget financé (total)", "cents", lambda r: r.program.funded_cents),
    (
        "consomme_total_centimes",
        "Consommé depuis le début",
        "cents",
        lambda r: r.program.consumed_cents,
    ),
    ("disponible_centimes", "Disponible aujourd'hui", "cents", lambda r: r.program.available_cents),
)


class FunderReport:
    """Everything the funder dashboard of a program shows for a period, read once."""

    def __init__(self, *, program: Program, period: Period):
        self.program, self.period = program, period

    @cached_property
    def uses(self) -> list[selectors.UseGroup]:
        return selectors.period_uses(program=self.program, period=self.period)

    @cached_property
    def cohort(self) -> list[tuple]:
        return selectors.cohort_groups(program=self.program, period=self.period)

    @cached_property
    def board(self) -> selectors.Dashboard:
        return selectors.program_dashboard(program=self.program, period=self.period, uses=self.uses)

    @cached_property
    def burn(self) -> list[selectors.BurnPoint]:
        this_month = program_today(self.program).replace(day=1)
        if self.period.kind == PeriodKind.MONTH and self.period.first_day == this_month:
            # The period is the month so far: its uses are already read.
            return selectors.burn_down(
                program=self.program, this_month_cents=self.board.budget.consumed_cents
            )
        return selectors.burn_down(program=self.program)

    def by(self, dimension: str) -> list[selectors.Row]:
        cache = self.__dict__.setdefault("_by", {})
        if dimension not in cache:
            if dimension == "theme":
                rows = selectors.breakdown_by_theme(program=self.program, period=self.period)
            else:
                rows = selectors.breakdown(
                    program=self.program,
                    period=self.period,
                    dimension=dimension,
                    uses=self.uses,
                    cohort=self.cohort,
                )
            cache[dimension] = rows
        return cache[dimension]

    @cached_property
    def progress(self) -> selectors.Progress:
        return selectors.skill_progress(program=self.program, period=self.period)

    @cached_property
    def opinion(self) -> selectors.Satisfaction:
        return selectors.satisfaction(program=self.program, period=self.period)

    def _figures(self):
        for code, label, kind, value in FIGURES:
            yield code, label, value(self), kind

    @cached_property
    def tables(self) -> dict[str, Table]:
        tables = [
            Table(
                "chiffres-cles",
                "Chiffres clés de la période",
                (
                    Column(
                        "indicateur",
                        "Code de l'indicateur",
                        "text",
                        "un de : " + ", ".join(code for code, *_rest in FIGURES),
                    ),
                    Column("libelle", "Indicateur"),
                    Column("valeur", "Valeur", "auto", "centimes, minutes ou part de 0 à 1"),
                    Column(
                        "unite", "Mesure dans l'export", "text", "nombre, centimes, minutes, part"
                    ),
                ),
                lambda: [
                    (code, label, value, UNIT_NAMES[kind])
                    for code, label, value, kind in self._figures()
                ],
            ),
            Table(
                "budget-par-mois",
                "Budget mois par mois sur la durée du programme",
                (
                    Column("mois", "Mois", "month"),
                    Column("consomme_centimes", "Consommé dans le mois", "cents"),
                    Column("reste_centimes", "Reste à la fin du mois", "cents"),
                    Column("reste_prevu_centimes", "Reste prévu (dépense régulière)", "cents"),
                ),
                lambda: [
                    (p.month, p.consumed_cents, p.remaining_cents, p.planned_cents)
                    for p in self.burn
                ],
            ),
        ]
        for dimension, slug, key_column in (
            ("commune", "par-commune", Column("code_commune", "Code INSEE")),
            ("prescriber", "par-prescripteur", Column("id_prescripteur", "N° du prescripteur")),
            ("structure", "par-structure", Column("id_structure", "N° de la structure")),
            ("track", "par-parcours", Column("id_parcours", "N° du parcours")),
            ("category", "par-public", Column("code_public", "Code du public")),
        ):
            tables.append(
                Table(
                    slug,
                    f"Par {selectors.DIMENSION_LABELS[dimension].lower()}",
                    (key_column, Column("libelle", selectors.DIMENSION_LABELS[dimension]))
                    + _DIMENSION_COLUMNS,
                    lambda dimension=dimension: list(_dimension_rows(self.by(dimension))),
                )
            )
        tables += [
            Table(
                "par-theme",
                "Par thème des séances",
                (
                    Column("theme", "Thème"),
                    Column("seances", "Séances", "int"),
                    Column("personnes", "Participants présents", "int"),
                    Column("minutes", "Durée des séances", "minutes"),
                ),
                lambda: [
                    (r.label, r.extra["sessions"], r.people, r.minutes) for r in self.by("theme")
                ],
            ),
            Table(
                "progression",
                "Progression entre le diagnostic d'entrée et celui de sortie",
                (
                    Column("competence", "Code de la compétence"),
                    Column("libelle", "Compétence"),
                    Column("personnes", "Personnes (entrée et sortie)", "int"),
                    Column("ont_progresse", "Ont progressé", "int"),
                    Column("part", "Part qui a progressé", "share"),
                ),
                lambda: [
                    (s.key, s.label, s.people, s.progressed, s.share) for s in self.progress.skills
                ],
            ),
            Table(
                "satisfaction",
                "Avis de fin de parcours : « l'accompagnement m'a aidé »",
                (
                    Column("note", "Réponse (1 : pas du tout, 4 : beaucoup)", "int"),
                    Column("reponses", "Nombre de réponses", "int"),
                ),
                lambda: sorted(self.opinion.helped_counts.items()),
            ),
        ]
        return {table.slug: table for table in tables}

    def chart(self, slug: str) -> dict:
        """What Chart.js draws for a table: its labels and series (the table holds the same
        numbers for screen readers)."""
        if slug == "budget-par-mois":
            return _chart(
                "line",
                [f"{p.month:%m/%Y}" for p in self.burn],
                [
                    ("Reste (€)", [_euros(p.remaining_cents) for p in self.burn]),
                    ("Reste prévu (€)", [_euros(p.planned_cents) for p in self.burn]),
                ],
            )
        if slug == "carnets":
            carnets = self.board.carnets
            return _chart(
                "bar",
                ["Remis", "Commencés", "Terminés", "Expirés"],
                [
                    (
                        "Carnets",
                        [carnets.issued, carnets.started, carnets.finished, carnets.expired],
                    )
                ],
            )
        if slug == "progression":
            skills = self.progress.skills
            return _chart(
                "bar",
                [s.label for s in skills],
                [("Part qui a progressé (%)", [round(100 * s.share) for s in skills])],
                horizontal=True,
            )
        if slug == "satisfaction":
            counts = sorted(self.opinion.helped_counts.items())
            return _chart(
                "bar", [str(n) for n, _c in counts], [("Réponses", [c for _n, c in counts])]
            )
        if slug == "par-theme":
            rows = self.by("theme")
            return _chart(
                "bar", [r.label for r in rows], [("Séances", [r.extra["sessions"] for r in rows])]
            )
        dimension = {
            "par-commune": "commune",
            "par-prescripteur": "prescriber",
            "par-structure": "structure",
            "par-parcours": "track",
            "par-public": "category",
        }[slug]
        rows = self.by(dimension)[:15]
        return _chart(
            "bar",
            [r.label for r in rows],
            [("Personnes", [r.people for r in rows]), ("Carnets remis", [r.carnets for r in rows])],
            horizontal=True,
        )

    def map_points(self) -> list[dict]:
        return [
            {"name": r.label, "lat": r.extra["lat"], "lon": r.extra["lon"], "people": r.people}
            for r in self.by("commune")
            if r.extra.get("lat") is not None
        ]


def _euros(cents):
    return None if cents is None else round(cents / 100, 2)


def _chart(kind: str, labels, series, horizontal: bool = False) -> dict:
    return {
        "type": kind,
        "horizontal": horizontal,
        "labels": labels,
        "datasets": [
            {"label": label, "data": data, "colour": DSFR_COLOURS[i % len(DSFR_COLOURS)]}
            for i, (label, data) in enumerate(series)
        ],
    }


USES_COLUMNS = (
    Column("date", "Date (heure du programme)", "datetime"),
    Column("evenement", "Événement"),
    Column("numero_unite", "N° du chèque ou de l'heure"),
    Column("carnet", "Carnet"),
    Column("structure", "Structure"),
    Column("code_commune", "Commune de la personne (code INSEE)"),
    Column("minutes", "Minutes", "int"),
    Column("montant_centimes", "Montant", "cents"),
)


EVENT_KINDS = dict(UnitEventKind.choices)


def use_row(event: dict, program: Program) -> tuple:
    return (
        local(event["at"], program),
        EVENT_KINDS.get(event["kind"], event["kind"]),
        event["unit__serial"],
        event["carnet__number"],
        event["organisation__name"],
        event["carnet__beneficiary__commune"],
        event["minutes"],
        event["amount_cents"],
    )


def uses_table(*, program: Program, period: Period) -> Table:
    """Every use and correction of the period, one row each (may run to millions: the page
    shows it by pages, the export streams it)."""
    events = selectors.uses_detail(program=program, period=period)
    return Table(
        "utilisations",
        "Utilisations et corrections de la période",
        USES_COLUMNS,
        lambda: (use_row(event, program) for event in events.iterator(chunk_size=5000)),
        count=events.count,
        extra={"events": events},
    )


STRUCTURE_COLUMNS = (
    Column("programme", "Programme"),
    Column(
        "personnes",
        "Personnes accompagnées",
        "int",
        "au moins un chèque ou une heure utilisé chez vous",
    ),
    Column("seances", "Séances et ateliers", "int", "séances annulées exceptées"),
    Column(
        "unites_utilisees", "Chèques ou heures utilisés", "int", "utilisations moins corrections"
    ),
    Column("minutes_utilisees", "Heures utilisées", "minutes"),
    Column("declare_centimes", "Montant déclaré", "cents", "lignes de remboursement non refusées"),
    Column("paye_centimes", "Montant payé", "cents", "virements payés dans la période"),
)
PRESCRIBER_COLUMNS = (
    Column("programme", "Programme"),
    Column("carnets_remis", "Carnets remis", "int", "remplacements exceptés"),
    Column("carnets_commences", "Commencés", "int", "au moins un chèque ou une heure utilisé"),
    Column("carnets_non_utilises", "Pas encore utilisés", "int", "rien d'utilisé, encore valables"),
)
UNUSED_COLUMNS = (
    Column("carnet", "Carnet"),
    Column("programme", "Programme"),
    Column("personne", "Personne"),
    Column("remis_le", "Remis le", "date", "date du programme"),
    Column("valable_jusqu_au", "Utilisable jusqu'au", "date"),
    Column("contact", "Contact"),
    Column("relances", "Relances envoyées", "int"),
    Column("derniere_relance", "Dernière relance", "date"),
)


def structure_table(*, structure, period: Period) -> Table:
    rows = selectors.structure_figures(structure=structure, period=period)
    return Table(
        "structure-par-programme",
        "Vos chiffres par programme",
        STRUCTURE_COLUMNS,
        lambda: [
            (r.program.name, r.people, r.sessions, r.units, r.minutes)
            + (r.claimed_cents, r.paid_cents)
            for r in rows
        ],
    )


def prescriber_table(*, prescriber, period: Period) -> Table:
    rows = selectors.prescriber_figures(prescriber=prescriber, period=period)
    return Table(
        "prescripteur-par-programme",
        "Carnets remis par programme",
        PRESCRIBER_COLUMNS,
        lambda: [(r.program.name, r.carnets, r.started, r.unused) for r in rows],
    )


def unused_row(carnet) -> tuple:
    follow_up = getattr(carnet, "follow_up", None)
    last = follow_up.last_reminder_at if follow_up else None
    return (
        carnet.number,
        carnet.program.name,
        str(carnet.beneficiary),
        local(carnet.issued_at, carnet).date(),
        carnet.accepted_until,
        follow_up.get_status_display() if follow_up else "à contacter",
        follow_up.reminders_sent if follow_up else 0,
        local(last, carnet).date() if last else None,
    )


def unused_table(*, prescriber, period: Period) -> Table:
    carnets = selectors.carnets_unused(prescriber=prescriber, period=period)
    return Table(
        "carnets-non-utilises",
        "Carnets remis mais pas encore utilisés",
        UNUSED_COLUMNS,
        lambda: (unused_row(carnet) for carnet in carnets.iterator(chunk_size=2000)),
        extra={"carnets": carnets},
    )


def catalogue() -> list[Table]:
    """Every table that can be downloaded, for the page that documents their columns."""
    tables = list(FunderReport(program=None, period=None).tables.values())
    for slug, title, columns in (
        ("utilisations", "Utilisations et corrections de la période", USES_COLUMNS),
        ("structure-par-programme", "Tableau de bord d'une structure", STRUCTURE_COLUMNS),
        ("prescripteur-par-programme", "Tableau de bord d'un prescripteur", PRESCRIBER_COLUMNS),
        ("carnets-non-utilises", "Carnets remis mais pas encore utilisés", UNUSED_COLUMNS),
    ):
        tables.append(Table(slug, title, columns, list))
    return tables
