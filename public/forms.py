from django import forms

from core.forms import FilterForm
from core.text import of
from places.enums import Service
from places.forms import RADIUS_CHOICES
from territories.forms import CommuneField


class AgendaForm(FilterForm):
    """Filters of the public agenda of workshops; every one may stay empty."""

    commune = CommuneField(label="Près de quelle commune ?", required=False)
    radius = forms.TypedChoiceField(
        label="Distance", choices=RADIUS_CHOICES, coerce=int, initial=20, required=False
    )
    departement = forms.ChoiceField(label="Département", required=False)
    theme = forms.ChoiceField(
        label="Pour apprendre quoi ?",
        choices=[("", "tous les thèmes")] + Service.choices,
        required=False,
    )
    program = forms.TypedChoiceField(
        label="Avec quel programme ?", coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args, departements=(), programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].choices = [("", "tous les départements")] + list(departements)
        self.fields["program"].choices = [("", "tous les programmes")] + list(programs)

    def clean(self):
        data = super().clean()
        commune = data.get("commune")
        if commune and commune.latitude is None:
            self.add_error(
                "commune",
                f"La position {of(commune.name)} n'est pas connue : choisissez une commune "
                "voisine ou un département.",
            )
        return data
