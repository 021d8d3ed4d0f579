"""reporting.services: a prescriber's follow-up of the carnets it gave that are not used yet,
and reminders (SMS or e-mail after commit, one a week per carnet, journaled)."""

import datetime as dt

import pytest
from django.core import mail

from core.models import AuditEntry
from core.sms import outbox
from reporting import selectors, services
from reporting.exceptions import ReportingError
from reporting.models import CarnetFollowUp
from reporting.periods import period_parse


def _year(source):
    return period_parse(source=source, kind="annee", value="2026")


def test_unused_carnets_are_the_valid_ones_nobody_used(activity, prescriber):
    unused = selectors.carnets_unused(prescriber=prescriber, period=_year("Europe/Paris"))
    carnets = activity["carnets"]
    # b never used; f's two hours were given back; d expired; a, c and e were used.
    assert [c.pk for c in unused] == [carnets["b"].carnet.pk, carnets["f"].carnet.pk]
    rows = {
        r.program.slug: r
        for r in selectors.prescriber_figures(prescriber=prescriber, period=_year("Europe/Paris"))
    }
    money = rows[activity["money"].slug]
    assert (money.carnets, money.started, money.unused) == (4, 2, 1)


def test_a_reminder_goes_by_sms_once_a_week_and_is_journaled(
    activity, prescriber, advisor, django_capture_on_commit_callbacks, time_machine, settings
):
    settings.PASSNUM_SMS_BACKEND = "core.sms.MemorySmsBackend"
    eve_like = activity["carnets"]["f"].carnet  # fay has no phone: e-mail or nothing
    b = activity["carnets"]["b"].carnet
    b.beneficiary.phone = "0692000002"
    b.beneficiary.save(update_fields=["phone"])
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.carnet_remind(actor=advisor, prescriber=prescriber, carnet=b) == "sms"
    assert len(outbox) == 1 and b.number in outbox[0]["text"] and "/lieux/" in outbox[0]["text"]
    follow_up = CarnetFollowUp.objects.get(carnet=b)
    assert (follow_up.status, follow_up.reminders_sent) == ("reminded", 1)
    assert AuditEntry.objects.filter(
        action="reporting.carnet_reminded", object_id=str(b.pk)
    ).exists()
    time_machine.move_to(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))
    with pytest.raises(ReportingError, match="prochaine est possible à partir du 02/12/2026"):
        services.carnet_remind(actor=advisor, prescriber=prescriber, carnet=b)
    time_machine.move_to(dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        services.carnet_remind(actor=advisor, prescriber=prescriber, carnet=b)
    assert len(outbox) == 2 and CarnetFollowUp.objects.get(carnet=b).reminders_sent == 2
    with pytest.raises(ReportingError, match="ni téléphone portable ni adresse e-mail"):
        services.carnet_remind(actor=advisor, prescriber=prescriber, carnet=eve_like)


def test_a_reminder_by_email_when_there_is_no_phone(
    activity, prescriber, advisor, django_capture_on_commit_callbacks
):
    f = activity["carnets"]["f"].carnet
    f.beneficiary.email = "fay@example.org"
    f.beneficiary.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.carnet_remind(actor=advisor, prescriber=prescriber, carnet=f) == "email"
    assert mail.outbox[-1].to == ["fay@example.org"] and "heures" in mail.outbox[-1].body


def test_no_follow_up_of_a_used_carnet_or_of_another_prescriber(
    activity, prescriber, advisor, make_organisation
):
    used = activity["carnets"]["a"].carnet
    with pytest.raises(ReportingError, match="déjà servi"):
        services.follow_up_set(actor=advisor, prescriber=prescriber, carnet=used, status="reached")
    other = make_organisation(kinds=("prescriber",))
    b = activity["carnets"]["b"].carnet
    with pytest.raises(ReportingError, match="pas été remis par votre organisation"):
        services.carnet_remind(actor=advisor, prescriber=other, carnet=b)
    with pytest.raises(ReportingError) as error:
        services.follow_up_set(actor=advisor, prescriber=prescriber, carnet=b, status="lost")
    assert error.value.field == "status"
    follow_up = services.follow_up_set(
        actor=advisor, prescriber=prescriber, carnet=b, status="unreachable", note=" répondeur "
    )
    assert (follow_up.status, follow_up.note) == ("unreachable", "répondeur")
    assert AuditEntry.objects.filter(action="reporting.follow_up_set").count() == 1


def test_structure_figures_per_program(activity, structure):
    rows = {
        r.program.slug: r
        for r in selectors.structure_figures(structure=structure, period=_year("Indian/Reunion"))
    }
    money, hours = rows[activity["money"].slug], rows[activity["hours"].slug]
    assert (money.people, money.units, money.amount_cents) == (2, 6, 6000)
    assert (money.claimed_cents, money.paid_cents) == (6000, 6000)
    assert (hours.sessions, hours.minutes, hours.amount_cents, hours.paid_cents) == (
        2,
        210,
        6500,
        6500,
    )
