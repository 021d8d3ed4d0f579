import re

from django import forms
from dsfr.forms import DsfrBaseForm

from beneficiaries.enums import (
    ConsentMethod,
    DiagnosticKind,
    SkillAnswer,
)
from beneficiaries.services import diagnostic_skills
from programs.enums import PublicCategory
from territories.forms import CommuneField


class OrientationForm(DsfrBaseForm):
    prescriber = forms.ModelChoiceField(label="Vous orientez pour", queryset=None, empty_label=None)
    beneficiary = forms.ModelChoiceField(
        label="Personne déjà suivie",
        queryset=None,
        required=False,
        empty_label="aucune : j'écris son nom",
        help_text="Facultatif : l'orientation s'ajoute alors à son historique.",
    )
    person_name = forms.CharField(
        label="Nom de la personne",
        max_length=150,
        required=False,
        help_text="Un prénom et un nom suffisent. Rien d'autre n'est demandé.",
    )
    need = forms.CharField(
        label="Son besoin",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Par exemple : créer une adresse e-mail, faire sa déclaration en ligne à la CAF.",
    )

    def __init__(self, *args, prescribers, beneficiaries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prescriber"].queryset = prescribers
        self.fields["beneficiary"].queryset = beneficiaries
        self.fields["beneficiary"].label_from_instance = lambda b: f"{b.last_name} {b.first_name}"
        if prescribers.count() == 1:
            self.fields["prescriber"].widget = forms.HiddenInput()
            self.fields["prescriber"].initial = prescribers.first().pk

    def clean(self):
        data = super().clean()
        beneficiary = data.get("beneficiary")
        if beneficiary:
            data["person_name"] = f"{beneficiary.first_name} {beneficiary.last_name}"
        elif not data.get("person_name", "").strip() and "person_name" not in self.errors:
            self.add_error(
                "person_name", "Écrivez le nom de la personne, ou choisissez-la dans la liste."
            )
        return data


class BeneficiaryForm(DsfrBaseForm):
    first_name = forms.CharField(label="Prénom", max_length=100)
    last_name = forms.CharField(label="Nom", max_length=100)
    birth_date = forms.DateField(
        label="Date de naissance",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    commune = CommuneField(label="Commune où la personne habite")
    phone = forms.CharField(
        label="Téléphone portable",
        required=False,
        max_length=20,
        help_text="Facultatif : pour recevoir le carnet par SMS. Exemple : 0692 12 34 56.",
    )
    email = forms.EmailField(
        label="Adresse e-mail",
        required=False,
        help_text="Facultatif : pour recevoir le carnet par courriel.",
    )
    categories = forms.MultipleChoiceField(
        label="Situation (pour les statistiques du programme)",
        choices=PublicCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent_method = forms.ChoiceField(
        label="La personne est d'accord pour que ses informations soient enregistrées",
        choices=ConsentMethod.choices,
        widget=forms.RadioSelect,
        help_text="Lisez-lui la notice d'information (page « Données personnelles ») avant.",
    )
    confirm_new = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_phone(self):
        phone = re.sub(r"[\s.\-]", "", self.cleaned_data["phone"])
        if phone and not re.fullmatch(r"(\+\d{9,14}|0\d{9})", phone):
            raise forms.ValidationError(
                "Numéro de téléphone invalide : 10 chiffres (0692…) ou au format +262…"
            )
        return phone


class BeneficiaryUpdateForm(BeneficiaryForm):
    """The prescriber corrects what was registered; the consent given stays as it was."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["consent_method"]
        del self.fields["confirm_new"]


class DiagnosticForm(DsfrBaseForm):
    chosen_units = forms.IntegerField(
        label="Nombre de chèques ou d'heures du carnet", min_value=1, max_value=100, required=False
    )
    chosen_track = forms.ModelChoiceField(label="Parcours", queryset=None, required=False)
    override_reason = forms.CharField(
        label="Si vous changez la recommandation, expliquez pourquoi",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, program, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.skills = diagnostic_skills(program)
        for key, label in self.skills:
            self.fields[f"skill_{key}"] = forms.TypedChoiceField(
                label=label,
                choices=SkillAnswer.choices,
                coerce=int,
                widget=forms.RadioSelect,
            )
        self.fields["chosen_track"].queryset = program.tracks.all()
        if "chosen_units" in self.fields:
            self.fields["chosen_units"].label = f"Nombre de {program.unit_word()} du carnet"
        if kind == DiagnosticKind.EXIT:
            for name in ("chosen_units", "chosen_track", "override_reason"):
                del self.fields[name]
        self.order_fields([f"skill_{key}" for key, _ in self.skills])

    def answers(self) -> dict[str, int]:
        return {key: self.cleaned_data[f"skill_{key}"] for key, _ in self.skills}
