from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.enums import AuditAction
from accounts.models import User
from core.services import audit_record


@receiver(user_logged_in)
def _record_login(sender, request, user, **kwargs):
    audit_record(actor=user, action=AuditAction.LOGIN_SUCCEEDED, obj=user)


@receiver(user_logged_out)
def _record_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=AuditAction.LOGOUT, obj=user)


@receiver(user_login_failed)
def _record_login_failed(sender, credentials, request=None, **kwargs):
    # The typed address is personal data: record only which account was targeted, if any.
    email = (credentials.get("username") or credentials.get("email") or "").lower()
    user = User.objects.filter(email=email).first()
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        object_type="accounts.user",
        object_id=user.pk if user else "",
        data={"known_account": user is not None},
    )


@receiver(user_locked_out)
def _record_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    # Neither the typed address nor the IP goes in the journal: only the account, if known.
    user = User.objects.filter(email=(username or "").lower()).first() if username else None
    audit_record(
        actor=None,
        action=AuditAction.LOCKED_OUT,
        object_type="accounts.user",
        object_id=user.pk if user else "",
        data={"known_account": user is not None},
    )
