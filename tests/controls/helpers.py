"""Lines built through the real chain: carnets issued, units used, the ledger's events priced
by the settlement app."""

import datetime as dt

from accompaniments.services import unit_consume
from places.models import Place
from settlement.enums import LineStatus
from settlement.models import PricingLine
from vouchers.services import carnet_issue


def issue(program, beneficiary, *, actor, prescriber, units=5):
    return carnet_issue(
        actor=actor,
        prescriber=prescriber,
        beneficiary=beneficiary,
        program=program,
        units=units,
        delivery="paper",
    )


def use(structure, issued, index):
    serial, code = issued.codes[index]
    answer = unit_consume(actor=None, structure=structure, serial=serial, code=code)
    assert answer.outcome == "consumed", answer.message
    return answer


def priced():
    """The lines still to control, loaded as settlement.services.lines_control gives them."""
    return list(
        PricingLine.objects.filter(status=LineStatus.PRICED)
        .select_related("event__unit", "program")
        .order_by("pk")
    )


def give_place(organisation):
    """Attaches one unattached place of La Réunion to the organisation (agreements name
    places)."""
    place = Place.objects.filter(structure__isnull=True).order_by("pk").first()
    Place.objects.filter(pk=place.pk).update(structure=organisation)
    return organisation


def later(time_machine, **delta):
    """Moves the test clock forward (it keeps running)."""
    from django.utils import timezone

    time_machine.move_to(timezone.now() + dt.timedelta(**delta))
