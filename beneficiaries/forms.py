from django import forms
from dsfr.forms import DsfrBaseForm


class OrientationForm(DsfrBaseForm):
    prescriber = forms.ModelChoiceField(label="Vous orientez pour", queryset=None, empty_label=None)
    person_name = forms.CharField(
        label="Nom de la personne",
        max_length=150,
        help_text="Un prénom et un nom suffisent. Rien d'autre n'est demandé.",
    )
    need = forms.CharField(
        label="Son besoin",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Par exemple : créer une adresse e-mail, faire sa déclaration en ligne à la CAF.",
    )

    def __init__(self, *args, prescribers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prescriber"].queryset = prescribers
        if prescribers.count() == 1:
            self.fields["prescriber"].widget = forms.HiddenInput()
            self.fields["prescriber"].initial = prescribers.first().pk
