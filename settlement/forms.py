from django import forms
from dsfr.forms import DsfrBaseForm


class BatchForm(DsfrBaseForm):
    until = forms.DateField(
        label="Payer les lignes acceptées jusqu'au",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ReasonForm(DsfrBaseForm):
    reason = forms.CharField(label="Motif", max_length=300)


class NoteForm(DsfrBaseForm):
    note = forms.CharField(label="Votre message", max_length=2000, widget=forms.Textarea)
