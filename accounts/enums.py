from django.db import models


class OrganisationKind(models.TextChoices):
    OPERATOR = "operator", "Opérateur"
    FUNDER = "funder", "Financeur"
    PRESCRIBER = "prescriber", "Prescripteur"
    STRUCTURE = "structure", "Structure de médiation"


class Role(models.TextChoices):
    ADMIN = "admin", "Administrateur"
    MEMBER = "member", "Membre"


class AuditAction(models.TextChoices):
    LOGIN_SUCCEEDED = "accounts.login_succeeded", "Connexion réussie"
    LOGIN_FAILED = "accounts.login_failed", "Connexion refusée"
    LOGOUT = "accounts.logout", "Déconnexion"
    ORGANISATION_CREATED = "accounts.organisation_created", "Organisation créée"
    INVITATION_SENT = "accounts.invitation_sent", "Invitation envoyée"
    INVITATION_ACCEPTED = "accounts.invitation_accepted", "Invitation acceptée"
    INVITATION_REVOKED = "accounts.invitation_revoked", "Invitation annulée"
    MEMBERSHIP_CREATED = "accounts.membership_created", "Membre ajouté"
    ROLE_CHANGED = "accounts.role_changed", "Rôle modifié"
    MEMBERSHIP_DEACTIVATED = "accounts.membership_deactivated", "Membre désactivé"
    MEMBERSHIP_REACTIVATED = "accounts.membership_reactivated", "Membre réactivé"
    PASSWORD_RESET = "accounts.password_reset", "Mot de passe réinitialisé"
    LOCKED_OUT = "accounts.locked_out", "Connexion bloquée après trop d'essais"
    LOCKOUT_RESET = "accounts.lockout_reset", "Blocage de connexion levé"
    TWO_FACTOR_ENABLED = "accounts.two_factor_enabled", "Double authentification activée"
    TWO_FACTOR_DISABLED = "accounts.two_factor_disabled", "Double authentification désactivée"
    RECOVERY_CODES_REGENERATED = (
        "accounts.recovery_codes_regenerated",
        "Nouveaux codes de secours",
    )


class ApiScope(models.TextChoices):
    """What an API key may do; each API operation requires one."""

    UNITS_CONSUME = "units:consume", "Utiliser des chèques et des heures"
    SESSIONS_WRITE = "sessions:write", "Créer et modifier des séances"
    STATS_READ = "stats:read", "Lire les statistiques"
