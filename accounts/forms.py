from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from dsfr.forms import DsfrBaseForm

from accounts.enums import ApiScope, Habilitation, OrganisationKind, Role
from accounts.validators import clean_identifier, validate_rna, validate_siret
from core.forms import formset_with_more_rows
from territories.forms import CommuneField


class EmailAuthenticationForm(DsfrBaseForm, AuthenticationForm):
    username = forms.EmailField(
        label="Adresse e-mail",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": (
            "Adresse e-mail ou mot de passe incorrect. Vérifiez les deux champs "
            "(les majuscules comptent dans le mot de passe)."
        ),
        "inactive": "Ce compte est désactivé. Contactez l'administrateur de votre organisation.",
    }

    def clean_username(self):
        return self.cleaned_data["username"].lower()


class PasswordResetRequestForm(DsfrBaseForm, PasswordResetForm):
    email = forms.EmailField(
        label="Adresse e-mail du compte",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class InvitationForm(DsfrBaseForm):
    email = forms.EmailField(label="Adresse e-mail de la personne à inviter")
    role = forms.ChoiceField(label="Rôle", choices=Role.choices, initial=Role.MEMBER)


class MemberUpdateForm(DsfrBaseForm):
    role = forms.ChoiceField(label="Rôle", choices=Role.choices, required=False)
    is_active = forms.ChoiceField(
        label="Accès", choices=[("1", "Actif"), ("0", "Désactivé")], required=False
    )


class AccountCreationForm(DsfrBaseForm):
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Au moins 12 caractères, pas uniquement des chiffres.",
    )
    password2 = forms.CharField(
        label="Confirmez le mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "Les deux mots de passe ne sont pas identiques.")
        elif first:
            from accounts.models import User

            probe = User(
                email=self.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class IdentifierFieldsMixin:
    """SIRET (14 digits, Luhn key, La Poste's exception) or RNA (W + 9), one of them."""

    def clean_siret(self):
        value = clean_identifier(self.cleaned_data["siret"])
        if value:
            validate_siret(value)
        return value

    def clean_rna(self):
        value = clean_identifier(self.cleaned_data["rna"])
        if value:
            validate_rna(value)
        return value

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("siret") and not cleaned.get("rna") and not self.has_error("siret"):
            self.add_error("siret", "Indiquez le numéro SIRET ou, pour une association, le RNA.")
        return cleaned


def _siret_field():
    return forms.CharField(
        label="SIRET (14 chiffres)",
        max_length=20,
        required=False,
        help_text="Obligatoire sauf pour une association qui n'a qu'un numéro RNA.",
    )


def _rna_field():
    return forms.CharField(
        label="Numéro RNA (associations)",
        max_length=12,
        required=False,
        help_text="W suivi de 9 caractères, par exemple W974001234.",
    )


class OrganisationCreateForm(IdentifierFieldsMixin, DsfrBaseForm):
    name = forms.CharField(label="Nom de l'organisation", max_length=200)
    kinds = forms.MultipleChoiceField(
        label="Type d'organisation",
        choices=OrganisationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Une organisation peut avoir plusieurs types.",
        error_messages={"required": "Cochez au moins un type d'organisation."},
    )
    siret = _siret_field()
    rna = _rna_field()
    commune = CommuneField(required=False)
    admin_email = forms.EmailField(
        label="Adresse e-mail du premier administrateur",
        help_text="Cette personne recevra une invitation pour créer son compte.",
    )


SIGNUP_KIND_CHOICES = [
    (
        OrganisationKind.STRUCTURE.value,
        "Une structure de médiation numérique : vous accompagnez les personnes",
    ),
    (
        OrganisationKind.PRESCRIBER.value,
        "Une organisation qui oriente les personnes (CCAS, France Travail, CAF, association…)",
    ),
]


class SignupForm(IdentifierFieldsMixin, AccountCreationForm):
    kind = forms.ChoiceField(
        label="Votre organisation est",
        choices=SIGNUP_KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le type de votre organisation."},
    )
    name = forms.CharField(label="Nom de l'organisation", max_length=200)
    siret = _siret_field()
    rna = _rna_field()
    commune = CommuneField(label="Commune du siège")
    first_name = forms.CharField(label="Votre prénom", max_length=150)
    last_name = forms.CharField(label="Votre nom", max_length=150)
    email = forms.EmailField(
        label="Votre adresse e-mail professionnelle",
        help_text="Vous recevrez un lien pour la confirmer. Vous serez l'administrateur du "
        "compte de l'organisation.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    field_order = [
        "kind",
        "name",
        "siret",
        "rna",
        "commune",
        "first_name",
        "last_name",
        "email",
        "password1",
        "password2",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, email="", **kwargs)
        self.order_fields(self.field_order)

    def clean(self):
        self.email = (self.cleaned_data.get("email") or "").lower()
        return super().clean()


class DeclaredPlaceForm(DsfrBaseForm):
    """One place where the organisation welcomes people; an empty row is left out."""

    name = forms.CharField(label="Nom du lieu", max_length=250, required=False)
    address = forms.CharField(
        label="Adresse", max_length=300, required=False, help_text="Numéro et rue."
    )
    commune = CommuneField(required=False)

    def clean(self):
        data = super().clean()
        filled = [name for name in ("name", "address", "commune") if data.get(name)]
        if filled and len(filled) < 3:
            for name in ("name", "address", "commune"):
                if not data.get(name) and not self.has_error(name):
                    self.add_error(
                        name, "Ce lieu a besoin d'un nom, d'une adresse et d'une commune."
                    )
        return data


class BaseDeclaredPlaceFormSet(forms.BaseFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if i == 0:  # the first place is required, the others may stay empty
            form.empty_permitted = False
            for field in form.fields.values():
                field.required = True
        return form

    def clean(self):
        if any(self.errors):
            return
        if not self.places():
            raise forms.ValidationError(
                "Indiquez au moins un lieu où vous recevez le public : nom, adresse et commune."
            )

    def places(self) -> list[dict]:
        return [form.cleaned_data for form in self.forms if form.cleaned_data.get("name")]


DeclaredPlaceFormSet = forms.formset_factory(
    DeclaredPlaceForm, formset=BaseDeclaredPlaceFormSet, extra=1, max_num=20
)


def declared_places_formset(data=None) -> BaseDeclaredPlaceFormSet:
    """The sign-up's places; "Ajouter un lieu" (`more_rows`) adds a row."""
    return formset_with_more_rows(DeclaredPlaceFormSet, data, prefix="lieux")


class HabilitationDecisionForm(DsfrBaseForm):
    decision = forms.ChoiceField(
        label="Décision",
        choices=[
            (Habilitation.VALIDATED.value, "Valider l'organisation"),
            (Habilitation.CHANGES_REQUESTED.value, "Demander des modifications"),
            (Habilitation.REFUSED.value, "Refuser l'inscription"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez une décision."},
    )
    reason = forms.CharField(
        label="Motif envoyé à l'organisation",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Toujours obligatoire. Par exemple : SIRET vérifié dans l'annuaire des "
        "entreprises, lieux ouverts au public.",
        error_messages={"required": "Écrivez le motif : l'organisation le reçoit."},
    )


class HabilitationResubmitForm(IdentifierFieldsMixin, DsfrBaseForm):
    name = forms.CharField(label="Nom de l'organisation", max_length=200)
    siret = _siret_field()
    rna = _rna_field()
    message = forms.CharField(
        label="Message à l'opérateur",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ce que vous avez corrigé ou ajouté.",
    )


class NewPasswordForm(DsfrBaseForm, SetPasswordForm):
    pass


class ApiKeyForm(DsfrBaseForm):
    name = forms.CharField(
        label="Nom de la clé",
        max_length=100,
        help_text="Pour la reconnaître, par exemple : logiciel de caisse, tablette de l'accueil.",
    )
    scopes = forms.MultipleChoiceField(
        label="Droits de la clé",
        choices=ApiScope.choices,
        initial=[ApiScope.UNITS_CONSUME],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=(
            "Ne donnez que ce dont le logiciel a besoin. Aucune case cochée : "
            "utiliser des chèques et des heures, le droit des clés faites avant les droits."
        ),
    )

    def clean_scopes(self):
        return self.cleaned_data["scopes"] or [ApiScope.UNITS_CONSUME.value]
