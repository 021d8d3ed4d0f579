from django import template

register = template.Library()


@register.filter
def hours_minutes(minutes) -> str:
    """570 → "9 h 30", 600 → "10 h"."""
    minutes = int(minutes or 0)
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"
