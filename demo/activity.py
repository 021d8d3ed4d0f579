"""A year of activity for both demo programs, so that dashboards, exports and charts have
something true to show: a few hundred people across the communes of La Réunion and
Lot-et-Garonne, their entry diagnostics and carnets, individual sessions and workshops of 5,
attendance and voucher uses, a few lost carnets, exit diagnostics and surveys, and monthly
payment batches up to last month.

Everything goes through the services, in the order it happened, each action at its own moment
(`demo.clock.at`), so the data obeys the same rules as real data. The plan is drawn from a
fixed seed (the same people, dates and choices on every run, the secret codes aside); what
lies after now is left out, and a workshop planned in the coming days stays to come.
Running it twice changes nothing."""

import datetime as dt
import functools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accompaniments.enums import ParticipantStatus, SessionKind
from accompaniments.models import Session
from accompaniments.services import (
    ServiceRecord,
    attendance_record,
    participant_book,
    session_add_anonymous,
    session_create,
    survey_record,
    unit_consume,
)
from accounts.models import Organisation, User
from beneficiaries.enums import ConsentMethod, DiagnosticKind
from beneficiaries.models import Beneficiary
from beneficiaries.services import (
    beneficiary_create,
    diagnostic_evaluate,
    diagnostic_record,
    diagnostic_skills,
    orientation_create,
)
from core.exceptions import PassnumError
from demo import clock
from demo.accounts import organisation
from demo.settlement import month_pay, month_settle
from places.enums import Service
from places.models import Place
from programs.models import Program
from territories.models import Commune
from vouchers.enums import Delivery
from vouchers.services import carnet_issue, carnet_oppose

SEED = 15
KAP_PEOPLE = 220
PASS_PEOPLE = 160

REUNION_FIRST = [
    "Josiane", "Jean-Paul", "Marie-Claude", "Nadia", "Johnny", "Sully", "Gilberte",
    "Marie-Annick", "Jean-Marc", "Liliane", "Daniel", "Christiane", "Jocelyn", "Noéline",
    "Yannick", "Marie-Rose", "Patrice", "Jessica", "Kévin", "Fabiola", "Jean-Louis", "Rosemay",
    "Freddy", "Mireille", "Giovanni", "Sandrine", "Ludovic", "Marie-Josée", "Teddy", "Aurélie",
]  # fmt: skip
REUNION_LAST = [
    "Payet", "Hoarau", "Grondin", "Técher", "Fontaine", "Rivière", "Boyer", "Robert", "Lebon",
    "Maillot", "Nativel", "Dijoux", "Turpin", "Lauret", "Ah-Hoy", "Damour", "Sautron", "Morel",
    "Bègue", "Clain", "Ethève", "Lallemand", "Hoareau", "Mussard", "Cadet", "Vienne", "Baret",
    "Gonthier", "Maunier", "Lan-Yan",
]  # fmt: skip
GASCON_FIRST = [
    "Bernard", "Monique", "Jean-Pierre", "Josette", "Alain", "Martine", "Christian", "Sylvie",
    "Gérard", "Nathalie", "Amina", "Mohamed", "Kévin", "Laura", "Thierry", "Françoise",
    "Michel", "Odette", "Sandrine", "Patrick", "Colette", "Francis", "Yvette", "Rachid",
]  # fmt: skip
GASCON_LAST = [
    "Lafitte", "Garrigues", "Delmas", "Lafon", "Dupuy", "Castagné", "Martin", "Bernard",
    "Laborde", "Lacoste", "Faure", "Roux", "Benali", "Da Silva", "Ferreira", "Moreau",
    "Lagarde", "Sabatier", "Barrère", "Lalanne", "Sarrazin", "Pujol", "Couderc", "Vidal",
]  # fmt: skip

