from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from dsfr.forms import DsfrBaseForm

from accounts.enums import ApiScope, OrganisationKind, Role
from accounts.validators import clean_identifier, validate_rna, validate_siret
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


class OrganisationCreateForm(DsfrBaseForm):
    name = forms.CharField(label="Nom de l'organisation", max_length=200)
    kinds = forms.MultipleChoiceField(
        label="Type d'organisation",
        choices=OrganisationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Une organisation peut avoir plusieurs types.",
        error_messages={"required": "Cochez au moins un type d'organisation."},
    )
    siret = forms.CharField(
        label="SIRET (14 chiffres)",
        max_length=20,
        required=False,
        help_text="Obligatoire sauf pour une association qui n'a qu'un numéro RNA.",
    )
    rna = forms.CharField(label="Numéro RNA (associations)", max_length=12, required=False)
    commune = CommuneField(required=False)
    admin_email = forms.EmailField(
        label="Adresse e-mail du premier administrateur",
        help_text="Cette personne recevra une invitation pour créer son compte.",
    )

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
