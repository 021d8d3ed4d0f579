"""Settings shared by every environment. Every value can come from the environment."""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # django.contrib.admin, with the admin site for superusers after two-factor.
    "accounts.admin_config.PassnumAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "widget_tweaks",
    "dsfr",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "core",
    "accounts",
    "territories",
    "places",
    "programs",
    "beneficiaries",
    "vouchers",
    "accompaniments",
    "settlement",
    "controls",
    "reporting",
    "public",
    "ninja",
    "api",
    "demo",
    "portability",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    # Last: turns a lock-out flagged during the request into the login page with its message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.platform",
            ],
        },
    },
]
# Forms read templates/ first (templates/dsfr/form_snippet.html).
FORM_RENDERER = "core.renderers.FormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock at BEGIN, so a conditional update never races a reader's upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, and a statement run five times on a connection prepared
    # there: PostgreSQL stops parsing and planning the same statements for every voucher used
    # (about half of its work on that path). A pooler in front of PostgreSQL must keep
    # prepared statements (PgBouncer 1.21 and later: max_prepared_statements).
    # Added to the options of DATABASE_URL's query string (sslmode…), never in their place.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Axes first: a locked-out account or address is refused before its password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "public:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))

# Uploads: no file is kept past PASSNUM_UPLOAD_MAX_BYTES (core.uploads); each form has its own,
# lower or equal, limit and says it in French.
PASSNUM_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "core.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "passnum <ne-pas-repondre@passnum.localhost>")

SESSION_COOKIE_HTTPONLY = True
# A session ends after 30 minutes without a request (the expiry moves at each request).
SESSION_COOKIE_AGE = 60 * 30
SESSION_SAVE_EVERY_REQUEST = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
DSFR_USE_INTEGRITY_CHECKSUMS = True
DSFR_MARK_OPTIONAL_FIELDS = True

# The platform's operator, shown in the header and the legal pages.
PASSNUM_OPERATOR_NAME = env("PASSNUM_OPERATOR_NAME", "Opérateur passnum (démonstration)")
PASSNUM_OPERATOR_IBAN = env("PASSNUM_OPERATOR_IBAN", "FR7630006000011234567890189")
PASSNUM_OPERATOR_BIC = env("PASSNUM_OPERATOR_BIC", "AGRIFRPP")
PASSNUM_OPERATOR_LOGO_URL = env("PASSNUM_OPERATOR_LOGO_URL")
PASSNUM_OPERATOR_LOGO_ALT = env("PASSNUM_OPERATOR_LOGO_ALT", PASSNUM_OPERATOR_NAME)
PASSNUM_OPERATOR_ADDRESS = env("PASSNUM_OPERATOR_ADDRESS", "Adresse à renseigner par l'opérateur")
PASSNUM_OPERATOR_EMAIL = env("PASSNUM_OPERATOR_EMAIL", "contact@passnum.localhost")
PASSNUM_DPO_EMAIL = env("PASSNUM_DPO_EMAIL", "dpd@passnum.localhost")
PASSNUM_PUBLICATION_DIRECTOR = env("PASSNUM_PUBLICATION_DIRECTOR", "Direction de l'opérateur")
PASSNUM_HOSTING = env("PASSNUM_HOSTING", "Hébergeur à renseigner par l'opérateur")
PASSNUM_SITE_URL = env("PASSNUM_SITE_URL", "http://127.0.0.1:8000")
PASSNUM_INVITATION_DAYS = int(env("PASSNUM_INVITATION_DAYS", "7"))
# Organisations signing up by themselves: sign-ups accepted per hour from one address, and
# how long the e-mail confirmation link works.
PASSNUM_SIGNUPS_PER_HOUR = int(env("PASSNUM_SIGNUPS_PER_HOUR", "5"))
PASSNUM_SIGNUP_LINK_DAYS = int(env("PASSNUM_SIGNUP_LINK_DAYS", "3"))
# Keyed hash of voucher codes; changing it makes every issued code unusable.
PASSNUM_CODE_HMAC_KEY = env("PASSNUM_CODE_HMAC_KEY", SECRET_KEY + ":voucher-codes")
# Largest share of the units actually used that a kind of funder may pay (basis points).
PASSNUM_FUNDER_SHARE_CAPS_BP = {"state": int(env("PASSNUM_STATE_SHARE_CAP_BP", "5000"))}
PASSNUM_SMS_BACKEND = env("PASSNUM_SMS_BACKEND", "core.sms.ConsoleSmsBackend")
PASSNUM_MAP_TILE_URL = env("PASSNUM_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
PASSNUM_MAP_TILE_ATTRIBUTION = env(
    "PASSNUM_MAP_TILE_ATTRIBUTION", "© les contributeurs d'OpenStreetMap"
)

# Login throttling (django-axes): 5 failed logins within 30 minutes lock the account, and
# separately the address, for 30 minutes; a successful login forgets the failures.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The database handler; a success forgets only that account's failures (accounts.security).
AXES_HANDLER = "accounts.security.AxesHandler"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.security.axes_username"
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.security_views.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]
# Successful logins are in the audit journal already: axes keeps no second log of them.
AXES_DISABLE_ACCESS_LOG = True
# Reverse proxies in front of Django, each adding the address it saw to X-Forwarded-For
# (0: the client's address is REMOTE_ADDR).
PASSNUM_TRUSTED_PROXY_COUNT = int(env("PASSNUM_TRUSTED_PROXY_COUNT", "0"))