THEMES = [
    Service.ADMIN.value,
    Service.EVERYDAY_TOOLS.value,
    Service.SECURITY.value,
    Service.EMPLOYMENT.value,
    Service.UNDERSTANDING.value,
]
WORKSHOP_TITLES = [
    "Atelier : premiers pas sur le smartphone",
    "Atelier : les démarches CAF et ameli en ligne",
    "Atelier : déjouer les arnaques sur internet",
    "Atelier : envoyer un document par courriel",
    "Atelier : la demande d'aide à la continuité territoriale",
]
# Workshops: (weekday, hour) of the two weekly slots of each structure.
WORKSHOP_SLOTS = ((1, 9), (3, 14))
WORKSHOP_MINUTES = 120


@dataclass
class Side:
    """One demo program and who works in it."""

    program: Program
    zone: ZoneInfo
    first_names: list[str]
    last_names: list[str]
    people: int
    # (prescriber, advisor, communes it favours)
    prescribers: list[tuple[Organisation, User, set[str]]]
    # structure -> (mediator, place)
    structures: dict[Organisation, tuple[User, Place]]
    communes: list[Commune] = field(default_factory=list)


@dataclass
class Person:
    side: Side
    prescriber: Organisation
    advisor: User
    structure: Organisation
    first_name: str
    last_name: str
    birth_date: dt.date
    commune: Commune
    categories: list[str]
    skills: dict[str, int]
    entry: dt.datetime
    oriented: bool = False
    beneficiary: Beneficiary | None = None
    issued: object = None
    used: int = 0


class DemoRefusal(PassnumError):
    """A service answered a demo action with a refusal (a result that is not OK)."""


class Timeline:
    """Actions sorted by their moment; each runs with the clock at that moment, in its own
    savepoint. A refusal is counted and its action dropped (so is every later action that
    needed it): the demo says how many, and its test wants none."""

    def __init__(self):
        self.actions: list[tuple[dt.datetime, int, Callable[[], object]]] = []
        self.done = 0
        self.refusals: list[str] = []

    def add(self, when: dt.datetime, run: Callable[[], object]) -> None:
        self.actions.append((when, len(self.actions), run))

    def play(self, *, until: dt.datetime) -> None:
        for when, _order, run in sorted(self.actions, key=lambda item: item[:2]):
            if when > until:
                continue
            try:
                with clock.at(when), transaction.atomic():
                    run()
            except (PassnumError, KeyError, AttributeError) as error:
                self.refusals.append(
                    f"{when:%d/%m %H:%M} {getattr(run, 'func', run).__name__}: {error}"
                )
                continue
            self.done += 1


def _user(email: str) -> User:
    return User.objects.get(email=email)


def _place(structure: Organisation) -> Place:
    return Place.objects.filter(structure=structure).order_by("source_id").first()


def _sides(year: int) -> list[Side]:
    kap = Program.objects.get(slug=f"kap-konekt-{year}")
    pass_47 = Program.objects.get(slug=f"pass-numerique-47-{year}")
    sides = [
        Side(
            program=kap,
            zone=ZoneInfo(kap.time_zone),
            first_names=REUNION_FIRST,
            last_names=REUNION_LAST,
            people=KAP_PEOPLE,
            prescribers=[
                (organisation("france_travail_974"), _user("prescripteur@demo.example"), set()),
                (organisation("cgss_974"), _user("conseiller.cgss@demo.example"), set()),
                (organisation("ccas_saint_paul"), _user("ccas@demo.example"), {"97415"}),
            ],
            structures={
                organisation(key): (_user(email), _place(organisation(key)))
                for key, email in (
                    ("structure_le_port", "mediateur@demo.example"),
                    ("structure_saint_benoit", "mediateur.benoit@demo.example"),
                    ("structure_saint_pierre", "mediateur.pierre@demo.example"),
                )
            },
        ),
        Side(
            program=pass_47,
            zone=ZoneInfo(pass_47.time_zone),
            first_names=GASCON_FIRST,
            last_names=GASCON_LAST,
            people=PASS_PEOPLE,
            prescribers=[
                (organisation("caf_47"), _user("prescripteur47@demo.example"), set()),
                (organisation("ccas_villeneuve"), _user("ccas47@demo.example"), {"47323"}),
            ],
            structures={
                organisation(key): (_user(email), _place(organisation(key)))
                for key, email in (
                    ("structure_agen", "structure47@demo.example"),
                    ("structure_marmande", "mediateur.marmande@demo.example"),
                )
            },
        ),
    ]
    for side in sides:
        side.communes = list(
            Commune.objects.filter(departement__in=side.program.departements.all()).order_by("code")
        )
    return sides


