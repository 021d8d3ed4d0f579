from django import forms
from dsfr.forms import DsfrBaseForm


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
