from django.db import models


class OrganisationKind(models.TextChoices):
    OPERATOR = "operator", "Opérateur"
    FUNDER = "funder", "Financeur"
    PRESCRIBER = "prescriber", "Prescripteur"
    STRUCTURE = "structure", "Structure de médiation"


class Habilitation(models.TextChoices):
    """Where an organisation that signed up by itself stands with the operator (Aidants Connect
    and les emplois de l'inclusion call it "habilitation"). Those the operator registers are
    validated from the start."""

    UNCONFIRMED = "unconfirmed", "Adresse e-mail à confirmer"
    PENDING = "pending", "En attente de validation"
    CHANGES_REQUESTED = "changes_requested", "Modifications demandées"
    VALIDATED = "validated", "Validée"
    REFUSED = "refused", "Refusée"


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
    SIGNED_UP = "accounts.signed_up", "Inscription d'une organisation"
    SIGNUP_EXISTING_ACCOUNT = (
        "accounts.signup_existing_account",
        "Inscription tentée avec l'adresse d'un compte existant",
    )
    SIGNUP_CONFIRMED = "accounts.signup_confirmed", "Adresse e-mail de l'inscription confirmée"
    HABILITATION_VALIDATED = "accounts.habilitation_validated", "Habilitation validée"
    HABILITATION_REFUSED = "accounts.habilitation_refused", "Habilitation refusée"
    HABILITATION_CHANGES_REQUESTED = (
        "accounts.habilitation_changes_requested",
        "Modifications demandées sur l'inscription",
    )
    HABILITATION_RESUBMITTED = "accounts.habilitation_resubmitted", "Inscription renvoyée"
    RECOVERY_CODES_REGENERATED = (
        "accounts.recovery_codes_regenerated",
        "Nouveaux codes de secours",
    )


class ApiScope(models.TextChoices):
    """What an API key may do; each API operation requires one."""

    UNITS_CONSUME = "units:consume", "Utiliser des chèques et des heures"
    SESSIONS_WRITE = "sessions:write", "Créer et modifier des séances"
    STATS_READ = "stats:read", "Lire les statistiques"