def _nearest(side: Side, commune: Commune) -> Organisation:
    def distance(structure: Organisation) -> float:
        home = structure.commune
        if None in (home.latitude, commune.latitude):
            return 0.0
        return math.dist((home.latitude, home.longitude), (commune.latitude, commune.longitude))

    return min(side.structures, key=lambda structure: (distance(structure), structure.pk))


def _categories(rng: random.Random, age: int) -> list[str]:
    categories = ["senior"] if age >= 60 else []
    if 25 <= age < 60 and rng.random() < 0.5:
        categories.append("job_seeker")
    if age < 26 and rng.random() < 0.6:
        categories.append("young_unqualified")
    for category, chance in (
        ("low_income", 0.3),
        ("isolated_area", 0.15),
        ("disability", 0.07),
        ("priority_area", 0.2),
    ):
        if rng.random() < chance:
            categories.append(category)
    return categories


def _at(side: Side, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=side.zone)


def _weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _people(rng: random.Random, side: Side, *, first_day: dt.date, last_day: dt.date):
    weights = [math.sqrt(commune.population or 1) for commune in side.communes]
    span = max((last_day - first_day).days, 1)
    skills = [key for key, _label in diagnostic_skills(side.program)]
    people = []
    for _index in range(side.people):
        commune = rng.choices(side.communes, weights=weights)[0]
        age = rng.choice([rng.randint(19, 40), rng.randint(40, 60), rng.randint(60, 88)])
        favoured = [item for item in side.prescribers if commune.code in item[2]]
        prescriber, advisor, _ = (
            favoured[0]
            if favoured and rng.random() < 0.7
            else rng.choice([item for item in side.prescribers if not item[2]])
        )
        ease = rng.random()  # how at ease the person already is with digital tools
        day = _weekday_on_or_after(first_day + dt.timedelta(days=rng.randrange(span)))
        people.append(
            Person(
                side=side,
                prescriber=prescriber,
                advisor=advisor,
                structure=_nearest(side, commune),
                first_name=rng.choice(side.first_names),
                last_name=rng.choice(side.last_names),
                birth_date=dt.date(first_day.year - age, rng.randint(1, 12), rng.randint(1, 28)),
                commune=commune,
                categories=_categories(rng, age),
                skills={key: min(2, int(rng.random() * ease * 3.2)) for key in skills},
                entry=_at(side, day, rng.randint(8, 16), rng.choice([0, 15, 30, 45])),
                oriented=rng.random() < 0.4,
            )
        )
    return people


# --- What each action does (called with the clock at its moment) ----------------------------


def _welcome(person: Person) -> None:
    person.beneficiary = beneficiary_create(
        actor=person.advisor,
        prescriber=person.prescriber,
        first_name=person.first_name,
        last_name=person.last_name,
        birth_date=person.birth_date,
        commune=person.commune,
        consent_method=ConsentMethod.PAPER,
        categories=person.categories,
    )
    diagnostic = diagnostic_record(
        actor=person.advisor,
        beneficiary=person.beneficiary,
        program=person.side.program,
        kind=DiagnosticKind.ENTRY,
        answers=person.skills,
    )
    person.issued = carnet_issue(
        actor=person.advisor,
        prescriber=person.prescriber,
        beneficiary=person.beneficiary,
        program=person.side.program,
        units=diagnostic.chosen_units,
        delivery=Delivery.PAPER,
        track=diagnostic.chosen_track,
    )
    if person.oriented:
        _mediator, place = person.side.structures[person.structure]
        orientation_create(
            actor=person.advisor,
            prescriber=person.prescriber,
            place=place,
            person_name=f"{person.first_name} {person.last_name}",
            need="Se sentir à l'aise avec le smartphone et les démarches en ligne.",
            beneficiary=person.beneficiary,
        )


