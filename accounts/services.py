import hashlib
import hmac
import math
import secrets
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.enums import ApiScope, AuditAction, Habilitation, OrganisationKind, Role
from accounts.exceptions import AccountsError, InvitationInvalid, LastAdminError, SignupInvalid
from accounts.models import ApiKey, DeclaredPlace, Invitation, Membership, Organisation, User
from accounts.validators import clean_identifier
from core import rawsql
from core.models import AuditEntry
from core.registry import ORGANISATION_VALIDATED, contributions
from core.services import audit_record, send_after_commit


def user_create(
    *, email: str, password: str | None, first_name: str = "", last_name: str = ""
) -> User:
    return User.objects.create_user(
        email=email, password=password, first_name=first_name, last_name=last_name
    )


def organisation_create(
    *,
    actor: User | None,
    name: str,
    kinds: list[str],
    siret: str | None = None,
    rna: str | None = None,
    commune=None,
) -> Organisation:
    unknown = set(kinds) - set(OrganisationKind.values)
    if not kinds or unknown:
        raise AccountsError("Choisissez au moins un type d'organisation connu.", field="kinds")
    organisation = Organisation(
        name=name.strip(),
        siret=clean_identifier(siret) or None,
        rna=clean_identifier(rna) or None,
        commune=commune,
        **{f"is_{kind}": kind in kinds for kind in OrganisationKind.values},
    )
    if not organisation.siret and not organisation.rna:
        raise AccountsError(
            "Indiquez le numéro SIRET ou, pour une association, le RNA.", field="siret"
        )
    organisation.full_clean()
    with transaction.atomic():
        organisation.save()
        audit_record(
            actor=actor,
            action=AuditAction.ORGANISATION_CREATED,
            obj=organisation,
            organisation_id=organisation.pk,
            data={"kinds": organisation.kinds},
        )
    return organisation


def membership_create(
    *, actor: User | None, user: User, organisation: Organisation, role: str = Role.MEMBER
) -> Membership:
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": role}
        )
        if created:
            audit_record(
                actor=actor,
                action=AuditAction.MEMBERSHIP_CREATED,
                obj=membership,
                organisation_id=organisation.pk,
                data={"role": role},
            )
    return membership


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_send(
    *, actor: User | None, organisation: Organisation, email: str, role: str = Role.MEMBER
) -> tuple[Invitation, str]:
    """Creates the invitation and e-mails its link. Returns the invitation and the clear token."""
    email = email.strip().lower()
    if Membership.objects.filter(
        organisation=organisation, user__email=email, is_active=True
    ).exists():
        raise AccountsError("Cette personne fait déjà partie de l'organisation.", field="email")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(
            organisation=organisation,
            email=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email,
            role=role,
            token_hash=_token_hash(token),
            invited_by=actor,
            expires_at=now + timedelta(days=settings.PASSNUM_INVITATION_DAYS),
        )
        audit_record(
            actor=actor,
            action=AuditAction.INVITATION_SENT,
            obj=invitation,
            organisation_id=organisation.pk,
            data={"role": role},
        )
        link = settings.PASSNUM_SITE_URL + reverse("accounts:invitation_accept", args=[token])
        context = {"invitation": invitation, "link": link, "actor": actor}
        send_after_commit(
            subject=f"Invitation à rejoindre {organisation.name} sur passnum",
            text=render_to_string("accounts/emails/invitation.txt", context),
            emails=[email],
        )
    return invitation, token


def invitation_get_pending(*, token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None:
        raise InvitationInvalid("Ce lien d'invitation n'existe pas. Vérifiez qu'il est complet.")
    if invitation.accepted_at is not None:
        raise InvitationInvalid("Cette invitation a déjà été acceptée. Connectez-vous.")
    if invitation.revoked_at is not None:
        raise InvitationInvalid("Cette invitation a été annulée. Demandez-en une nouvelle.")
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid(
            "Cette invitation a expiré. Demandez à la personne qui vous a invité d'en envoyer une autre."
        )
    return invitation


def invitation_accept(
    *,
    token: str,
    user: User | None = None,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
) -> Membership:
    """Accepts for the logged-in user, or creates the account from the invitation's address."""
    with transaction.atomic():
        invitation = invitation_get_pending(token=token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise InvitationInvalid("Cette invitation a déjà été acceptée. Connectez-vous.")
        if user is None:
            if User.objects.filter(email=invitation.email).exists():
                raise InvitationInvalid(
                    "Un compte existe déjà avec cette adresse : connectez-vous pour accepter."
                )
            user = user_create(
                email=invitation.email,
                password=password,
                first_name=first_name,
                last_name=last_name,
            )
        elif user.email != invitation.email:
            raise InvitationInvalid(
                "Cette invitation a été envoyée à une autre adresse e-mail que la vôtre."
            )
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
        )
        if not created:
            membership.role = invitation.role
            membership.is_active = True
            membership.save(update_fields=["role", "is_active"])
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit_record(
            actor=user,
            action=AuditAction.INVITATION_ACCEPTED,
            obj=invitation,
            organisation_id=invitation.organisation_id,
            data={"role": invitation.role, "membership": membership.pk},
        )
    return membership


def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=AuditAction.INVITATION_REVOKED,
            obj=invitation,
            organisation_id=invitation.organisation_id,
        )
    return invitation


