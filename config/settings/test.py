from .base import *  # noqa: F403
from .base import TEMPLATES


class InvalidTemplateVariable(str):
    """Makes an unknown template variable fail the test instead of rendering empty."""

    def __mod__(self, name):
        raise NameError(f"Variable inconnue dans un gabarit : {name}")

    def __bool__(self):
        return False


DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}

PASSNUM_SMS_BACKEND = "core.sms.MemorySmsBackend"

# Tests log in with client.login() (no request: axes would refuse it) and force_login()
# (which skips the code step). The tests of these features turn them on with `settings`.
AXES_ENABLED = False
PASSNUM_REQUIRE_OTP_FOR_STAFF = False
# The query budgets of the tests count the view's queries, not the write that moves the
# session's expiry (tests/accounts/test_login.py turns it on to test the inactivity limit).
SESSION_SAVE_EVERY_REQUEST = False