def _oppose(person: Person) -> None:
    person.issued = carnet_oppose(
        actor=person.advisor,
        carnet=person.issued.carnet,
        reason="Carte perdue, déclarée par la personne à son conseiller.",
        delivery=Delivery.PAPER,
    )


def _exit(person: Person, rng: random.Random, answer_survey: bool) -> None:
    progress = {key: min(2, value + (rng.random() < 0.6)) for key, value in person.skills.items()}
    diagnostic_record(
        actor=person.advisor,
        beneficiary=person.beneficiary,
        program=person.side.program,
        kind=DiagnosticKind.EXIT,
        answers=progress,
    )
    if answer_survey:
        helped = rng.choice([3, 4, 4, 4, 2])
        survey_record(
            beneficiary=person.beneficiary,
            program=person.side.program,
            helped=helped,
            confident=max(1, helped - rng.choice([0, 0, 1])),
            recommend=helped >= 3 or rng.random() < 0.3,
        )


@dataclass
class Workshop:
    side: Side
    structure: Organisation
    starts_at: dt.datetime
    title: str
    theme: str
    people: list[tuple[Person, str]] = field(default_factory=list)  # (person, attendance)
    session: object = None
    participants: dict[int, object] = field(default_factory=dict)

    @property
    def created_at(self) -> dt.datetime:
        """Published twelve days ahead, once the program's agreements are signed."""
        opening = _at(self.side, self.side.program.starts_on, 8) + dt.timedelta(days=2)
        return max(opening, self.starts_at - dt.timedelta(days=12))


def _workshop_create(workshop: Workshop) -> None:
    mediator, place = workshop.side.structures[workshop.structure]
    workshop.session = session_create(
        actor=mediator,
        structure=workshop.structure,
        place=place,
        program=workshop.side.program,
        kind=SessionKind.COLLECTIVE,
        title=workshop.title,
        starts_at=workshop.starts_at,
        duration_minutes=WORKSHOP_MINUTES,
        mediator=mediator,
        capacity=workshop.side.program.max_group_size,
        themes=[workshop.theme],
    )


def _book(workshop: Workshop, person: Person) -> None:
    mediator, _place = workshop.side.structures[workshop.structure]
    workshop.participants[id(person)] = participant_book(
        actor=mediator,
        session=workshop.session,
        beneficiary=person.beneficiary,
        booked_by=workshop.structure,
    )


def _anonymous(workshop: Workshop) -> None:
    mediator, _place = workshop.side.structures[workshop.structure]
    session_add_anonymous(actor=mediator, session=workshop.session, count=1)


def _attend(workshop: Workshop, person: Person, status: str) -> None:
    mediator, _place = workshop.side.structures[workshop.structure]
    answer = attendance_record(
        actor=mediator,
        structure=workshop.structure,
        participant=workshop.participants[id(person)],
        status=status,
    )
    if not answer.ok:
        raise DemoRefusal(answer.message)


def _voucher_visit(person: Person, vouchers: int, theme: str) -> None:
    mediator, place = person.side.structures[person.structure]
    record = ServiceRecord(
        place=place, duration_minutes=60 * vouchers, themes=(theme,), mediator=mediator
    )
    for serial, code in person.issued.codes[person.used : person.used + vouchers]:
        answer = unit_consume(
            actor=mediator, structure=person.structure, serial=serial, code=code, record=record
        )
        if not answer.ok:
            raise DemoRefusal(answer.message)
        # The next voucher pays for the same visit.
        record = ServiceRecord(session=Session.objects.get(pk=answer.session))
    person.used += vouchers


# --- The plan -------------------------------------------------------------------------------