# Two-factor authentication (django-otp): an authenticator app (TOTP) and recovery codes.
OTP_TOTP_ISSUER = "passnum"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Operator and funder staff must set it up before reaching any other page.
PASSNUM_REQUIRE_OTP_FOR_STAFF = env_bool("PASSNUM_REQUIRE_OTP_FOR_STAFF", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

# Content-Security-Policy (django-csp): scripts and styles only from the site itself, no
# inline script anywhere; map tiles from the configured tile server.
_TILE_ORIGIN = re.match(r"^(https?://[^/{]+)", PASSNUM_MAP_TILE_URL or "")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *([_TILE_ORIGIN.group(1)] if _TILE_ORIGIN else [])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# The API: requests per minute and per key (0: no limit).
PASSNUM_API_RATE_PER_MINUTE = int(env("PASSNUM_API_RATE_PER_MINUTE", "600"))

# Background work (django-tasks): messages and scheduled commands. Development and tests run
# each task at once, inside the process; production keeps them in the database for the worker
# (`python manage.py tasks_worker`, config/settings/prod.py).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# A failed task is tried again this many times in all, waiting 1, 2, 4… minutes in between.
PASSNUM_TASK_ATTEMPTS = int(env("PASSNUM_TASK_ATTEMPTS", "5"))
# Task results (which hold the addresses a message went to) are deleted after this many days.
PASSNUM_TASK_RESULTS_DAYS = int(env("PASSNUM_TASK_RESULTS_DAYS", "30"))
# Commands run by the worker when due, in local time ("every": hour, day or month; "day",
# "hour", "minute"); "{previous_month_end}" in an option is the last day of the month before.
PASSNUM_SCHEDULE = [
    {"command": "vouchers_daily", "every": "day", "hour": 2, "options": {"wet_run": True}},
    {"command": "accompaniments_daily", "every": "hour", "minute": 5, "options": {"wet_run": True}},
    {
        "command": "settlement_batch",
        "every": "month",
        "day": 5,
        "hour": 6,
        "options": {"until": "{previous_month_end}", "wet_run": True},
    },
    {
        "command": "prune_db_task_results",
        "every": "day",
        "hour": 3,
        "options": {
            "min_age_days": PASSNUM_TASK_RESULTS_DAYS,
            "failed_min_age_days": PASSNUM_TASK_RESULTS_DAYS,
        },
    },
]
