"""The technical admin (/admin-technique/): superusers only, after their second factor."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.admin import OTPAdminSite

from accounts import security


class PassnumAdminSite(OTPAdminSite):
    site_header = "passnum — administration technique"
    site_title = "Administration technique"

    def __init__(self, name="admin"):
        super().__init__(name)

    def has_permission(self, request):
        user = request.user
        return bool(
            user.is_active and user.is_superuser and getattr(user, "is_verified", lambda: False)()
        )

    def login(self, request, extra_context=None):
        """No login form of its own: the site's login (throttled, with its code step) opens
        the session; a superuser who has not typed a code is sent to type it."""
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, reverse("accounts:login"))
        if user.is_active and user.is_superuser and not user.is_verified():
            target = (
                "accounts:login_code"
                if security.has_two_factor(user)
                else "accounts:two_factor_setup"
            )
            return redirect_to_login(next_url, reverse(target))
        if self.has_permission(request):
            return redirect(next_url)
        raise PermissionDenied