class Planner:
    def __init__(self, rng: random.Random, timeline: Timeline, horizon: dt.datetime):
        self.rng = rng
        self.timeline = timeline
        self.horizon = horizon
        self.workshops: dict[tuple[int, dt.date], Workshop] = {}

    def workshop_seat(self, person: Person, wanted: dt.date) -> Workshop | None:
        """The first workshop of the person's structure from `wanted` with a seat left."""
        side = person.side
        monday = wanted - dt.timedelta(days=wanted.weekday())
        for week in range(4):
            for weekday, hour in WORKSHOP_SLOTS:
                day = monday + dt.timedelta(days=7 * week + weekday)
                if day < wanted:
                    continue
                if day > side.program.ends_on:
                    return None
                key = (person.structure.pk, day)
                workshop = self.workshops.get(key)
                if workshop is None:
                    workshop = Workshop(
                        side=side,
                        structure=person.structure,
                        starts_at=_at(side, day, hour),
                        title=self.rng.choice(WORKSHOP_TITLES),
                        theme=self.rng.choice(THEMES),
                    )
                    self.workshops[key] = workshop
                if len(workshop.people) < side.program.max_group_size and all(
                    other is not person for other, _status in workshop.people
                ):
                    return workshop
        return None

    def attendance(self) -> str:
        draw = self.rng.random()
        if draw < 0.86:
            return ParticipantStatus.PRESENT
        return ParticipantStatus.ABSENT if draw < 0.95 else ParticipantStatus.EXCUSED

    def hours(self, person: Person) -> dt.datetime | None:
        """Sessions for a person with a card of hours; returns the last one's end."""
        rng, side = self.rng, person.side
        if rng.random() < 0.1:
            return None  # the card was given and never used
        target = rng.choice([2, 3, 4, 5, 6, 6, 8, 8, 10, 10])
        minutes_left, last = target * 60, None
        day = person.entry.date() + dt.timedelta(days=rng.randint(3, 20))
        lost = rng.random() < 0.03
        if lost:
            self.timeline.add(
                person.entry + dt.timedelta(days=2), functools.partial(_oppose, person)
            )
        while minutes_left > 0 and _at(side, day, 8) < self.horizon and day < side.program.ends_on:
            status = self.attendance()
            if minutes_left >= WORKSHOP_MINUTES and rng.random() < 0.55:
                workshop = self.workshop_seat(person, day)
                if workshop is None:
                    break
                workshop.people.append((person, status))
                booked = max(
                    person.entry + dt.timedelta(hours=1),
                    workshop.created_at + dt.timedelta(minutes=1),
                    workshop.starts_at - dt.timedelta(days=rng.randint(1, 6)),
                )
                self.timeline.add(booked, functools.partial(_book, workshop, person))
                end = workshop.starts_at + dt.timedelta(minutes=WORKSHOP_MINUTES)
                self.timeline.add(
                    end + dt.timedelta(minutes=5),
                    functools.partial(_attend, workshop, person, status),
                )
                minutes = WORKSHOP_MINUTES
                day = workshop.starts_at.date()
            else:
                day = _weekday_on_or_after(day)
                starts = _at(side, day, rng.choice([9, 10, 11, 14, 15, 16]))
                self.individual(person, starts, status)
                end, minutes = starts + dt.timedelta(minutes=60), 60
            if status == ParticipantStatus.PRESENT:
                minutes_left -= minutes
                last = end
            day += dt.timedelta(days=rng.randint(4, 18))
        return last

    def individual(self, person: Person, starts: dt.datetime, status: str) -> None:
        slot = Workshop(
            side=person.side,
            structure=person.structure,
            starts_at=starts,
            title=self.rng.choice(["Démarches en ligne", "Prise en main du smartphone", ""]),
            theme=self.rng.choice(THEMES),
        )
        booked = max(person.entry + dt.timedelta(hours=2), starts - dt.timedelta(days=3))
        self.timeline.add(booked, functools.partial(self.individual_book, slot, person))
        self.timeline.add(
            starts + dt.timedelta(minutes=65), functools.partial(_attend, slot, person, status)
        )

    @staticmethod
    def individual_book(slot: Workshop, person: Person) -> None:
        mediator, place = slot.side.structures[slot.structure]
        slot.session = session_create(
            actor=mediator,
            structure=slot.structure,
            place=place,
            program=slot.side.program,
            kind=SessionKind.INDIVIDUAL,
            title=slot.title,
            starts_at=slot.starts_at,
            duration_minutes=60,
            mediator=mediator,
            themes=[slot.theme],
        )
        _book(slot, person)

    def vouchers(self, person: Person, units: int) -> dt.datetime | None:
        """Visits where the person uses their vouchers; returns the last one."""
        rng, side = self.rng, person.side
        if rng.random() < 0.12:
            return None
        to_use = rng.choice([units, units, units - 1, max(1, units // 2), units])
        day, last = person.entry.date() + dt.timedelta(days=rng.randint(2, 15)), None
        used = 0
        while used < to_use:
            day = _weekday_on_or_after(day)
            if day >= side.program.ends_on:
                break
            when = _at(side, day, rng.choice([9, 10, 11, 14, 15, 16]), rng.choice([0, 20, 40]))
            if when >= self.horizon:
                break
            count = min(to_use - used, 2 if rng.random() < 0.3 else 1)
            self.timeline.add(
                when, functools.partial(_voucher_visit, person, count, rng.choice(THEMES))
            )
            used, last = used + count, when
            day += dt.timedelta(days=rng.randint(5, 21))
        return last

    def workshops_planned(self) -> None:
        for workshop in self.workshops.values():
            if not workshop.people:
                continue
            self.timeline.add(workshop.created_at, functools.partial(_workshop_create, workshop))
            seats = workshop.side.program.max_group_size - len(workshop.people)
            if seats and self.rng.random() < 0.3:
                self.timeline.add(
                    workshop.starts_at + dt.timedelta(minutes=2),
                    functools.partial(_anonymous, workshop),
                )


def _person_units(person: Person) -> int:
    """The carnet size the entry diagnostic will recommend (decided by the program's rule)."""
    return diagnostic_evaluate(program=person.side.program, answers=person.skills).recommended_units


def plan(*, now: dt.datetime) -> tuple[list[Person], Timeline]:
    """Who comes, and every action of the year with its moment, drawn from the seed."""
    year = timezone.localdate(now).year
    sides = _sides(year)
    rng = random.Random(f"{SEED}-{year}")
    timeline = Timeline()
    planner = Planner(rng, timeline, horizon=now + dt.timedelta(days=21))
    everyone = []
    for side in sides:
        first_day = side.program.starts_on + dt.timedelta(days=4)
        last_day = max(first_day, min(side.program.ends_on, now.date()) - dt.timedelta(days=10))
        everyone += _people(rng, side, first_day=first_day, last_day=last_day)
    for person in everyone:
        timeline.add(person.entry, functools.partial(_welcome, person))
        if person.side.program.is_hours:
            last = planner.hours(person)
        else:
            last = planner.vouchers(person, _person_units(person))
        if last is not None and rng.random() < 0.7:
            timeline.add(
                last + dt.timedelta(days=rng.randint(3, 20), hours=1),
                functools.partial(_exit, person, random.Random(rng.random()), rng.random() < 0.8),
            )
    planner.workshops_planned()
    _settlements(timeline, year=year, until=now)
    return everyone, timeline


def load(*, stdout) -> None:
    if Beneficiary.objects.filter(prescriber=organisation("cgss_974")).exists():
        return  # the year of activity is there already
    now = timezone.now()
    everyone, timeline = plan(now=now)
    timeline.play(until=now)
    stdout.write(
        f"Activité de démonstration : {len(everyone)} personnes, {timeline.done} actions de "
        f"janvier à aujourd'hui, {len(timeline.refusals)} refusées."
    )
    for refusal in timeline.refusals[:20]:
        stdout.write(f"  refusée : {refusal}")


def _settlements(timeline: Timeline, *, year: int, until: dt.datetime) -> None:
    """A payment batch early each month for the month before, sent, then paid a few days
    later; the last closed month is settled."""
    zone = ZoneInfo(timezone.get_default_timezone_name())
    operator = User.objects.get(email="operateur@demo.example")
    batches: dict[dt.date, object] = {}
    for month in range(2, 13):
        first = dt.date(year, month, 1)
        built = dt.datetime.combine(first + dt.timedelta(days=3), dt.time(10), tzinfo=zone)
        if built > until:
            break
        end = first - dt.timedelta(days=1)
        timeline.add(built, functools.partial(month_settle, operator, end, batches))
        timeline.add(
            built + dt.timedelta(days=4), functools.partial(month_pay, operator, end, batches)
        )
