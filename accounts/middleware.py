"""Operator and funder staff use a second factor: until their session has been verified by
one, they reach only the pages to set it up or type its code, the logout and static files."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from accounts import security


class TwoFactorRequiredMiddleware:
    """After django_otp's OTPMiddleware and django_htmx's HtmxMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def _open_paths(self) -> tuple[str, ...]:
        return (
            reverse("accounts:two_factor_setup"),
            reverse("accounts:recovery_codes"),
            reverse("accounts:login_code"),
            reverse("accounts:login"),
            reverse("accounts:logout"),
            settings.STATIC_URL,
        )

    def __call__(self, request):
        if (
            settings.PASSNUM_REQUIRE_OTP_FOR_STAFF
            and request.user.is_authenticated
            and not request.user.is_verified()
            and not request.path.startswith(self._open_paths())
            and security.two_factor_required(request.user)
        ):
            target = (
                "accounts:login_code"
                if security.has_two_factor(request.user)
                else "accounts:two_factor_setup"
            )
            url = reverse(target)
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(url)
            if request.method == "GET":
                url = f"{url}?{urlencode({'next': request.get_full_path()})}"
            return redirect(url)
        return self.get_response(request)