def _ensure_another_admin(membership: Membership) -> None:
    others = Membership.objects.filter(
        organisation_id=membership.organisation_id, role=Role.ADMIN, is_active=True
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise LastAdminError(
            "L'organisation doit garder au moins un administrateur actif : "
            "nommez-en un autre d'abord."
        )


def membership_set_role(*, actor: User, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise AccountsError("Rôle inconnu.", field="role")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.role == role:
            return membership
        if membership.role == Role.ADMIN:
            _ensure_another_admin(membership)
        previous = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            actor=actor,
            action=AuditAction.ROLE_CHANGED,
            obj=membership,
            organisation_id=membership.organisation_id,
            data={"from": previous, "to": role},
        )
    return membership


def membership_update(
    *, actor: User, membership: Membership, role: str = "", is_active: bool | None = None
) -> Membership:
    """A member's role and whether they are active, changed together or not at all."""
    with transaction.atomic():
        if role:
            membership = membership_set_role(actor=actor, membership=membership, role=role)
        if is_active is not None:
            membership = membership_set_active(
                actor=actor, membership=membership, is_active=is_active
            )
    return membership


def organisation_create_with_admin(
    *,
    actor: User,
    name: str,
    kinds: list[str],
    admin_email: str,
    siret: str | None = None,
    rna: str | None = None,
    commune=None,
) -> Organisation:
    """The operator registers an organisation and invites its first administrator; neither
    is kept without the other."""
    with transaction.atomic():
        organisation = organisation_create(
            actor=actor, name=name, kinds=kinds, siret=siret, rna=rna, commune=commune
        )
        invitation_send(actor=actor, organisation=organisation, email=admin_email, role=Role.ADMIN)
    return organisation


def membership_set_active(*, actor: User, membership: Membership, is_active: bool) -> Membership:
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.is_active == is_active:
            return membership
        if not is_active and membership.role == Role.ADMIN:
            _ensure_another_admin(membership)
        membership.is_active = is_active
        membership.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action=(
                AuditAction.MEMBERSHIP_REACTIVATED
                if is_active
                else AuditAction.MEMBERSHIP_DEACTIVATED
            ),
            obj=membership,
            organisation_id=membership.organisation_id,
        )
    return membership


def api_key_create(
    *, actor, organisation: Organisation, name: str, scopes=(ApiScope.UNITS_CONSUME,)
) -> tuple[ApiKey, str]:
    """Returns the key record and the key itself, which is never stored nor shown again.
    `scopes`: values of ApiScope, at least one."""
    chosen = sorted({str(scope) for scope in scopes})
    if not chosen:
        raise AccountsError("Choisissez au moins un droit pour la clé.", field="scopes")
    unknown = [scope for scope in chosen if scope not in ApiScope.values]
    if unknown:
        raise AccountsError(f"Droit inconnu : {', '.join(unknown)}.", field="scopes")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = f"pn_{prefix}_{secret}"
    record = ApiKey.objects.create(
        organisation=organisation,
        name=name,
        prefix=prefix,
        key_hash=hashlib.sha256(key.encode()).hexdigest(),
        created_by=actor,
        scopes=chosen,
    )
    audit_record(
        actor=actor,
        action="accounts.api_key_created",
        obj=record,
        organisation_id=organisation.pk,
        data={"scopes": chosen},
    )
    return record, key


# Every request of a key is counted in the current minute (a fixed window on the key's row)
# and marks the key used at most once a minute, in the one statement that finds the key: the
# row is locked while the window is read and written, so concurrent requests are all counted.
_ADMIT_SET = (
    "rate_count = CASE WHEN rate_window = %(window)s THEN rate_count + 1 ELSE 1 END,"
    " rate_window = %(window)s,"
    " last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at <= %(stale)s"
    " THEN %(now)s ELSE last_used_at END"
    " WHERE prefix = %(prefix)s AND key_hash = %(hash)s AND revoked_at IS NULL"
    " AND (rate_window IS NULL OR rate_window <> %(window)s OR rate_count < %(limit)s)"
)


