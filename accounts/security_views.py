"""Pages of login throttling and two-factor authentication: the login and its second step, the
set-up of an authenticator app, the recovery codes, the account's security page and the
operator's page of lock-outs."""

import datetime as dt
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import perms, security, selectors
from accounts.enums import OrganisationKind
from accounts.exceptions import AccountsError
from accounts.forms import EmailAuthenticationForm
from accounts.models import Organisation, User
from accounts.security_forms import AuditFilterForm, LoginCodeForm, TwoFactorSetupForm
from core.forms import add_errors
from core.models import AuditEntry
from core.selectors import audit_action_label, audit_actions, audit_search
from core.timezones import DEFAULT_ZONE, make_local

PENDING_LOGIN_KEY = "passnum_login_pending"
PENDING_LOGIN_SECONDS = 5 * 60
RECOVERY_CODES_KEY = "passnum_recovery_codes"


def _safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page again, with the lock-out message and the typed
    address, answered with 429."""
    if hasattr(request, "session"):
        request.session.pop(PENDING_LOGIN_KEY, None)
    form = EmailAuthenticationForm(
        request, initial={"username": security.axes_username(request, credentials) or ""}
    )
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": next_url, "lockout_message": security.lockout_message()},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


class LoginView(auth_views.LoginView):
    """The password, then, for a person who has set up an authenticator app, the code
    (login_code): the session is opened only after it."""

    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if security.has_two_factor(user):
            self.request.session[PENDING_LOGIN_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "next": self.get_success_url(),
                "at": timezone.now().timestamp(),
            }
            return redirect("accounts:login_code")
        return super().form_valid(form)


def _pending_login(request) -> tuple[User, str, str] | None:
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(pending, dict):
        return None
    age = timezone.now().timestamp() - float(pending.get("at", 0))
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or not 0 <= age <= PENDING_LOGIN_SECONDS:
        request.session.pop(PENDING_LOGIN_KEY, None)
        return None
    return user, pending["backend"], pending.get("next") or ""


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request):
    """Second step of the login; also where a session opened without the code (the technical
    admin, a required set-up) proves it."""
    default_next = resolve_url(settings.LOGIN_REDIRECT_URL)
    backend = None
    if request.user.is_authenticated:
        user = request.user
        next_url = (
            _safe_next(request, request.POST.get("next") or request.GET.get("next")) or default_next
        )
        if user.is_verified():
            return redirect(next_url)
        if not security.has_two_factor(user):
            return redirect(_with_next("accounts:two_factor_setup", next_url))
    else:
        pending = _pending_login(request)
        if pending is None:
            messages.info(
                request,
                "Votre connexion n'a pas abouti à temps : tapez à nouveau votre adresse e-mail "
                "et votre mot de passe.",
            )
            return redirect("accounts:login")
        user, backend, next_url = pending
        next_url = _safe_next(request, next_url) or default_next

    form = LoginCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.email}
        if settings.AXES_ENABLED and not AxesProxyHandler.is_allowed(request, credentials):
            return lockout_response(request, credentials=credentials)
        device = security.two_factor_verify(user=user, code=form.cleaned_data["code"])
        if device is None:
            # Counts as a failed login: the same limits apply to the code as to the password.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form.add_error(
                "code",
                "Ce code ne convient pas. Tapez le code affiché en ce moment par l'application "
                "(il change toutes les 30 secondes), ou un code de secours pas encore utilisé.",
            )
        else:
            if backend:
                auth_login(request, user, backend=backend)
            else:
                request.session.cycle_key()
            request.session.pop(PENDING_LOGIN_KEY, None)
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = security.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"Vous avez utilisé un code de secours ; il vous en reste {left}. "
                    "Si vous avez perdu votre téléphone, générez de nouveaux codes depuis "
                    "« Sécurité du compte ».",
                )
            return redirect(next_url)
    return render(
        request,
        "accounts/login_code.html",
        {"form": form, "next": next_url, "logged_in": request.user.is_authenticated},
    )


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    user = request.user
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if security.has_two_factor(user):
        messages.info(request, "La double authentification est déjà activée sur votre compte.")
        return redirect("accounts:security")
    device = security.totp_device_pending(user=user)
    form = TwoFactorSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = security.two_factor_confirm(
                user=user, device=device, code=form.cleaned_data["code"]
            )
        except AccountsError as error:
            add_errors(form, error)
        else:
            request.session.cycle_key()
            otp_login(request, device)
            request.session[RECOVERY_CODES_KEY] = codes
            messages.success(request, "La double authentification est activée.")
            return redirect(_with_next("accounts:recovery_codes", next_url))
    # The SVG is drawn by segno from the set-up link only: no text typed by anyone.
    qr_svg = mark_safe(security.totp_qr_svg(device))  # noqa: S308
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": security.totp_secret(device),
            "required": security.two_factor_required(user),
            "next": next_url,
        },
    )


@never_cache
@login_required
def recovery_codes(request):
    """The recovery codes just made, shown once: they leave the session as they are shown."""
    codes = request.session.pop(RECOVERY_CODES_KEY, None)
    if not codes:
        messages.info(
            request,
            "Les codes de secours ne s'affichent qu'une fois. Si vous ne les avez plus, "
            "générez-en de nouveaux.",
        )
        return redirect("accounts:security")
    next_url = _safe_next(request, request.GET.get("next")) or resolve_url(
        settings.LOGIN_REDIRECT_URL
    )
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def security_page(request):
    """The account's security: two-factor authentication, its recovery codes."""
    user = request.user
    enabled = security.has_two_factor(user)
    if request.method == "POST":
        action = request.POST.get("action")
        if not enabled or not user.is_verified():
            messages.error(
                request,
                "Pour cela, déconnectez-vous puis reconnectez-vous avec votre code de vérification.",
            )
        elif action == "regenerate":
            request.session[RECOVERY_CODES_KEY] = security.recovery_codes_regenerate(user=user)
            return redirect("accounts:recovery_codes")
        elif action == "disable":
            try:
                security.two_factor_disable(user=user)
            except AccountsError as error:
                messages.error(request, str(error))
            else:
                request.session.pop(DEVICE_ID_SESSION_KEY, None)
                messages.success(request, "La double authentification est désactivée.")
        else:
            messages.error(request, "Choix invalide : recommencez.")
        return redirect("accounts:security")
    return render(
        request,
        "accounts/security.html",
        {
            "enabled": enabled,
            "required": security.two_factor_required(user),
            "verified": user.is_verified(),
            "codes_left": security.recovery_codes_left(user) if enabled else 0,
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def lockouts(request):
    """Operators see the accounts and addresses locked after too many failed logins, and
    unlock them."""
    if not perms.can_unlock_logins(request.user):
        raise PermissionDenied
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        value = request.POST.get("value", "")
        try:
            security.lockout_reset(actor=request.user, kind=kind, value=value)
        except AccountsError as error:
            messages.error(request, str(error))
        else:
            unlocked = (
                f"Le compte {value.strip().lower()} est débloqué"
                if kind == "username"
                else f"L'adresse IP {value.strip()} est débloquée"
            )
            messages.success(request, f"{unlocked} : la connexion est de nouveau possible.")
        return redirect("accounts:lockouts")
    zone = selectors.organisations_of(user=request.user, kind=OrganisationKind.OPERATOR).first()
    return render(
        request,
        "accounts/lockouts.html",
        {
            "lockouts": security.lockouts_current(),
            "zone": zone or DEFAULT_ZONE,
            "limit": settings.AXES_FAILURE_LIMIT,
            "minutes": security.lockout_minutes(),
        },
    )


AUDIT_PAGE_SIZE = 50


@login_required
def audit_journal(request):
    """Operators read the audit journal: who did what, for which organisation, on which
    object, when; filtered by author, organisation, person, action and dates; paginated."""
    if not perms.can_read_audit_journal(request.user):
        raise PermissionDenied
    form = AuditFilterForm(
        request.GET or None,
        organisations=Organisation.objects.order_by("name"),
        actions=audit_actions(),
    )
    entries = AuditEntry.objects.none()
    filters = {}
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        organisation = data.get("organisation")
        person = data.get("person")
        since, until = data.get("since"), data.get("until")
        filters = {
            "actor_email": data.get("actor", ""),
            "organisation_id": organisation.pk if organisation else None,
            "object_type": "beneficiaries.beneficiary" if person else "",
            "object_id": str(person) if person else "",
            "action": data.get("action", ""),
            "since": make_local(since, dt.time(0), DEFAULT_ZONE) if since else None,
            "until": make_local(until + dt.timedelta(days=1), dt.time(0), DEFAULT_ZONE)
            if until
            else None,
        }
        entries = audit_search(**filters)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    names = dict(
        Organisation.objects.filter(
            pk__in={entry.organisation_id for entry in page if entry.organisation_id}
        ).values_list("pk", "name")
    )
    rows = [
        {
            "entry": entry,
            "label": audit_action_label(entry.action),
            "organisation": names.get(entry.organisation_id, ""),
        }
        for entry in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_journal.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "zone": DEFAULT_ZONE,
        },
    )
