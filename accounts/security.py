"""Login throttling (django-axes) and two-factor authentication (django-otp): the rules, the
lock-outs an operator sees and lifts, the devices and recovery codes of a person."""

import ipaddress
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime

import segno
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.enums import AuditAction
from accounts.exceptions import AccountsError
from accounts.models import Membership, User
from core.services import audit_record

RECOVERY_CODES_COUNT = 10
TOTP_DEVICE_NAME = "Application d'authentification"
RECOVERY_DEVICE_NAME = "Codes de secours"


# --- Throttling (django-axes) ---------------------------------------------------------------


def client_ip(request) -> str | None:
    """The address of the person (AXES_CLIENT_IP_CALLABLE). Behind PASSNUM_TRUSTED_PROXY_COUNT
    reverse proxies, each appending to X-Forwarded-For, it is the entry that many places from
    the right; anything further left was typed by the client and is not trusted."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.PASSNUM_TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def axes_username(request, credentials: dict | None = None) -> str | None:
    """The account a login attempt targets (AXES_USERNAME_CALLABLE): the typed e-mail, in
    lower case, as accounts are stored."""
    source = credentials if credentials else getattr(request, "POST", {})
    value = (source.get("username") or "").strip().lower()
    return value or None


class AxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, except what a successful login forgets: only the
    failures against that account. The stock handler also forgets every failure from the
    address, which would let someone with one valid account clear the counters of the
    accounts they try to guess between two logins of their own."""

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message() -> str:
    return (
        f"Trop d'essais : ce compte est bloqué {lockout_minutes()} minutes. Attendez ce délai "
        "avant de réessayer, sans retaper le mot de passe d'ici là. Si c'est urgent, demandez à "
        "l'opérateur de la plateforme de débloquer le compte."
    )


@dataclass(frozen=True)
class Lockout:
    """An account or an address that may not log in right now."""

    kind: str  # "username" or "ip_address"
    value: str
    failures: int
    others: int  # addresses tried for this account, or accounts tried from this address
    last_attempt: datetime
    until: datetime

    @property
    def kind_label(self) -> str:
        return "Compte" if self.kind == "username" else "Adresse IP"


def lockouts_current(*, now: datetime | None = None) -> list[Lockout]:
    """Accounts and addresses locked now, as axes counts them (failures within the cool-off,
    summed per account and per address), most recent first."""
    now = now or timezone.now()
    cool_off = settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - cool_off)
    result = []
    for kind, other in (("username", "ip_address"), ("ip_address", "username")):
        rows = (
            recent.filter(**{f"{kind}__isnull": False})
            .exclude(**{f"{kind}__in": [""]} if kind == "username" else {})
            .values(kind)
            .annotate(
                failures=Sum("failures_since_start"),
                last=Max("attempt_time"),
                others=Count(other, distinct=True),
            )
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
            .order_by("-last", kind)
        )
        result.extend(
            Lockout(
                kind=kind,
                value=row[kind],
                failures=row["failures"],
                others=row["others"],
                last_attempt=row["last"],
                until=row["last"] + cool_off,
            )
            for row in rows
        )
    return sorted(result, key=lambda lockout: lockout.last_attempt, reverse=True)


def lockout_reset(*, actor: User, kind: str, value: str) -> int:
    """Lifts the lock of an account (its e-mail) or of an address; returns the attempts
    forgotten."""
    value = (value or "").strip()
    if kind == "username":
        value = value.lower()
        if not value or len(value) > 255:
            raise AccountsError("Adresse e-mail manquante : rechargez la page et recommencez.")
        count = axes_reset(username=value)
        user = User.objects.filter(email=value).first()
        audit_record(
            actor=actor,
            action=AuditAction.LOCKOUT_RESET,
            object_type="accounts.user",
            object_id=user.pk if user else "",
            data={"kind": "username", "attempts": count},
        )
        return count
    if kind == "ip_address":
        try:
            value = str(ipaddress.ip_address(value))
        except ValueError:
            raise AccountsError("Adresse IP invalide : rechargez la page et recommencez.") from None
        count = axes_reset(ip=value)
        # The address is personal data: the journal keeps only that an address was unlocked.
        audit_record(
            actor=actor,
            action=AuditAction.LOCKOUT_RESET,
            object_type="axes.accessattempt",
            data={"kind": "ip_address", "attempts": count},
        )
        return count
    raise AccountsError("Choix invalide : rechargez la page et recommencez.")


# --- Two-factor authentication (django-otp) ---------------------------------------------------


def two_factor_required(user: User) -> bool:
    """Operator and funder staff must use a second factor (PASSNUM_REQUIRE_OTP_FOR_STAFF)."""
    if not settings.PASSNUM_REQUIRE_OTP_FOR_STAFF or not user.is_authenticated:
        return False
    return Membership.objects.filter(
        Q(organisation__is_operator=True) | Q(organisation__is_funder=True),
        user=user,
        is_active=True,
    ).exists()


def has_two_factor(user: User) -> bool:
    """The person has confirmed an authenticator app."""
    if not user.is_authenticated:
        return False
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The app being set up: the same secret until it is confirmed, so reloading the page
    keeps the QR code already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The secret to type in an app that cannot scan, in groups of four characters."""
    text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The QR code of the app's set-up link, as an SVG element to put in the page."""
    qr = segno.make(device.config_url, error="m")
    # At most 300 px wide, so that it fits a 360 px screen with the page's margins.
    width, _height = qr.symbol_size(scale=1, border=4)
    scale = max(2, min(5, 300 // width))
    return qr.svg_inline(scale=scale, border=4, dark="#000000", light="#ffffff")


def _normalize(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _recovery_codes_create(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def two_factor_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirms the app with a code it shows; returns the recovery codes, shown only once."""
    code = _normalize(code)
    if not (code.isdigit() and len(code) == device.digits):
        raise AccountsError("Tapez les 6 chiffres affichés par l'application.", field="code")
    with transaction.atomic():
        if verify_token(user, device.persistent_id, code) is None:
            raise AccountsError(
                "Ce code ne correspond pas. Vérifiez que l'heure de votre téléphone est juste, "
                "attendez le code suivant et tapez-le.",
                field="code",
            )
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        codes = _recovery_codes_create(user)
        audit_record(actor=user, action=AuditAction.TWO_FACTOR_ENABLED, obj=user)
    return codes


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """New recovery codes; the old ones stop working."""
    with transaction.atomic():
        codes = _recovery_codes_create(user)
        audit_record(actor=user, action=AuditAction.RECOVERY_CODES_REGENERATED, obj=user)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def two_factor_disable(*, user: User) -> None:
    if two_factor_required(user):
        raise AccountsError(
            "La double authentification est obligatoire pour les opérateurs et les financeurs."
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(actor=user, action=AuditAction.TWO_FACTOR_DISABLED, obj=user)


def two_factor_verify(*, user: User, code: str):
    """The device that accepts this code: the app (6 digits) or a recovery code, which is then
    used up. None if no device accepts it (each device slows down after failures)."""
    code = _normalize(code)
    if not code:
        return None
    devices = (
        TOTPDevice.objects.filter(user=user, confirmed=True)
        if code.isdigit() and len(code) == 6
        else StaticDevice.objects.filter(user=user, confirmed=True)
    )
    for persistent_id in [device.persistent_id for device in devices.order_by("pk")]:
        device = verify_token(user, persistent_id, code)
        if device is not None:
            return device
    return None
