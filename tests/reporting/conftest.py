"""A few months of activity in a Pass numérique (vouchers, Europe/Paris) and a Kap Konèk.t
(hours, Indian/Reunion), made through the services at the moments they happen: carnets,
vouchers used, hours at sessions and a correction, an expiry, a paid batch, diagnostics and
surveys."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from accompaniments import services as counter
from beneficiaries.enums import ConsentMethod, DiagnosticKind
from beneficiaries.services import beneficiary_create, diagnostic_record
from settlement import services as settlement
from settlement.enums import LineStatus
from settlement.models import PricingLine
from territories.models import Commune
from tests.factories import CarnetFactory
from tests.fixtures_vouchers import make_session

PARIS = ZoneInfo("Europe/Paris")
REUNION = ZoneInfo("Indian/Reunion")
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Dashboards keep closed months and open data files in the cache: each test starts
    without them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_person(communes, prescriber, advisor):
    counter_ = {"n": 0}

    def make(commune="97410", categories=(), **extra):
        counter_["n"] += 1
        return beneficiary_create(
            actor=advisor,
            prescriber=prescriber,
            first_name=f"Personne{counter_['n']}",
            last_name="Hoarau",
            birth_date=dt.date(1960, 1, counter_["n"]),
            commune=Commune.objects.get(code=commune),
            consent_method=ConsentMethod.ORAL,
            categories=list(categories),
            **extra,
        )

    return make


def _use(structure, issued, positions):
    for position in positions:
        serial, code = issued.codes[position]
        assert counter.unit_consume(actor=None, structure=structure, serial=serial, code=code).ok


@pytest.fixture
def activity(
    money_program,
    hours_program,
    structure,
    make_agreement,
    make_member,
    make_person,
    advisor,
    time_machine,
):
    time_machine.move_to(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC))
    make_agreement(money_program, structure)
    make_agreement(hours_program, structure)
    kk = {"program": hours_program, "structure": structure, "mediator": make_member(structure)}
    people = {
        "ana": make_person("97410", ["senior"]),
        "ben": make_person("97415", ["job_seeker", "senior"]),
        "cat": make_person("97411"),
        "dan": make_person("97415", ["low_income"]),
        "eve": make_person("97410", ["senior"], phone="0692000001"),
        "fay": make_person("97411", ["job_seeker"]),
    }
    track = money_program.tracks.first()

    # October: two carnets of vouchers, three vouchers used; a carnet of hours, 1 h 30 used.
    time_machine.move_to(dt.datetime(2026, 10, 5, 10, tzinfo=PARIS))
    a = CarnetFactory(program=money_program, beneficiary=people["ana"], track=track)
    b = CarnetFactory(program=money_program, beneficiary=people["ben"])
    _use(structure, a, [0, 1, 2])
    hours_e = CarnetFactory(program=hours_program, beneficiary=people["eve"])
    session = make_session(
        kk, when=dt.datetime(2026, 10, 20, 9, tzinfo=REUNION), minutes=90, title="Démarches"
    )
    session.themes = ["démarches"]
    session.save(update_fields=["themes"])
    participant = counter.participant_book(actor=None, session=session, beneficiary=people["eve"])
    time_machine.move_to(dt.datetime(2026, 10, 20, 9, 30, tzinfo=REUNION))
    counter.attendance_record(
        actor=None, structure=structure, participant=participant, status="present"
    )
    entry = dict.fromkeys(("device", "smartphone", "email", "web_search", "procedures"), 0)
    entry |= dict.fromkeys(("security", "video_call", "documents", "payment", "health"), 1)
    for person in (people["eve"], people["fay"]):
        diagnostic_record(
            actor=advisor,
            beneficiary=person,
            program=hours_program,
            kind=DiagnosticKind.ENTRY,
            answers=entry,
        )

    # November: the rest of carnet a, a carnet of ten with one voucher used, a workshop of
    # hours with a correction the same day, an expired carnet, a paid batch.
    time_machine.move_to(dt.datetime(2026, 11, 10, 10, tzinfo=PARIS))
    _use(structure, a, [3, 4])
    c = CarnetFactory(program=money_program, beneficiary=people["cat"], units=10, track=track)
    _use(structure, c, [0])
    hours_f = CarnetFactory(program=hours_program, beneficiary=people["fay"])
    workshop = make_session(
        kk,
        when=dt.datetime(2026, 11, 18, 14, tzinfo=REUNION),
        minutes=120,
        capacity=5,
        kind="collective",
        title="Smartphone",
    )
    workshop.themes = ["smartphone", "sécurité"]
    workshop.save(update_fields=["themes"])
    seats = [
        counter.participant_book(actor=None, session=workshop, beneficiary=people[name])
        for name in ("eve", "fay")
    ]
    time_machine.move_to(dt.datetime(2026, 11, 18, 14, 10, tzinfo=REUNION))
    for seat in seats:
        counter.attendance_record(
            actor=None, structure=structure, participant=seat, status="present"
        )
    seats[1].refresh_from_db()
    counter.attendance_record(
        actor=None,
        structure=structure,
        participant=seats[1],
        status="absent",
        reason="Erreur de ligne",
    )
    exit_answers = entry | {"device": 2, "email": 1, "security": 0}
    diagnostic_record(
        actor=advisor,
        beneficiary=people["eve"],
        program=hours_program,
        kind=DiagnosticKind.EXIT,
        answers=exit_answers,
    )
    counter.survey_record(
        beneficiary=people["eve"], program=hours_program, helped=4, confident=3, recommend=True
    )
    counter.survey_record(
        beneficiary=people["fay"], program=hours_program, helped=2, confident=2, recommend=False
    )

    time_machine.move_to(NOW)
    d = CarnetFactory(program=money_program, beneficiary=people["dan"], expired=True)
    PricingLine.objects.exclude(status=LineStatus.REJECTED).update(status=LineStatus.ACCEPTED)
    batch = settlement.batch_build(actor=None, until=dt.date(2026, 11, 25)).batch
    settlement.batch_mark_sent(actor=None, batch=batch)
    settlement.batch_mark_paid(actor=None, batch=batch)
    money_program.refresh_from_db()
    hours_program.refresh_from_db()
    return {
        "money": money_program,
        "hours": hours_program,
        "structure": structure,
        "people": people,
        "carnets": {"a": a, "b": b, "c": c, "d": d, "e": hours_e, "f": hours_f},
    }
