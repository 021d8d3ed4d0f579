from django import forms
from dsfr.forms import DsfrBaseForm

from core.forms import FilterForm
from reporting.enums import ContactStatus, PeriodKind


class PeriodForm(FilterForm):
    """The period of a dashboard; period_parse reads it (and says what is wrong)."""

    periode = forms.ChoiceField(label="Période", choices=PeriodKind.choices, required=False)
    valeur = forms.CharField(
        label="Mois, trimestre ou année",
        required=False,
        max_length=10,
        help_text="Par exemple 2026-03 (mois), 2026-T1 (trimestre) ou 2026 (année).",
    )
    du = forms.CharField(
        label="Du (dates choisies)",
        required=False,
        max_length=10,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    au = forms.CharField(
        label="Au (dates choisies)",
        required=False,
        max_length=10,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class FollowUpForm(DsfrBaseForm):
    status = forms.ChoiceField(label="Où en est le contact", choices=ContactStatus.choices)
    note = forms.CharField(
        label="Note (sans information médicale ni sensible)",
        required=False,
        max_length=300,
    )
