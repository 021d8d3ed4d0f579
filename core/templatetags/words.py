from django import template

from core.text import of

register = template.Library()


@register.filter(name="of")
def of_filter(value) -> str:
    """{{ commune.name|of }}: "d'Agen", "de Saint-Paul", "du Port"."""
    return of(value)


@register.filter(name="units")
def units_filter(program, count=2) -> str:
    """{{ program|units:count }}: what the program's units are called, "heures" or "chèques"."""
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 2
    return program.unit_word(count)
