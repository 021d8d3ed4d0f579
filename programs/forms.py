import datetime as dt
import re
from decimal import Decimal

from django import forms
from dsfr.forms import DsfrBaseForm

from accounts.enums import Habilitation
from accounts.models import Organisation
from core.forms import formset_with_more_rows
from core.money import (
    basis_points_to_percent,
    cents_to_euros,
    euros_to_cents,
    percent_to_basis_points,
)
from core.timezones import zone_choices
from core.uploads import megabytes
from places.enums import Service
from programs.enums import (
    RETENTION_MONTHS_MAX,
    RETENTION_MONTHS_MIN,
    AgreementStatus,
    AttachmentKind,
    FunderCategory,
    PublicCategory,
)
from programs.models import Application, Call, Program
from programs.validators import clean_bic, clean_iban
from territories.forms import TerritoryMultipleField

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
    departements = TerritoryMultipleField(
        kind="departement",
        label="Départements du programme",
        help_text="Tapez un nom ou un numéro (974), puis choisissez dans la liste. Sans la "
        "liste, séparez-les par des virgules. Décochez un département pour le retirer.",
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
        localize=True,
        initial=10,
    )
    hourly_rate_individual_euros = forms.DecimalField(
        label="Remboursement d'une heure individuelle (€)",
        min_value=0,
        max_value=1000,
        decimal_places=2,
        localize=True,
        initial=0,
        help_text="Pour les programmes en heures.",
    )
    hourly_rate_collective_euros = forms.DecimalField(
        label="Remboursement d'une heure d'atelier, par participant (€)",
        min_value=0,
        max_value=1000,
        decimal_places=2,
        localize=True,
        initial=0,
        help_text="Pour les programmes en heures.",
    )
    communes = TerritoryMultipleField(
        kind="commune",
        label="Communes en plus des départements",
        help_text="Tapez un nom ou un code postal, puis choisissez dans la liste. Sans la liste, "
        "séparez-les par des virgules. Décochez une commune pour la retirer.",
    )
    operator_fee_purchase_percent = forms.DecimalField(
        label="Frais de l'opérateur sur les achats (%)",
        min_value=0,
        max_value=100,
        decimal_places=2,
        localize=True,
        initial=0,
        help_text="Par exemple 4 pour 4 % du montant des carnets achetés.",
    )
    operator_fee_per_place_euros = forms.DecimalField(
        label="Frais annuels de l'opérateur par lieu (€)",
        min_value=0,
        max_value=100_000,
        decimal_places=2,
        localize=True,
        initial=0,
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
    retention_months = forms.IntegerField(
        label="Durée de conservation des données des personnes (mois)",
        min_value=RETENTION_MONTHS_MIN,
        max_value=RETENTION_MONTHS_MAX,
        initial=36,
        help_text="Après la fin du programme et ce nombre de mois sans accompagnement, les "
        "données d'une personne sont rendues anonymes (les chiffres d'ensemble restent). "
        "De 12 à 120 mois ; 36 mois laisse le temps des contrôles des financeurs publics.",
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
            "communes",
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
            "min_weekly_opening_hours",
            "min_age",
            "residence_required",
            "eligible_categories",
            "entry_diagnostic_required",
            "retention_months",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "validity_end_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "time_zone": forms.Select(choices=zone_choices()),
        }

    def __init__(self, *args, funders=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "lead_funder" in self.fields:
            self.fields["lead_funder"].queryset = funders
        program = self.instance
        if program.pk:
            self.initial.update(
                {
                    "carnet_sizes_text": ", ".join(str(n) for n in program.carnet_sizes),
                    "unit_value_euros": cents_to_euros(program.unit_value_cents),
                    "hourly_rate_individual_euros": cents_to_euros(
                        program.hourly_rate_individual_cents
                    ),
                    "hourly_rate_collective_euros": cents_to_euros(
                        program.hourly_rate_collective_cents
                    ),
                    "operator_fee_purchase_percent": basis_points_to_percent(
                        program.operator_fee_purchase_bp
                    ),
                    "operator_fee_per_place_euros": cents_to_euros(
                        program.operator_fee_per_place_cents
                    ),
                    "diagnostic_text": "\n".join(q for _key, q in program.diagnostic_questions),
                }
            )

    def clean_carnet_sizes_text(self):
        text = self.cleaned_data["carnet_sizes_text"]
        return sorted({int(n) for n in re.findall(r"\d+", text)[:20] if len(n) <= 4})

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
        "unit_value_cents": "unit_value_euros",
        "hourly_rate_individual_cents": "hourly_rate_individual_euros",
        "hourly_rate_collective_cents": "hourly_rate_collective_euros",
        "operator_fee_purchase_bp": "operator_fee_purchase_percent",
        "operator_fee_per_place_cents": "operator_fee_per_place_euros",
        "diagnostic_questions": "diagnostic_text",
    }

    # Form fields standing for a model field: euros for cents, percent for basis points,
    # text for lists.
    FORM_TO_MODEL = {
        "carnet_sizes_text": ("carnet_sizes", None),
        "diagnostic_text": ("diagnostic_questions", None),
        "unit_value_euros": ("unit_value_cents", euros_to_cents),
        "hourly_rate_individual_euros": ("hourly_rate_individual_cents", euros_to_cents),
        "hourly_rate_collective_euros": ("hourly_rate_collective_cents", euros_to_cents),
        "operator_fee_purchase_percent": ("operator_fee_purchase_bp", percent_to_basis_points),
        "operator_fee_per_place_euros": ("operator_fee_per_place_cents", euros_to_cents),
    }

    def program_fields(self) -> dict:
        """The settings the form holds, as programs.services takes them (cents, basis
        points, lists)."""
        data = {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name in self.fields and name != "lead_funder"
        }
        for name, (model_name, convert) in self.FORM_TO_MODEL.items():
            if name in self.fields:
                value = self.cleaned_data[name]
                data[model_name] = convert(value) if convert else value
        return data


class ProgramSettingsForm(ProgramForm):
    """The settings of an existing program. Once a carnet is issued, only the fields
    programs.services.program_editable_fields names stay in the form; the others are listed
    as they are (`locked`: label and value), not editable."""

    class Meta(ProgramForm.Meta):
        fields = [name for name in ProgramForm.Meta.fields if name not in ("slug", "lead_funder")]

    def __init__(self, *args, editable: set[str] | None, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["lead_funder"]
        del self.fields["tracks_text"]
        self.locked = []
        if editable is None:
            return
        for name in list(self.fields):
            model_name = self.FORM_TO_MODEL.get(name, (name, None))[0]
            if model_name not in editable:
                self.locked.append((self.fields[name].label, self._shown(name)))
                del self.fields[name]

    def _shown(self, name: str) -> str:
        field, value = self.fields[name], self[name].value()
        if value in (None, "", []):
            return "—"
        if isinstance(value, bool):
            return "oui" if value else "non"
        if isinstance(field, TerritoryMultipleField):
            return ", ".join(getattr(item, "label", str(item)) for item in value)
        choices = dict(getattr(field, "choices", []) or [])
        if isinstance(value, list):
            return ", ".join(str(choices.get(item, item)) for item in value)
        if isinstance(value, Decimal):
            return f"{value:n}".replace(".", ",")
        if isinstance(value, dt.date):
            return f"{value:%d/%m/%Y}"
        return str(choices.get(value, value))


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
        # A prescriber that signed up by itself gets a quota once the operator validated it.
        self.fields["prescriber"].queryset = Organisation.objects.filter(
            is_prescriber=True, habilitation=Habilitation.VALIDATED
        ).order_by("name")


class CallForm(DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Call
        fields = ["title", "text", "opens_on", "closes_on"]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


class CriterionForm(DsfrBaseForm):
    """One row of a call's scoring grid; an empty row is left out."""

    label = forms.CharField(label="Critère", max_length=200, required=False)
    max_points = forms.IntegerField(
        label="Noté sur (points)", min_value=1, max_value=1000, required=False
    )

    def clean(self):
        data = super().clean()
        label, points = data.get("label", "").strip(), data.get("max_points")
        if label and points is None and not self.has_error("max_points"):
            self.add_error("max_points", "Indiquez sur combien de points ce critère est noté.")
        if points is not None and not label:
            self.add_error("label", "Écrivez le critère noté sur ces points, ou videz la ligne.")
        return data


class BaseCriteriaFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.criteria():
            raise forms.ValidationError(
                "Grille de notation : indiquez au moins un critère et ses points."
            )

    def criteria(self) -> list[dict]:
        return [
            {
                "label": form.cleaned_data["label"].strip(),
                "max_points": form.cleaned_data["max_points"],
            }
            for form in self.forms
            if form.cleaned_data.get("label", "").strip()
        ]


CRITERIA_ROWS_ADDED = 3
CriteriaFormSet = forms.formset_factory(
    CriterionForm, formset=BaseCriteriaFormSet, extra=CRITERIA_ROWS_ADDED, max_num=30
)


def criteria_formset(data=None) -> BaseCriteriaFormSet:
    """The grid's rows; "Ajouter des lignes" (`more_rows`) adds empty rows."""
    return formset_with_more_rows(
        CriteriaFormSet, data, prefix="criteres", step=CRITERIA_ROWS_ADDED
    )


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


AGREEMENT_ACTIONS = [
    (AgreementStatus.SUSPENDED, "Suspendre"),
    (AgreementStatus.ACTIVE, "Réactiver"),
    (AgreementStatus.TERMINATED, "Résilier"),
]


class AgreementStatusForm(DsfrBaseForm):
    """Starts from no choice; the page then asks to confirm before anything changes."""

    status = forms.ChoiceField(
        label="Que faire ?",
        choices=[("", "Choisir une action")] + AGREEMENT_ACTIONS,
        error_messages={"required": "Choisissez ce qu'il faut faire de la convention."},
    )
    reason = forms.CharField(
        label="Motif",
        required=False,
        max_length=1000,
        help_text="Obligatoire pour suspendre ou résilier ; la structure le reçoit.",
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if status and status != AgreementStatus.ACTIVE and not data.get("reason", "").strip():
            self.add_error("reason", "Écrivez le motif : la structure le recevra.")
        return data

    def action_label(self) -> str:
        return dict(AGREEMENT_ACTIONS)[self.cleaned_data["status"]]


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
