"""What reporting writes: a prescriber's follow-up of the carnets it gave that are not used
yet (contact status, reminders by SMS or e-mail, at most one a week per carnet, journaled)."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.services import audit_record, send_after_commit
from core.sms import sms_enabled
from core.timezones import local
from reporting.enums import ContactStatus
from reporting.exceptions import ReportingError
from reporting.models import CarnetFollowUp
from reporting.selectors import carnet_is_unused
from vouchers.models import Carnet

REMINDER_EVERY = dt.timedelta(days=7)


def _own_unused_carnet(*, prescriber, carnet: Carnet) -> None:
    if carnet.prescriber_id != prescriber.pk:
        raise ReportingError("Ce carnet n'a pas été remis par votre organisation.")
    if not carnet_is_unused(carnet=carnet):
        raise ReportingError(
            f"Le carnet {carnet.number} a déjà servi ou n'est plus valable : pas de suivi."
        )


def follow_up_set(
    *, actor, prescriber, carnet: Carnet, status: str, note: str = ""
) -> CarnetFollowUp:
    """Notes where the contact with the person stands (no sensitive detail in the note)."""
    if status not in ContactStatus.values:
        raise ReportingError("Contact : choisissez un état dans la liste.", field="status")
    _own_unused_carnet(prescriber=prescriber, carnet=carnet)
    follow_up, _created = CarnetFollowUp.objects.update_or_create(
        carnet=carnet, defaults={"status": status, "note": note.strip()[:300], "updated_by": actor}
    )
    audit_record(
        actor=actor,
        action="reporting.follow_up_set",
        obj=follow_up,
        organisation_id=prescriber.pk,
        data={"status": status},
    )
    return follow_up


def _reminder_text(carnet: Carnet) -> str:
    what = "heures d'accompagnement" if carnet.program.is_hours else "chèques"
    return (
        f"Bonjour {carnet.beneficiary.first_name}, votre carnet {carnet.program.name} "
        f"({carnet.number}) vous attend : {carnet.units_count} {what} à utiliser avant le "
        f"{carnet.accepted_until:%d/%m/%Y}, gratuitement. Les lieux près de chez vous : "
        f"{settings.PASSNUM_SITE_URL}/lieux/"
    )


def carnet_remind(*, actor, prescriber, carnet: Carnet, now: dt.datetime | None = None) -> str:
    """Sends the person a reminder that their carnet waits for them, by SMS if they gave a
    mobile number (and SMS are on), else by e-mail, once the transaction commits. At most one
    a week per carnet, even when two advisers click together (conditional update). Returns the
    channel used ("sms" or "email")."""
    now = now or timezone.now()
    _own_unused_carnet(prescriber=prescriber, carnet=carnet)
    person = carnet.beneficiary
    if person.phone and sms_enabled():
        channel = "sms"
    elif person.email:
        channel = "email"
    else:
        raise ReportingError(
            f"{person.first_name} n'a donné ni téléphone portable ni adresse e-mail : "
            "appelez-la ou écrivez-lui par courrier, puis notez le contact."
        )
    with transaction.atomic():
        follow_up, _created = CarnetFollowUp.objects.get_or_create(carnet=carnet)
        sent = CarnetFollowUp.objects.filter(
            Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lte=now - REMINDER_EVERY),
            pk=follow_up.pk,
        ).update(
            last_reminder_at=now,
            reminders_sent=F("reminders_sent") + 1,
            status=ContactStatus.REMINDED,
            updated_by=actor,
        )
        if not sent:
            follow_up.refresh_from_db()
            last = local(follow_up.last_reminder_at, carnet)
            raise ReportingError(
                f"Une relance a déjà été envoyée le {last:%d/%m/%Y} : la prochaine est "
                f"possible à partir du {last + REMINDER_EVERY:%d/%m/%Y}."
            )
        text = _reminder_text(carnet)
        if channel == "sms":
            send_after_commit(text=text, phone=person.phone)
        else:
            send_after_commit(
                subject=f"Votre carnet {carnet.program.name} vous attend",
                text=text,
                emails=[person.email],
            )
        audit_record(
            actor=actor,
            action="reporting.carnet_reminded",
            obj=carnet,
            organisation_id=prescriber.pk,
            data={"channel": channel},
        )
    return channel