@cache
def _admit_sql(vendor: str) -> str:
    table = ApiKey._meta.db_table
    if vendor == "postgresql":
        # The key and its organisation in one round trip.
        organisations = Organisation._meta.db_table
        return (
            f"WITH k AS (UPDATE {table} SET {_ADMIT_SET} RETURNING *) "  # noqa: S608
            f"SELECT {rawsql.columns(ApiKey, 'k')}, {rawsql.columns(Organisation, 'o')} "
            f"FROM k JOIN {organisations} o ON o.id = k.organisation_id"
        )
    return f"UPDATE {table} SET {_ADMIT_SET} RETURNING {rawsql.columns(ApiKey, table)}"  # noqa: S608


def api_key_admit(*, key: str, per_minute: int, now=None) -> tuple[ApiKey | None, int]:
    """The active key `key` (with its organisation), counted for this request; and 0 when the
    request may go on, else the seconds to wait for the next minute's window (over
    `per_minute` requests; <= 0: no limit). (None, 0) for a key that is unknown, revoked or
    wrong."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != "pn":
        return None, 0
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    key_hash = hashlib.sha256(key.encode()).hexdigest()
    row = rawsql.fetch_one(
        _admit_sql(connection.vendor),
        {
            "window": rawsql.moment(window),
            "stale": rawsql.moment(now - timedelta(minutes=1)),
            "now": rawsql.moment(now),
            "prefix": parts[1],
            "hash": key_hash,
            "limit": per_minute if per_minute > 0 else 2**31 - 1,
        },
    )
    if row is not None:
        if connection.vendor == "postgresql":
            (record, organisation), _rest = rawsql.instances(row, ApiKey, Organisation)
        else:
            (record,), _rest = rawsql.instances(row, ApiKey)
            organisation = Organisation.objects.get(pk=record.organisation_id)
        record.organisation = organisation
        return record, 0
    record = ApiKey.objects.filter(prefix=parts[1], revoked_at__isnull=True).first()
    if record is None or not hmac.compare_digest(record.key_hash, key_hash):
        return None, 0
    return record, max(1, math.ceil((window + timedelta(minutes=1) - now).total_seconds()))


def api_key_revoke(*, actor, record: ApiKey) -> None:
    if ApiKey.objects.filter(pk=record.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        audit_record(
            actor=actor,
            action="accounts.api_key_revoked",
            obj=record,
            organisation_id=record.organisation_id,
        )


# --- Organisations that sign up by themselves, and their habilitation -----------------------

SIGNUP_KINDS = (OrganisationKind.STRUCTURE, OrganisationKind.PRESCRIBER)
SIGNUP_SALT = "passnum.accounts.signup"


def _ip_hash(ip: str) -> str:
    """The sign-up's network address, kept only as a keyed hash to count sign-ups."""
    return hmac.new(settings.SECRET_KEY.encode(), (ip or "").encode(), "sha256").hexdigest()


def signup_link(*, organisation: Organisation, user: User) -> str:
    token = signing.dumps({"o": organisation.pk, "u": user.pk}, salt=SIGNUP_SALT)
    return settings.PASSNUM_SITE_URL + reverse("accounts:signup_confirm", args=[token])


def _operator_emails() -> list[str]:
    return sorted(
        set(
            Membership.objects.filter(organisation__is_operator=True, is_active=True).values_list(
                "user__email", flat=True
            )
        )
    )


def _admin_emails(organisation: Organisation) -> list[str]:
    return sorted(
        Membership.objects.filter(
            organisation=organisation, role=Role.ADMIN, user__is_active=True
        ).values_list("user__email", flat=True)
    )


