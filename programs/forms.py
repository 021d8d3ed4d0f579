import re
from decimal import Decimal

from django import forms
from dsfr.forms import DsfrBaseForm

from accounts.models import Organisation
from core.money import euros_to_cents
from core.uploads import megabytes
from places.enums import Service
from programs.enums import AgreementStatus, AttachmentKind, FunderCategory, PublicCategory
from programs.models import Application, Call, Program
from programs.validators import clean_bic, clean_iban
from territories.models import Commune, Departement

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_SIGNATURES = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


class ProgramForm(DsfrBaseForm, forms.ModelForm):
    lead_funder = forms.ModelChoiceField(
        label="Financeur principal", queryset=Organisation.objects.none(), empty_label=None
    )
    departements = forms.ModelMultipleChoiceField(
        label="Départements du programme",
        queryset=Departement.objects.order_by("code"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    carnet_sizes_text = forms.CharField(
        label="Tailles de carnet possibles",
        help_text="Nombres d'unités séparés par des virgules, par exemple : 5, 10.",
        initial="10",
    )
    unit_value_euros = forms.DecimalField(
        label="Valeur d'un chèque (€)",
        min_value=Decimal("0.01"),
        max_value=1000,
        decimal_places=2,
        initial=10,
    )
    hourly_rate_individual_euros = forms.DecimalField(
        label="Remboursement d'une heure individuelle (€)",
        min_value=0,
        max_value=1000,
        decimal_places=2,
        initial=0,
        help_text="Pour les programmes en heures.",
    )
    hourly_rate_collective_euros = forms.DecimalField(
        label="Remboursement d'une heure d'atelier, par participant (€)",
        min_value=0,
        max_value=1000,
        decimal_places=2,
        initial=0,
        help_text="Pour les programmes en heures.",
    )
    communes_text = forms.CharField(
        label="Communes en plus des départements",
        required=False,
        help_text="Codes INSEE séparés par des virgules, par exemple : 97415, 97407.",
    )
    diagnostic_text = forms.CharField(
        label="Questions du diagnostic",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Une question par ligne. Vide : les dix questions par défaut "
        "(smartphone, courriel, démarches en ligne, sécurité…).",
    )
    eligible_categories = forms.MultipleChoiceField(
        label="Publics admis",
        choices=PublicCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ne cochez rien pour ouvrir le programme à tout le monde. Sinon, la personne "
        "doit être dans au moins une des situations cochées.",
    )
    tracks_text = forms.CharField(
        label="Parcours",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Un parcours par ligne : « nom : thèmes ». Par exemple : "
        "« Généraliste : démarches en ligne, sécurité, communication ».",
    )

    class Meta:
        model = Program
        fields = [
            "name",
            "slug",
            "lead_funder",
            "departements",
            "unit_kind",
            "starts_on",
            "ends_on",
            "time_zone",
            "min_units_per_beneficiary",
            "yearly_cap_units",
            "max_group_size",
            "validity_mode",
            "validity_end_on",
            "validity_tolerance_days",
            "validity_months",
            "target_beneficiaries_per_year",
            "operator_fee_purchase_bp",
            "operator_fee_per_place_cents",
            "min_weekly_opening_hours",
            "min_age",
            "residence_required",
            "eligible_categories",
            "entry_diagnostic_required",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "validity_end_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "time_zone": forms.Select(
                choices=[
                    ("Europe/Paris", "Métropole (Europe/Paris)"),
                    ("Indian/Reunion", "La Réunion (Indian/Reunion)"),
                    ("Indian/Mayotte", "Mayotte"),
                    ("America/Guadeloupe", "Guadeloupe"),
                    ("America/Martinique", "Martinique"),
                    ("America/Cayenne", "Guyane"),
                ]
            ),
        }

    def __init__(self, *args, funders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_funder"].queryset = funders

    def clean_carnet_sizes_text(self):
        text = self.cleaned_data["carnet_sizes_text"]
        return sorted({int(n) for n in re.findall(r"\d+", text)[:20] if len(n) <= 4})

    def clean_communes_text(self):
        codes = re.findall(r"[0-9][0-9AB][0-9]{3}", self.cleaned_data["communes_text"].upper())
        communes = list(Commune.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {c.code for c in communes})
        if unknown:
            raise forms.ValidationError(f"Codes INSEE inconnus : {', '.join(unknown)}.")
        return communes

    def clean_diagnostic_text(self):
        lines = [line.strip() for line in self.cleaned_data["diagnostic_text"].splitlines()]
        return [[f"q{index}", line] for index, line in enumerate(filter(None, lines), start=1)]

    def clean_tracks_text(self):
        tracks = []
        for line in self.cleaned_data["tracks_text"].splitlines():
            if line.strip():
                name, _, themes = line.partition(":")
                tracks.append({"name": name.strip()[:120], "themes": themes.strip()})
        return tracks

    # Where a refusal of programs.services.program_rules_check goes on this form.
    SERVICE_FIELDS = {
        "carnet_sizes": "carnet_sizes_text",
        "hourly_rate_individual_cents": "hourly_rate_individual_euros",
        "hourly_rate_collective_cents": "hourly_rate_collective_euros",
    }

    def program_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "lead_funder"}
        data["carnet_sizes"] = self.cleaned_data["carnet_sizes_text"]
        data["communes"] = self.cleaned_data["communes_text"]
        data["diagnostic_questions"] = self.cleaned_data["diagnostic_text"]
        data["unit_value_cents"] = euros_to_cents(self.cleaned_data["unit_value_euros"])
        data["hourly_rate_individual_cents"] = euros_to_cents(
            self.cleaned_data["hourly_rate_individual_euros"]
        )
        data["hourly_rate_collective_cents"] = euros_to_cents(
            self.cleaned_data["hourly_rate_collective_euros"]
        )
        return data


class CommitmentForm(DsfrBaseForm):
    funder = forms.ModelChoiceField(label="Financeur", queryset=Organisation.objects.none())
    category = forms.ChoiceField(label="Type de financeur", choices=FunderCategory.choices)
    amount_euros = forms.DecimalField(
        label="Montant engagé (€)",
        min_value=Decimal("0.01"),
        max_value=100_000_000,
        decimal_places=2,
    )
    share_cap_percent = forms.IntegerField(
        label="Part maximale des unités utilisées (%)",
        min_value=1,
        max_value=100,
        required=False,
        help_text="L'État finance au plus 50 % des unités réellement utilisées. Vide : sans plafond.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funder"].queryset = Organisation.objects.filter(is_funder=True).order_by(
            "name"
        )


class QuotaForm(DsfrBaseForm):
    prescriber = forms.ModelChoiceField(label="Prescripteur", queryset=Organisation.objects.none())
    units = forms.IntegerField(label="Unités attribuées", min_value=0, max_value=10_000_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prescriber"].queryset = Organisation.objects.filter(
            is_prescriber=True
        ).order_by("name")


class CallForm(DsfrBaseForm, forms.ModelForm):
    criteria_text = forms.CharField(
        label="Grille de notation",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Un critère par ligne : « critère : points ». Par exemple : « Ancrage local : 10 ».",
    )

    class Meta:
        model = Call
        fields = ["title", "text", "opens_on", "closes_on"]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean_criteria_text(self):
        criteria = []
        for number, line in enumerate(self.cleaned_data["criteria_text"].splitlines(), start=1):
            if not line.strip():
                continue
            label, _, points = line.rpartition(":")
            if not label.strip() or not points.strip().isdigit() or int(points) <= 0:
                raise forms.ValidationError(
                    f"Ligne {number} : écrivez « critère : points », les points étant un nombre positif."
                )
            criteria.append({"label": label.strip(), "max_points": int(points)})
        if not criteria:
            raise forms.ValidationError("Indiquez au moins un critère.")
        return criteria


class ApplicationForm(DsfrBaseForm, forms.ModelForm):
    services = forms.MultipleChoiceField(
        label="Services proposés",
        choices=Service.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Application
        fields = [
            "siret",
            "rna",
            "places",
            "new_places",
            "services",
            "weekly_opening_hours",
            "iban",
            "bic",
            "presentation",
        ]
        widgets = {
            "places": forms.CheckboxSelectMultiple,
            "new_places": forms.Textarea(attrs={"rows": 3}),
            "presentation": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "siret": "14 chiffres. Une association sans SIRET donne son numéro RNA.",
            "rna": "W suivi de 9 caractères, pour une association.",
            "new_places": "Nom et adresse de chaque lieu, un par ligne.",
            "weekly_opening_hours": "Total des heures d'ouverture au public par semaine.",
            "iban": "Le compte sur lequel la structure sera remboursée.",
        }

    def __init__(self, *args, places, structure, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["places"].queryset = places
        self.fields["places"].label = "Vos lieux déjà dans l'annuaire"
        self.fields["places"].help_text = (
            f"Les lieux rattachés à {structure.name}. Un lieu de l'annuaire qui est le vôtre "
            "mais n'apparaît pas ici : ouvrez sa fiche et cliquez sur « C'est notre lieu »."
        )
        self.fields["places"].label_from_instance = lambda p: f"{p.nom} — {p.adresse}, {p.commune}"

    def clean_iban(self):
        return clean_iban(self.cleaned_data["iban"])

    def clean_bic(self):
        return clean_bic(self.cleaned_data["bic"])

    def clean(self):
        data = super().clean()
        if not data.get("siret") and not data.get("rna") and not self.has_error("siret"):
            self.add_error("siret", "Indiquez le SIRET ou, pour une association, le numéro RNA.")
        return data

    def application_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class AttachmentForm(DsfrBaseForm):
    kind = forms.ChoiceField(label="Type de pièce", choices=AttachmentKind.choices)
    file = forms.FileField(label="Fichier", help_text="PDF, PNG ou JPEG ; 5 Mo au plus.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        extension = next((e for e in ATTACHMENT_SIGNATURES if name.endswith(e)), None)
        if extension is None:
            raise forms.ValidationError("Format refusé : envoyez un PDF, un PNG ou un JPEG.")
        if upload.size > ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError(
                f"Fichier trop lourd : il fait {megabytes(upload.size)}, "
                f"{megabytes(ATTACHMENT_MAX_BYTES)} au plus."
            )
        head = upload.read(8)
        upload.seek(0)
        if not head.startswith(ATTACHMENT_SIGNATURES[extension]):
            raise forms.ValidationError("Le contenu du fichier ne correspond pas à son extension.")
        return upload


class DecisionForm(DsfrBaseForm):
    action = forms.ChoiceField(
        label="Décision",
        choices=[
            ("request_changes", "Demander des compléments"),
            ("accept", "Accepter (la convention est créée)"),
            ("refuse", "Refuser"),
        ],
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label="Message à la structure",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire pour demander des compléments ou refuser (le motif).",
    )


class ReviewForm(DsfrBaseForm):
    comment = forms.CharField(
        label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        for index, criterion in enumerate(criteria):
            self.fields[f"score_{index}"] = forms.IntegerField(
                label=f"{criterion['label']} (sur {criterion['max_points']})",
                min_value=0,
                max_value=int(criterion["max_points"]),
            )
        self.order_fields([f"score_{i}" for i in range(len(criteria))] + ["comment"])
        self.criteria_count = len(criteria)

    def scores(self) -> list[int]:
        return [self.cleaned_data[f"score_{i}"] for i in range(self.criteria_count)]


class AgreementStatusForm(DsfrBaseForm):
    status = forms.ChoiceField(label="Nouvel état", choices=AgreementStatus.choices)
    reason = forms.CharField(label="Motif", required=False, max_length=1000)


class CoverageForm(DsfrBaseForm):
    distance = forms.IntegerField(
        label="Distance maximale jusqu'au lieu le plus proche (km)",
        min_value=1,
        max_value=100,
        initial=10,
    )


class PlaceProgramsForm(DsfrBaseForm):
    programs = forms.ModelMultipleChoiceField(
        label="Programmes acceptés dans ce lieu",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programs"].queryset = programs
