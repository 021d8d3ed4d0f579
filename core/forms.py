from django.core.exceptions import ValidationError


def add_errors(form, error: Exception) -> None:
    """Puts a service's refusal on the form: field errors on their fields, the rest on top.
    What the person typed stays in the form."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(error, ValidationError):
        form.add_error(None, error.messages)
    else:
        form.add_error(None, str(error))
