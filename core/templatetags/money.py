from django import template

from core.money import format_euros

register = template.Library()


@register.filter
def euros(cents) -> str:
    return "" if cents is None else format_euros(cents)
