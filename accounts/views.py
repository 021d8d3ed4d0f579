from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import perms, selectors, services
from accounts.enums import AuditAction, Habilitation, OrganisationKind, Role
from accounts.exceptions import InvitationInvalid, SignupInvalid
from accounts.forms import (
    AccountCreationForm,
    ApiKeyForm,
    HabilitationDecisionForm,
    HabilitationResubmitForm,
    InvitationForm,
    MemberUpdateForm,
    NewPasswordForm,
    OrganisationCreateForm,
    SignupForm,
    declared_places_formset,
)
from accounts.models import ApiKey, Invitation, Membership, Organisation
from accounts.security import client_ip
from core.exceptions import PassnumError
from core.forms import add_errors, parse_id
from core.registry import HOME_LINKS, contributions
from core.services import audit_record


@login_required
def home(request):
    memberships = list(selectors.active_memberships(user=request.user))
    if len(memberships) == 1:
        return redirect("accounts:organisation_home", pk=memberships[0].organisation_id)
    return render(request, "accounts/home.html", {"memberships": memberships})


def _organisation_for_member(request, pk: int) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=pk)
    if not perms.is_member(request.user, organisation):
        raise PermissionDenied
    return organisation


@login_required
def organisation_home(request, pk: int):
    organisation = _organisation_for_member(request, pk)
    membership = selectors.membership_of(user=request.user, organisation=organisation)
    other_memberships = selectors.active_memberships(user=request.user).exclude(pk=membership.pk)
    return render(
        request,
        "accounts/organisation_home.html",
        {
            "organisation": organisation,
            "membership": membership,
            "other_memberships": other_memberships,
            "kinds": organisation.kinds,
            "is_admin": membership.role == Role.ADMIN,
            "home_links": [f"{app}/home_links/" for app in contributions(HOME_LINKS)],
            "habilitation_blocker": selectors.habilitation_blocker(organisation=organisation),
            "habilitations_to_review": (
                selectors.habilitations_to_review().count() if organisation.is_operator else 0
            ),
        },
    )


@login_required
def members(request, pk: int):
    organisation = get_object_or_404(Organisation, pk=pk)
    if not perms.can_view_members(request.user, organisation):
        raise PermissionDenied
    can_manage = perms.can_manage_members(request.user, organisation)
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.invitation_send(
                    actor=request.user,
                    organisation=organisation,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                )
            except (PassnumError, ValidationError) as error:
                add_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Invitation envoyée à {form.cleaned_data['email']}. "
                    "Le lien est valable 7 jours.",
                )
                return redirect("accounts:members", pk=organisation.pk)
    return render(
        request,
        "accounts/members.html",
        {
            "organisation": organisation,
            "memberships": selectors.organisation_members(organisation=organisation),
            "invitations": (
                selectors.organisation_pending_invitations(organisation=organisation)
                if can_manage
                else []
            ),
            "form": form,
            "can_manage": can_manage,
            "roles": Role.choices,
        },
    )


@login_required
@require_POST
def member_update(request, pk: int, membership_pk: int):
    organisation = get_object_or_404(Organisation, pk=pk)
    if not perms.can_manage_members(request.user, organisation):
        raise PermissionDenied
    membership = get_object_or_404(Membership, pk=membership_pk, organisation=organisation)
    form = MemberUpdateForm(request.POST)
    if form.is_valid():
        try:
            active = form.cleaned_data["is_active"]
            services.membership_update(
                actor=request.user,
                membership=membership,
                role=form.cleaned_data["role"],
                is_active=(active == "1") if active else None,
            )
        except PassnumError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Les droits de {membership.user} ont été mis à jour.")
    else:
        messages.error(request, "Choix invalide : recommencez.")
    return redirect("accounts:members", pk=organisation.pk)


@login_required
@require_POST
def invitation_revoke(request, pk: int, invitation_pk: int):
    organisation = get_object_or_404(Organisation, pk=pk)
    if not perms.can_manage_members(request.user, organisation):
        raise PermissionDenied
    invitation = get_object_or_404(
        Invitation, pk=invitation_pk, organisation=organisation, accepted_at__isnull=True
    )
    services.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, "L'invitation a été annulée.")
    return redirect("accounts:members", pk=organisation.pk)


def invitation_accept(request, token: str):
    try:
        invitation = services.invitation_get_pending(token=token)
    except InvitationInvalid as error:
        return render(request, "accounts/invitation_invalid.html", {"error": error}, status=410)

    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept(token=token, user=request.user)
            except InvitationInvalid as error:
                messages.error(request, str(error))
                return redirect("accounts:home")
            messages.success(request, f"Vous avez rejoint {invitation.organisation.name}.")
            return redirect("accounts:organisation_home", pk=invitation.organisation_id)
        return render(request, "accounts/invitation_accept.html", {"invitation": invitation})

    from accounts.models import User

    if User.objects.filter(email=invitation.email).exists():
        messages.info(request, "Vous avez déjà un compte : connectez-vous pour accepter.")
        return redirect(f"{reverse_lazy('accounts:login')}?next={request.path}")

    form = AccountCreationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.invitation_accept(
                token=token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except InvitationInvalid as error:
            return render(request, "accounts/invitation_invalid.html", {"error": error}, status=410)
        login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Bienvenue ! Vous avez rejoint {invitation.organisation.name}.")
        return redirect("accounts:organisation_home", pk=invitation.organisation_id)
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form}
    )


@login_required
def organisation_list(request):
    if not perms.can_manage_organisations(request.user):
        raise PermissionDenied
    kind = request.GET.get("type", "")
    if kind not in OrganisationKind.values:
        kind = ""
    return render(
        request,
        "accounts/organisation_list.html",
        {
            "organisations": selectors.organisations_list(kind=kind or None),
            "kind": kind,
            "kinds": OrganisationKind.choices,
        },
    )


