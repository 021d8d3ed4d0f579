"""Every date and hour a person reads is in the program's zone (a place's commune for public
pages): a workshop entered at 14:00 in La Réunion reads 14:00 everywhere."""

import datetime as dt
import io
import re
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models

from accompaniments import services
from core.sms import outbox
from core.timezones import commune_zone, local, make_local, zone_choices, zone_label
from tests.fixtures_vouchers import make_session

REUNION = ZoneInfo("Indian/Reunion")
ROOT = Path(settings.BASE_DIR)


def test_local_is_in_the_zone_and_not_converted_again_by_templates():
    from django.template import Context, Template

    moment = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
    assert local(moment, "Indian/Reunion").hour == 14
    text = Template('{% load timezones %}{{ m|local:"Indian/Reunion"|date:"H:i" }}').render(
        Context({"m": moment})
    )
    assert text == "14:00"
    assert commune_zone("97415") == "Indian/Reunion" and commune_zone("47001") == "Europe/Paris"
    assert make_local(dt.date(2026, 12, 3), dt.time(14), "Indian/Reunion") == moment


def test_a_workshop_at_14h_in_la_reunion_reads_14h_on_every_page_and_in_the_reminder(
    client, kk, beneficiary, advisor, time_machine, django_capture_on_commit_callbacks
):
    outbox.clear()
    workshop = make_session(kk, day=3, hour=14, kind="collective", capacity=5, title="", minutes=60)
    assert workshop.starts_at.astimezone(dt.UTC).hour == 10
    assert "14:00" in str(workshop) and "11:00" not in str(workshop)
    services.participant_book(actor=None, session=workshop, beneficiary=beneficiary)

    client.force_login(kk["mediator"])
    structure = kk["structure"]
    pages = {
        "séance": f"/accompagnements/seances/{workshop.pk}/",
        "liste": f"/accompagnements/structure/{structure.pk}/seances/",
        "lieu (public)": f"/lieux/{workshop.place_id}/",
    }
    for name, url in pages.items():
        html = client.get(url).content.decode()
        assert "14:00" in html or "14h00" in html, name
        assert "11:00" not in html, name
    time_machine.move_to(dt.datetime(2026, 12, 3, 2, tzinfo=REUNION))  # 2 Dec in Paris
    client.force_login(kk["mediator"])
    dashboard = client.get(f"/accompagnements/structure/{structure.pk}/").content.decode()
    assert "14:00" in dashboard and "11:00" not in dashboard
    client.force_login(advisor)
    booking = client.get(f"/accompagnements/seances/{workshop.pk}/inscrire/").content.decode()
    assert "14:00" in booking and "11:00" not in booking

    time_machine.move_to(dt.datetime(2026, 12, 2, 10, tzinfo=REUNION))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("accompaniments_daily", "--wet-run", stdout=io.StringIO())
    assert len(outbox) == 1
    assert "14:00" in outbox[0]["text"] and "11:00" not in outbox[0]["text"]


def _date_only_fields() -> set[str]:
    names = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
                names.add(field.name)
    return names


_FILTERED = re.compile(r"\{\{\s*([\w.]+)((?:\|[^}|]+)*)\}\}")


def test_templates_never_print_a_moment_without_its_zone():
    """A datetime goes through |local:<program, place or person> before |date or |time."""
    date_only = _date_only_fields()
    offenders = []
    for path in [*ROOT.glob("*/templates/**/*.html"), *ROOT.glob("*/templates/**/*.txt")]:
        if ".venv" in path.parts:
            continue
        for variable, chain in _FILTERED.findall(path.read_text()):
            filters = [part.split(":")[0] for part in chain.split("|")[1:]]
            if not {"date", "time"} & set(filters):
                continue
            name = variable.split(".")[-1]
            if name in date_only or name.endswith(("_on", "_day")):  # a date has no hour: no zone
                continue
            first_format = min(filters.index(f) for f in ("date", "time") if f in filters)
            if "local" not in filters[:first_format]:
                offenders.append(f"{path.relative_to(ROOT)}: {variable}{chain}")
    assert offenders == []


def test_a_zone_is_named_in_plain_words():
    assert zone_label("Indian/Reunion") == "heure de La Réunion"
    assert zone_label("Europe/Paris") == "heure de Paris"
    assert zone_label("America/Cayenne") == "heure de la Guyane"
    assert zone_label(SimpleNamespace(time_zone="Indian/Mayotte")) == "heure de Mayotte"
    assert zone_label("Pacific/Noumea") == "heure de Noumea"  # a zone not listed: its city
    choices = dict(zone_choices())
    assert choices["Europe/Paris"] == "Métropole (heure de Paris)"
    assert all("/" not in label for label in choices.values())


_ZONE_PRINTED = re.compile(r"\{\{\s*([\w.]*zone)\s*(\|[^}]*)?\}\}")


def test_templates_never_print_a_zone_name():
    """A zone is printed through |zone_label (« heure de La Réunion »), never as Indian/Reunion."""
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in [*ROOT.glob("*/templates/**/*.html"), *ROOT.glob("*/templates/**/*.txt")]
        if ".venv" not in path.parts
        for match in _ZONE_PRINTED.finditer(path.read_text())
        if "zone_label" not in (match.group(2) or "")
    ]
    assert offenders == []
