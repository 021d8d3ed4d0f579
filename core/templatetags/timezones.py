from django import template

from core import timezones

register = template.Library()


@register.filter(expects_localtime=False)
def local(moment, source):
    """{{ session.starts_at|local:session|date:"H:i" }}: the moment in the zone of the
    program, place or person it belongs to."""
    return timezones.local(moment, source)


@register.filter
def zone_label(source):
    """{{ program|zone_label }}: « heure de La Réunion », never the zone's technical name."""
    return timezones.zone_label(source)
