from django import forms
from dsfr.forms import DsfrBaseForm

from core.exceptions import PassnumError
from core.text import of
from core.uploads import megabytes
from places.enums import Fee, Public, ReportStatus, Service, SpecificSupport, SupportMode
from places.hours import DAY_NAMES, week_to_osm
from places.selectors import WEEKDAYS
from places.services import IMPORT_MAX_BYTES, import_size_check
from territories.forms import CommuneField

RADIUS_CHOICES = [
    (5, "5 km"),
    (10, "10 km"),
    (20, "20 km"),
    (30, "30 km"),
    (50, "50 km"),
    (100, "100 km"),
]


def _any_of(label: str, choices) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Au moins un des choix cochés.",
    )


class PlaceSearchForm(DsfrBaseForm):
    commune = CommuneField(label="Commune ou code postal", required=False)
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput
    )
    radius = forms.TypedChoiceField(
        label="Distance", choices=RADIUS_CHOICES, coerce=int, initial=20
    )
    services = _any_of("Pour quoi faire ?", Service.choices)
    publics = _any_of("Pour qui ?", Public.choices)
    fees = _any_of("Prix", Fee.choices)
    support_modes = _any_of("Comment ?", SupportMode.choices)
    open_now = forms.BooleanField(label="Ouvert maintenant", required=False)
    open_weekday = forms.TypedChoiceField(
        label="Ouvert le",
        choices=[("", "n'importe quel jour")] + [(i, day) for i, day in enumerate(WEEKDAYS)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    program = forms.TypedChoiceField(
        label="Accepte le programme", coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", "tous les lieux")] + [
            (pk, name) for pk, name in programs
        ]
        # The commune is needed, unless "Autour de moi" gave a position.
        point = self.is_bound and self.data.get("latitude") and self.data.get("longitude")
        self.fields["commune"].required = not point
        self.fields["commune"].error_messages["required"] = (
            "Indiquez une commune ou un code postal, ou utilisez « Autour de moi »."
        )

    def clean(self):
        data = super().clean()
        has_point = data.get("latitude") is not None and data.get("longitude") is not None
        commune = data.get("commune")
        if commune and commune.latitude is None and not has_point:
            self.add_error(
                "commune",
                f"La position {of(commune.name)} n'est pas connue : choisissez une commune voisine "
                "ou utilisez « Autour de moi ».",
            )
        if not commune and not has_point and "commune" not in self.errors:
            # A position that was sent but is not a number.
            self.add_error("commune", self.fields["commune"].error_messages["required"])
        return data


class ErrorReportForm(DsfrBaseForm):
    message = forms.CharField(
        label="Qu'est-ce qui est faux ou manque sur cette fiche ?",
        help_text="Par exemple : les horaires ont changé, le lieu a déménagé, le téléphone ne répond pas. "
        "N'écrivez pas d'informations personnelles.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class ImportForm(DsfrBaseForm):
    file = forms.FileField(
        label="Fichier des lieux (CSV ou JSON)",
        help_text="Au format du standard national des lieux de médiation numérique, version 1.0 ou 0.1. "
        f"{megabytes(IMPORT_MAX_BYTES)} au plus.",
    )
    source = forms.SlugField(
        label="Nom de la source",
        max_length=100,
        help_text="Un nom court et stable (par exemple ultra-num) : réimporter avec le même nom met à jour les lieux.",
    )
    wet_run = forms.BooleanField(
        label="Enregistrer les lieux valides",
        required=False,
        help_text="Sans cette case, le fichier est seulement vérifié.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            import_size_check(upload.size)
        except PassnumError as error:
            raise forms.ValidationError(error.message, code="too_big") from error
        if not upload.name.lower().endswith((".csv", ".json")):
            raise forms.ValidationError(
                "Le fichier doit finir par .csv ou .json.", code="bad_extension"
            )
        return upload


class ErrorReportHandleForm(DsfrBaseForm):
    status = forms.ChoiceField(
        label="Suite donnée",
        choices=[(ReportStatus.FIXED, "Corrigé"), (ReportStatus.DISMISSED, "Sans suite")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Note (facultative)", required=False, max_length=1000)


class PlaceClaimForm(DsfrBaseForm):
    structure = forms.ModelChoiceField(label="Votre structure", queryset=None, empty_label=None)
    message = forms.CharField(
        label="Message pour l'opérateur (facultatif)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Par exemple : nous accueillons le public dans ce lieu depuis 2024.",
    )

    def __init__(self, *args, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures
        if len(structures) == 1:
            self.fields["structure"].initial = structures[0].pk
            self.fields["structure"].widget = forms.HiddenInput()


class ClaimDecisionForm(DsfrBaseForm):
    action = forms.ChoiceField(
        label="Décision",
        choices=[("approve", "Accepter : le lieu est rattaché"), ("refuse", "Refuser")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Motif du refus",
        required=False,
        max_length=2000,
        help_text="Obligatoire pour refuser : la structure le lira.",
    )


class PlaceAttachForm(DsfrBaseForm):
    structure = forms.ModelChoiceField(label="Structure", queryset=None)

    def __init__(self, *args, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures


class PlaceLookupForm(DsfrBaseForm):
    q = forms.CharField(
        label="Nom, adresse, commune ou code postal du lieu", max_length=200, required=False
    )


class PlaceEditForm(DsfrBaseForm):
    """What a structure keeps up to date on its place. The opening hours are a weekly grid:
    a morning and an afternoon range each day, left empty when closed."""

    telephone = forms.CharField(
        label="Téléphone",
        required=False,
        max_length=30,
        help_text="Le numéro que le public peut appeler. Exemple : 0262 12 34 56",
    )
    courriel = forms.EmailField(
        label="Courriel",
        required=False,
        help_text="Une adresse de la structure (pas celle d'une personne). Exemple : contact@exemple.re",
    )
    site_web = forms.URLField(
        label="Site internet", required=False, assume_scheme="https", max_length=500
    )
    fiche_acces_libre = forms.URLField(
        label="Accessibilité : adresse de la fiche du lieu sur acceslibre.beta.gouv.fr",
        required=False,
        assume_scheme="https",
        max_length=500,
    )
    prise_en_charge_specifique = forms.MultipleChoiceField(
        label="Accueil adapté",
        choices=SpecificSupport.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    services = forms.MultipleChoiceField(
        label="Ce qu'on peut faire dans ce lieu",
        choices=Service.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, name in enumerate(DAY_NAMES):
            for part, label in (
                ("open1", "ouverture le matin"),
                ("close1", "fermeture le matin"),
                ("open2", "ouverture l'après-midi"),
                ("close2", "fermeture l'après-midi"),
            ):
                self.fields[f"d{day}_{part}"] = forms.TimeField(
                    label=f"{name.capitalize()}, {label}",
                    required=False,
                    widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                )

    def clean(self):
        data = super().clean()
        for day, name in enumerate(DAY_NAMES):
            for n in ("1", "2"):
                start, end = data.get(f"d{day}_open{n}"), data.get(f"d{day}_close{n}")
                if (start is None) != (end is None):
                    self.add_error(
                        f"d{day}_close{n}" if end is None else f"d{day}_open{n}",
                        f"Horaires du {name} : donnez l'heure d'ouverture et l'heure de fermeture.",
                    )
        return data

    def day_rows(self):
        """The grid, one row per day, for the template."""
        return [
            (
                name.capitalize(),
                [self[f"d{day}_{part}"] for part in ("open1", "close1", "open2", "close2")],
            )
            for day, name in enumerate(DAY_NAMES)
        ]

    def week(self):
        data = self.cleaned_data
        week = []
        for day in range(7):
            ranges = []
            for n in ("1", "2"):
                start, end = data.get(f"d{day}_open{n}"), data.get(f"d{day}_close{n}")
                if start is not None and end is not None:
                    ranges.append((start, end))
            week.append(ranges)
        return week

    def changes(self, place) -> dict:
        """Raises PlacesError when the grid's hours are not in order. The place's other
        e-mails and websites (the form shows the first) are kept."""
        data = self.cleaned_data
        return {
            "horaires": week_to_osm(self.week()),
            "telephone": data["telephone"].strip(),
            "courriels": ([data["courriel"]] if data["courriel"] else []) + place.courriels[1:],
            "site_web": ([data["site_web"]] if data["site_web"] else []) + place.site_web[1:],
            "fiche_acces_libre": data["fiche_acces_libre"],
            "prise_en_charge_specifique": data["prise_en_charge_specifique"],
            "services": data["services"],
        }

    @classmethod
    def initial_for(cls, place, week) -> dict:
        initial = {
            "telephone": place.telephone,
            "courriel": place.courriels[0] if place.courriels else "",
            "site_web": place.site_web[0] if place.site_web else "",
            "fiche_acces_libre": place.fiche_acces_libre,
            "prise_en_charge_specifique": place.prise_en_charge_specifique,
            "services": place.services,
        }
        for day, ranges in enumerate(week):
            for n, (start, end) in enumerate(ranges[:2], start=1):
                initial[f"d{day}_open{n}"] = start.strftime("%H:%M")
                initial[f"d{day}_close{n}"] = end.strftime("%H:%M")
        return initial
