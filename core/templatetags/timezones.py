from django import template

from core import timezones

register = template.Library()


@register.filter(expects_localtime=False)
def local(moment, source):
    """{{ session.starts_at|local:session|date:"H:i" }}: the moment in the zone of the
    program, place or person it belongs to."""
    return timezones.local(moment, source)
