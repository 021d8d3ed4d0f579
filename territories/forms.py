import re

from django import forms
from django.db import models
from django.urls import reverse

from territories.models import Commune


class CommuneAutocompleteWidget(forms.Widget):
    """A text box that suggests communes as you type (htmx), keeping the INSEE code hidden.

    Keyboard: arrows move in the list, Enter picks, Escape closes. Without JavaScript the
    person can type a postal code or an INSEE code directly.
    """

    template_name = "territories/widgets/commune_autocomplete.html"

    def value_from_datadict(self, data, files, name):
        # NUL characters never name a commune, and PostgreSQL refuses them in a query.
        code = (data.get(name) or "").replace("\x00", "")
        if code:
            return code
        typed = (data.get(f"{name}_label") or "").replace("\x00", "").strip()
        if typed:
            return typed
        return None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        commune = value if isinstance(value, Commune) else None
        if commune is None and value:
            commune = Commune.objects.filter(pk=str(value)).first()
        label = commune.label if commune else (value or "")
        context["widget"].update(
            {"commune": commune, "label": label, "list_id": f"{attrs.get('id', name)}-liste"}
        )
        return context


class CommuneField(forms.Field):
    widget = CommuneAutocompleteWidget
    default_error_messages = {
        "required": "Indiquez une commune : tapez son nom ou son code postal, puis choisissez-la.",
        "unknown": (
            "Commune introuvable : « %(value)s ». Tapez le nom ou le code postal, "
            "puis choisissez la commune dans la liste."
        ),
        "ambiguous": (
            "Plusieurs communes correspondent à « %(value)s ». Choisissez-la dans la liste."
        ),
    }

    def __init__(self, *, label="Commune", **kwargs):
        super().__init__(label=label, **kwargs)

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, Commune):
            return value
        from territories.selectors import commune_search

        text = str(value).strip()
        commune = Commune.objects.filter(pk=text).first()
        if commune:
            return commune
        matches = list(commune_search(query=text, limit=2))
        if len(matches) == 1:
            return matches[0]
        code = "ambiguous" if matches else "unknown"
        raise forms.ValidationError(self.error_messages[code], code=code, params={"value": text})

    def prepare_value(self, value):
        if isinstance(value, Commune):
            return value.pk
        return value


def _split_entries(text: str) -> list[str]:
    return [entry.strip() for entry in re.split(r"[,;\n]", text or "") if entry.strip()]


class TerritoryMultipleWidget(forms.Widget):
    """Several communes or départements: those chosen are checked boxes (uncheck to remove),
    and one text box adds more. With JavaScript the box suggests as you type (htmx) and a
    choice becomes a checked box; without it, the person types names or codes separated by
    commas and the form finds them when sent."""

    template_name = "territories/widgets/territory_multiple.html"

    def __init__(self, *, url_name: str, noun: str, chosen: str, proposed: str, attrs=None):
        super().__init__(attrs)
        self.url_name = url_name
        self.noun = noun
        self.chosen_label = chosen
        self.proposed_label = proposed
        self.resolve = None  # set by the field: entry -> object or None

    def value_from_datadict(self, data, files, name):
        chosen = data.getlist(name) if hasattr(data, "getlist") else data.get(name) or []
        if isinstance(chosen, str):
            chosen = [chosen]
        return list(chosen) + _split_entries(data.get(f"{name}_label", ""))

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_label" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        items, leftover, seen = [], [], set()
        for entry in value or []:
            found = entry if isinstance(entry, models.Model) else self.resolve(str(entry))
            if found is None:
                leftover.append(str(entry))
            elif found.pk not in seen:
                seen.add(found.pk)
                items.append(found)
        widget_id = attrs.get("id", name) if attrs else name
        context["widget"].update(
            {
                "items": [(item.pk, getattr(item, "label", str(item))) for item in items],
                "typed": ", ".join(leftover),
                "list_id": f"{widget_id}-liste",
                "url": reverse(self.url_name),
                "chosen_label": self.chosen_label,
                "proposed_label": self.proposed_label,
            }
        )
        return context


class TerritoryMultipleField(forms.Field):
    """A list of communes or départements (see TerritoryMultipleWidget); cleans to a list of
    objects, each once, in the order given."""

    default_error_messages = {
        "unknown": "%(noun)s introuvable : %(values)s. Vérifiez l'orthographe ou tapez le code.",
    }

    def __init__(self, *, kind: str, **kwargs):
        self.kind = kind
        url_name, noun, chosen, proposed = {
            "commune": (
                "territories:commune_autocomplete",
                "Commune",
                "Communes choisies",
                "Communes proposées",
            ),
            "departement": (
                "territories:departement_autocomplete",
                "Département",
                "Départements choisis",
                "Départements proposés",
            ),
        }[kind]
        kwargs.setdefault("required", False)
        widget = TerritoryMultipleWidget(
            url_name=url_name, noun=noun, chosen=chosen, proposed=proposed
        )
        super().__init__(widget=widget, **kwargs)
        self.widget.resolve = self.resolve
        self.noun = noun

    def resolve(self, entry: str):
        """The one commune or département an entry names, or None."""
        from territories.selectors import commune_search, departement_search

        if self.kind == "commune":
            commune = Commune.objects.filter(pk=entry).first()
            if commune is not None:
                return commune
            matches = list(commune_search(query=entry, limit=2))
            # "Agen" names Agen, although "Agen-d'Aveyron" contains it too.
            if len(matches) == 2 and matches[0].rank == 0 and matches[1].rank != 0:
                return matches[0]
            return matches[0] if len(matches) == 1 else None
        matches = departement_search(query=entry, limit=2)
        return matches[0] if len(matches) == 1 else None

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = _split_entries(value)
        found, unknown, seen = [], [], set()
        for entry in value:
            obj = entry if isinstance(entry, models.Model) else self.resolve(str(entry))
            if obj is None:
                unknown.append(f"« {entry} »")
            elif obj.pk not in seen:
                seen.add(obj.pk)
                found.append(obj)
        if unknown:
            raise forms.ValidationError(
                self.error_messages["unknown"],
                code="unknown",
                params={"noun": self.noun, "values": ", ".join(unknown)},
            )
        return found

    def prepare_value(self, value):
        if hasattr(value, "all"):
            return list(value.all())
        return value

    def has_changed(self, initial, data):
        initial_keys = {getattr(item, "pk", item) for item in (initial or [])}
        return initial_keys != {getattr(item, "pk", item) for item in (data or [])}