def organisation_signup(
    *,
    kind: str,
    name: str,
    siret: str | None,
    rna: str | None,
    commune,
    places: list[dict],
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    ip: str = "",
) -> Organisation | None:
    """A mediation structure or a prescriber organisation signs up: the organisation (waiting
    for its e-mail to be confirmed, then for the operator), its places (at least one), its
    first administrator (inactive until the e-mail is confirmed) and the e-mail with the
    signed link. Sign-ups from one address are counted per hour.

    An address that already has an account gets an e-mail saying so and nothing is created:
    the answer is the same for the page (None instead of the organisation), so that the form
    never tells whether an address has an account."""
    if kind not in SIGNUP_KINDS:
        raise AccountsError(
            "Choisissez : structure de médiation ou organisation qui prescrit.", field="kind"
        )
    if not places:
        raise AccountsError("Indiquez au moins un lieu où vous recevez le public.", field="places")
    for place in places:
        if not (place.get("name", "").strip() and place.get("address", "").strip()):
            raise AccountsError("Chaque lieu a un nom, une adresse et une commune.", field="places")
        if place.get("commune") is None:
            raise AccountsError("Chaque lieu a une commune.", field="places")
    ip_hash = _ip_hash(ip)
    since = timezone.now() - timedelta(hours=1)
    # Both outcomes count, so that the form cannot be used to flood an address with e-mails.
    recent = AuditEntry.objects.filter(
        action__in=[AuditAction.SIGNED_UP, AuditAction.SIGNUP_EXISTING_ACCOUNT],
        data__ip=ip_hash,
        at__gte=since,
    ).count()
    if recent >= settings.PASSNUM_SIGNUPS_PER_HOUR:
        raise AccountsError(
            "Trop d'inscriptions depuis cette connexion en une heure : réessayez plus tard."
        )
    email = email.strip().lower()
    with transaction.atomic():
        if User.objects.filter(email=email).exists():
            audit_record(
                actor=None,
                action=AuditAction.SIGNUP_EXISTING_ACCOUNT,
                object_type="accounts.user",
                data={"ip": ip_hash},
            )
            send_after_commit(
                subject="Inscription sur passnum : vous avez déjà un compte",
                text=render_to_string(
                    "accounts/emails/signup_existing_account.txt",
                    {
                        "name": name,
                        "login": settings.PASSNUM_SITE_URL + reverse("accounts:login"),
                        "reset": settings.PASSNUM_SITE_URL + reverse("accounts:password_reset"),
                    },
                ),
                emails=[email],
            )
            return None
        for field, value in (("siret", clean_identifier(siret)), ("rna", clean_identifier(rna))):
            if value and Organisation.objects.filter(**{field: value}).exists():
                raise AccountsError(
                    f"Une organisation avec ce numéro {field.upper()} est déjà inscrite : "
                    "demandez à son administrateur de vous inviter.",
                    field=field,
                )
        organisation = organisation_create(
            actor=None, name=name, kinds=[kind], siret=siret, rna=rna, commune=commune
        )
        organisation.habilitation = Habilitation.UNCONFIRMED
        organisation.signup_ip_hash = ip_hash
        organisation.save(update_fields=["habilitation", "signup_ip_hash"])
        for place in places:
            DeclaredPlace.objects.create(
                organisation=organisation,
                name=place["name"].strip()[:250],
                address=place["address"].strip()[:300],
                commune=place["commune"],
            )
        user = user_create(
            email=email, password=password, first_name=first_name, last_name=last_name
        )
        user.is_active = False
        user.save(update_fields=["is_active"])
        Membership.objects.create(user=user, organisation=organisation, role=Role.ADMIN)
        audit_record(
            actor=None,
            action=AuditAction.SIGNED_UP,
            obj=organisation,
            organisation_id=organisation.pk,
            data={"kind": kind, "places": len(places), "ip": ip_hash},
        )
        send_after_commit(
            subject="Confirmez l'inscription de votre organisation sur passnum",
            text=render_to_string(
                "accounts/emails/signup_confirm.txt",
                {
                    "organisation": organisation,
                    "link": signup_link(organisation=organisation, user=user),
                    "days": settings.PASSNUM_SIGNUP_LINK_DAYS,
                },
            ),
            emails=[email],
        )
    return organisation


def signup_confirm(*, token: str) -> Organisation:
    """The signed link of the sign-up e-mail: the account becomes active and the organisation
    waits for the operator, who is told. A second click changes nothing."""
    try:
        data = signing.loads(
            token, salt=SIGNUP_SALT, max_age=timedelta(days=settings.PASSNUM_SIGNUP_LINK_DAYS)
        )
    except signing.SignatureExpired as error:
        raise SignupInvalid(
            "Ce lien a expiré. Inscrivez de nouveau votre organisation, ou écrivez à l'opérateur."
        ) from error
    except signing.BadSignature as error:
        raise SignupInvalid("Ce lien n'est pas valable. Vérifiez qu'il est complet.") from error
    with transaction.atomic():
        organisation = Organisation.objects.filter(pk=data.get("o")).first()
        user = User.objects.filter(pk=data.get("u")).first()
        if organisation is None or user is None:
            raise SignupInvalid("Cette inscription n'existe plus.")
        confirmed = Organisation.objects.filter(
            pk=organisation.pk, habilitation=Habilitation.UNCONFIRMED
        ).update(habilitation=Habilitation.PENDING, habilitation_changed_at=timezone.now())
        if confirmed:
            User.objects.filter(pk=user.pk).update(is_active=True)
            audit_record(
                actor=user,
                action=AuditAction.SIGNUP_CONFIRMED,
                obj=organisation,
                organisation_id=organisation.pk,
            )
            send_after_commit(
                subject=f"Nouvelle inscription à valider : {organisation.name}",
                text=(
                    f"{organisation.name} ({organisation.get_kinds_display()}) s'est inscrite "
                    "et attend votre validation.\n\n"
                    + settings.PASSNUM_SITE_URL
                    + reverse("accounts:habilitation_detail", args=[organisation.pk])
                ),
                emails=_operator_emails(),
            )
        organisation.refresh_from_db()
    return organisation


