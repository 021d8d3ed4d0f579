from django import forms

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
