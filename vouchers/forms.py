from django import forms
from dsfr.forms import DsfrBaseForm

from vouchers.enums import Delivery


class IssueForm(DsfrBaseForm):
    program = forms.ModelChoiceField(label="Programme", queryset=None, empty_label=None)
    units = forms.TypedChoiceField(label="Nombre de chèques ou d'heures", coerce=int)
    track = forms.ModelChoiceField(label="Parcours", queryset=None, required=False)
    delivery = forms.ChoiceField(
        label="Comment la personne reçoit son carnet",
        choices=Delivery.choices,
        widget=forms.RadioSelect,
        initial=Delivery.PAPER,
    )

    def __init__(self, *args, programs, units_choices, tracks, unit_word=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
        self.fields["units"].choices = [(n, str(n)) for n in units_choices]
        if unit_word:
            self.fields["units"].label = f"Nombre de {unit_word}"
        self.fields["track"].queryset = tracks


class OppositionForm(DsfrBaseForm):
    reason = forms.CharField(
        label="Pourquoi ?", max_length=300, help_text="Par exemple : carnet perdu, volé, abîmé."
    )
    delivery = forms.ChoiceField(
        label="Le nouveau carnet est remis",
        choices=Delivery.choices,
        widget=forms.RadioSelect,
        initial=Delivery.PAPER,
    )


class BalanceForm(DsfrBaseForm):
    number = forms.CharField(
        label="Numéro du carnet (ou de la carte)",
        max_length=32,
        help_text="Écrit après « N° » en haut de la couverture, par exemple PN26-C000012. "
        "Majuscules, minuscules, tirets et espaces : comme vous voulez.",
    )
    code = forms.CharField(
        label="Code du carnet",
        max_length=16,
        help_text="Écrit juste en dessous, après « Code : » : 8 lettres et chiffres, "
        "par exemple AB3D-7KQ2.",
    )


class UnusedForm(DsfrBaseForm):
    days = forms.IntegerField(
        label="Carnets remis depuis au moins (jours)", min_value=1, max_value=3650, initial=30
    )