_DECISIONS = {
    Habilitation.VALIDATED: (
        {Habilitation.PENDING},
        AuditAction.HABILITATION_VALIDATED,
        "Votre organisation est validée",
    ),
    Habilitation.REFUSED: (
        {Habilitation.PENDING, Habilitation.CHANGES_REQUESTED},
        AuditAction.HABILITATION_REFUSED,
        "Votre inscription est refusée",
    ),
    Habilitation.CHANGES_REQUESTED: (
        {Habilitation.PENDING},
        AuditAction.HABILITATION_CHANGES_REQUESTED,
        "Votre inscription est à compléter",
    ),
}


def habilitation_decide(
    *, actor: User, organisation: Organisation, decision: str, reason: str
) -> Organisation:
    """The operator validates, refuses or asks for changes, always with a reason that the
    organisation receives by e-mail; journaled. Validating runs what the apps above register
    (a structure's declared places enter the directory)."""
    if decision not in _DECISIONS:
        raise AccountsError("Choisissez une décision.", field="decision")
    if not reason.strip():
        raise AccountsError(
            "Écrivez le motif : l'organisation le reçoit avec la décision.", field="reason"
        )
    sources, action, subject = _DECISIONS[decision]
    with transaction.atomic():
        updated = Organisation.objects.filter(pk=organisation.pk, habilitation__in=sources).update(
            habilitation=decision,
            habilitation_reason=reason.strip(),
            habilitation_changed_at=timezone.now(),
        )
        if not updated:
            organisation.refresh_from_db()
            raise AccountsError(
                f"Impossible : l'inscription est « {organisation.get_habilitation_display()} »."
            )
        organisation.refresh_from_db()
        audit_record(
            actor=actor,
            action=action,
            obj=organisation,
            organisation_id=organisation.pk,
            data={"habilitation": decision},
        )
        if decision == Habilitation.VALIDATED:
            for contribution in contributions(ORGANISATION_VALIDATED):
                contribution(actor=actor, organisation=organisation)
        send_after_commit(
            subject=f"[passnum] {subject}",
            text=render_to_string(
                "accounts/emails/habilitation_decision.txt",
                {
                    "organisation": organisation,
                    "reason": reason.strip(),
                    "link": settings.PASSNUM_SITE_URL
                    + reverse("accounts:habilitation", args=[organisation.pk]),
                },
            ),
            emails=_admin_emails(organisation),
        )
    return organisation


def habilitation_resubmit(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    siret: str | None,
    rna: str | None,
    message: str = "",
) -> Organisation:
    """After the operator asked for changes, the organisation corrects and sends again."""
    siret, rna = clean_identifier(siret) or None, clean_identifier(rna) or None
    if not siret and not rna:
        raise AccountsError(
            "Indiquez le numéro SIRET ou, pour une association, le RNA.", field="siret"
        )
    with transaction.atomic():
        current = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if current.habilitation != Habilitation.CHANGES_REQUESTED:
            raise AccountsError(
                f"Impossible : l'inscription est « {current.get_habilitation_display()} »."
            )
        current.name, current.siret, current.rna = name.strip(), siret, rna
        current.full_clean(exclude=["commune"])
        current.habilitation = Habilitation.PENDING
        current.habilitation_changed_at = timezone.now()
        current.save()
        audit_record(
            actor=actor,
            action=AuditAction.HABILITATION_RESUBMITTED,
            obj=current,
            organisation_id=current.pk,
        )
        send_after_commit(
            subject=f"Inscription complétée à valider : {current.name}",
            text=f"{current.name} a complété son inscription.\n\n{message.strip()}\n\n"
            + settings.PASSNUM_SITE_URL
            + reverse("accounts:habilitation_detail", args=[current.pk]),
            emails=_operator_emails(),
        )
    return current