@login_required
def organisation_create(request):
    if not perms.can_manage_organisations(request.user):
        raise PermissionDenied
    form = OrganisationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = services.organisation_create_with_admin(
                actor=request.user,
                name=data["name"],
                kinds=data["kinds"],
                siret=data["siret"] or None,
                rna=data["rna"] or None,
                commune=data["commune"],
                admin_email=data["admin_email"],
            )
        except (PassnumError, ValidationError) as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"« {organisation.name} » est créée. Une invitation a été envoyée à "
                f"{data['admin_email']}.",
            )
            return redirect("accounts:organisation_list")
    return render(request, "accounts/organisation_create.html", {"form": form})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(actor=form.user, action=AuditAction.PASSWORD_RESET, obj=form.user)
        return response


@never_cache
@login_required
def api_keys(request, pk: int):
    organisation = get_object_or_404(Organisation, pk=pk)
    if not perms.can_manage_members(request.user, organisation):
        raise PermissionDenied
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and "revoke" in request.POST:
        record = get_object_or_404(
            ApiKey, pk=parse_id(request.POST["revoke"]), organisation=organisation
        )
        services.api_key_revoke(actor=request.user, record=record)
        messages.success(request, f"La clé « {record.name} » ne fonctionne plus.")
        return redirect("accounts:api_keys", pk=organisation.pk)
    if request.method == "POST" and form.is_valid():
        try:
            _record, new_key = services.api_key_create(
                actor=request.user,
                organisation=organisation,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            form = ApiKeyForm()
    return render(
        request,
        "accounts/api_keys.html",
        {
            "organisation": organisation,
            "form": form,
            "new_key": new_key,
            "keys": organisation.api_keys.order_by("-created_at"),
        },
    )


@never_cache
def signup(request):
    """A mediation structure or a prescriber organisation signs up by itself."""
    posted = request.method == "POST"
    form = SignupForm(request.POST or None)
    places = declared_places_formset(request.POST if posted else None)
    adding_place = "more_rows" in request.POST
    if posted and not adding_place and form.is_valid() and places.is_valid():
        data = form.cleaned_data
        try:
            services.organisation_signup(
                kind=data["kind"],
                name=data["name"],
                siret=data["siret"] or None,
                rna=data["rna"] or None,
                commune=data["commune"],
                places=places.places(),
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
                ip=client_ip(request) or "",
            )
        except (PassnumError, ValidationError) as error:
            add_errors(form, error)
        else:
            # The same page whether or not the address already had an account.
            return render(request, "accounts/signup_sent.html", {"email": data["email"]})
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "places": places, "adding_place": adding_place},
    )


def signup_confirm(request, token: str):
    try:
        organisation = services.signup_confirm(token=token)
    except SignupInvalid as error:
        return render(request, "accounts/invitation_invalid.html", {"error": error}, status=410)
    return render(request, "accounts/signup_confirmed.html", {"organisation": organisation})


@login_required
def habilitation(request, pk: int):
    """The organisation's own sign-up: where it stands, the operator's reason, and the form
    to correct it when changes are asked."""
    organisation = _organisation_for_member(request, pk)
    can_resubmit = (
        perms.can_manage_members(request.user, organisation)
        and organisation.habilitation == Habilitation.CHANGES_REQUESTED
    )
    form = None
    if can_resubmit:
        form = HabilitationResubmitForm(
            request.POST or None,
            initial={
                "name": organisation.name,
                "siret": organisation.siret or "",
                "rna": organisation.rna or "",
            },
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.habilitation_resubmit(
                    actor=request.user,
                    organisation=organisation,
                    name=data["name"],
                    siret=data["siret"],
                    rna=data["rna"],
                    message=data["message"],
                )
            except (PassnumError, ValidationError) as error:
                add_errors(form, error)
            else:
                messages.success(request, "Inscription renvoyée à l'opérateur.")
                return redirect("accounts:habilitation", pk=organisation.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "accounts/habilitation.html",
        {
            "organisation": organisation,
            "form": form,
            "declared_places": organisation.declared_places.select_related("commune"),
            "blocker": selectors.habilitation_blocker(organisation=organisation),
        },
    )


@login_required
def habilitations(request):
    if not perms.can_manage_organisations(request.user):
        raise PermissionDenied
    return render(
        request,
        "accounts/habilitations.html",
        {"organisations": selectors.habilitations_to_review()},
    )


@login_required
def habilitation_detail(request, pk: int):
    """The operator reads a sign-up and decides, with a reason."""
    if not perms.can_manage_organisations(request.user):
        raise PermissionDenied
    organisation = get_object_or_404(Organisation.objects.select_related("commune"), pk=pk)
    form = HabilitationDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.habilitation_decide(
                actor=request.user,
                organisation=organisation,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except PassnumError as error:
            add_errors(form, error)
        else:
            organisation.refresh_from_db()
            messages.success(
                request,
                f"« {organisation.name} » : {organisation.get_habilitation_display().lower()}. "
                "L'organisation est prévenue par courriel.",
            )
            return redirect("accounts:habilitations")
    return render(
        request,
        "accounts/habilitation_detail.html",
        {
            "organisation": organisation,
            "form": form,
            "declared_places": organisation.declared_places.select_related("commune"),
            "admins": selectors.organisation_members(organisation=organisation).filter(
                role=Role.ADMIN
            ),
            "can_decide": organisation.habilitation
            in (Habilitation.PENDING, Habilitation.CHANGES_REQUESTED),
        },
    )
