from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.enums import ApiScope, Habilitation, OrganisationKind, Role
from accounts.validators import validate_rna, validate_siret
from core.timezones import commune_zone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    is_staff = models.BooleanField("accès à l'administration technique", default=False)
    is_active = models.BooleanField("actif", default=True)
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        constraints = [
            models.CheckConstraint(
                condition=Q(email=models.functions.Lower("email")), name="user_email_lowercase"
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email


class Organisation(models.Model):
    name = models.CharField("nom", max_length=200)
    is_operator = models.BooleanField("opérateur", default=False)
    is_funder = models.BooleanField("financeur", default=False)
    is_prescriber = models.BooleanField("prescripteur", default=False)
    is_structure = models.BooleanField("structure de médiation", default=False)
    siret = models.CharField(
        "SIRET", max_length=14, null=True, blank=True, unique=True, validators=[validate_siret]
    )
    rna = models.CharField(
        "numéro RNA", max_length=10, null=True, blank=True, unique=True, validators=[validate_rna]
    )
    commune = models.ForeignKey(
        "territories.Commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name="commune",
    )
    habilitation = models.CharField(
        "habilitation", max_length=20, choices=Habilitation.choices, default=Habilitation.VALIDATED
    )
    habilitation_reason = models.TextField("motif de la dernière décision", blank=True)
    habilitation_changed_at = models.DateTimeField(null=True, blank=True)
    signup_ip_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "organisation"
        verbose_name_plural = "organisations"
        constraints = [
            models.CheckConstraint(
                condition=Q(is_operator=True)
                | Q(is_funder=True)
                | Q(is_prescriber=True)
                | Q(is_structure=True),
                name="organisation_has_a_kind",
            ),
            models.CheckConstraint(
                condition=Q(siret__isnull=False) | Q(rna__isnull=False),
                name="organisation_has_siret_or_rna",
            ),
            models.CheckConstraint(
                condition=Q(siret__isnull=True) | Q(siret__regex=r"^[0-9]{14}$"),
                name="organisation_siret_14_digits",
            ),
            models.CheckConstraint(
                condition=~Q(
                    habilitation__in=[Habilitation.REFUSED, Habilitation.CHANGES_REQUESTED]
                )
                | ~Q(habilitation_reason=""),
                name="organisation_habilitation_decision_has_reason",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def time_zone(self) -> str:
        return commune_zone(self.commune_id)

    @property
    def kinds(self) -> list[str]:
        return [kind for kind in OrganisationKind.values if getattr(self, f"is_{kind}")]

    def has_kind(self, kind: str) -> bool:
        return getattr(self, f"is_{kind}")

    def get_kinds_display(self) -> str:
        return ", ".join(OrganisationKind(kind).label for kind in self.kinds)


class DeclaredPlace(models.Model):
    """A place an organisation gave when it signed up: where it welcomes people. A structure's
    places enter the directory once the operator validates it."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="declared_places"
    )
    name = models.CharField("nom du lieu", max_length=250)
    address = models.CharField("adresse", max_length=300)
    commune = models.ForeignKey(
        "territories.Commune", on_delete=models.PROTECT, related_name="+", verbose_name="commune"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "lieu déclaré à l'inscription"
        verbose_name_plural = "lieux déclarés à l'inscription"

    def __str__(self):
        return f"{self.name} ({self.commune})"


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("rôle", max_length=16, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "membre"
        verbose_name_plural = "membres"
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


class Invitation(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField("adresse e-mail")
    role = models.CharField("rôle", max_length=16, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("expire le")
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email",
            ),
        ]

    def __str__(self):
        return f"Invitation {self.pk} — {self.organisation}"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


def api_scopes_default() -> list[str]:
    """The scopes of a key made before scopes existed: using vouchers, all the API did then."""
    return [ApiScope.UNITS_CONSUME.value]


class ApiKey(models.Model):
    """A key a machine (a structure's software, a scanner app) uses to call the API for one
    organisation. Only its hash is kept; the key is shown once. `scopes` (values of
    `ApiScope`) say what it may do; `rate_window` and `rate_count` count its requests in the
    current minute (accounts.services.api_key_admit)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField("nom", max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField("droits", default=api_scopes_default)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    rate_window = models.DateTimeField(null=True, blank=True)
    rate_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "clé d'API"

    def __str__(self):
        return f"{self.name} ({self.organisation})"

    @property
    def scope_labels(self) -> list[str]:
        labels = dict(ApiScope.choices)
        return [labels.get(scope, scope) for scope in self.scopes]
