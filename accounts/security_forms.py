from django import forms
from dsfr.forms import DsfrBaseForm

from core.forms import FilterForm


class LoginCodeForm(DsfrBaseForm):
    code = forms.CharField(
        label="Code de vérification",
        max_length=32,
        strip=True,
        help_text=(
            "Les 6 chiffres affichés par votre application d'authentification, "
            "ou l'un de vos codes de secours."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class TwoFactorSetupForm(DsfrBaseForm):
    code = forms.CharField(
        label="Code à 6 chiffres affiché par l'application",
        max_length=12,
        strip=True,
        help_text="Format attendu : 6 chiffres, par exemple 123456.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


class AuditFilterForm(FilterForm):
    """The filters of the operator's page of the audit journal; all optional."""

    actor = forms.EmailField(
        label="Auteur (adresse e-mail)", required=False, help_text="Exemple : nom@exemple.fr"
    )
    organisation = forms.ModelChoiceField(
        label="Organisation", queryset=None, required=False, empty_label="toutes"
    )
    person = forms.IntegerField(
        label="Numéro de la personne",
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Le numéro dans l'adresse de sa fiche (…/personnes/123/).",
    )
    action = forms.ChoiceField(label="Action", required=False)
    since = forms.DateField(
        label="Du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label="Au (inclus)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, organisations, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["action"].choices = [("", "toutes"), *actions]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "La date de fin doit venir après la date de début.")
        return data
