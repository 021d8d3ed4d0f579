from django.core.exceptions import ValidationError
from dsfr.forms import DsfrBaseForm, DsfrBoundField

from core.exceptions import PassnumError


def add_errors(form, error: Exception, fields: dict[str, str] | None = None) -> None:
    """Puts a service's refusal on the form: on the field it names (`fields` maps a service's
    name to the form's where they differ), else on top. What the person typed stays."""
    if isinstance(error, PassnumError):
        field = (fields or {}).get(error.field, error.field)
        form.add_error(field if field in form.fields else None, error.message)
    elif isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(error, ValidationError):
        form.add_error(None, error.messages)
    else:
        raise TypeError(f"Not a refusal: {error!r}") from error


MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """A database id typed in a query string or a form: None unless it is a whole number that
    fits a database column (no error page on `?structure=abc`)."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def formset_with_more_rows(formset_class, data, *, prefix: str, step: int = 1, **kwargs):
    """A formset whose "more_rows" button (a submit button, so no JavaScript) comes back with
    `step` more empty rows, what was typed kept; `formset_class.max_num` bounds the rows."""
    if data is not None and "more_rows" in data:
        data = data.copy()
        key = f"{prefix}-TOTAL_FORMS"
        total = parse_id(data.get(key)) or 0
        data[key] = str(min(total + step, formset_class.max_num))
    return formset_class(data, prefix=prefix, **kwargs)


_DSFR_INPUT = "dsfr/form_field_snippets/input_snippet.html"


class _FilterBoundField(DsfrBoundField):
    @property
    def template_name(self):
        name = super().template_name
        return "core/forms/filter_field.html" if name == _DSFR_INPUT else name


class FilterForm(DsfrBaseForm):
    """A form of filters above a list or a dashboard: each field may be left empty, so no
    field is marked « (Optionnel) » (the project marks optional fields everywhere else)."""

    bound_field_class = _FilterBoundField
