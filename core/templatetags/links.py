from django import template

from core.text import web_url

register = template.Library()


@register.filter(name="web_url")
def web_url_filter(value) -> str:
    """{{ place.prise_rdv|web_url }}: the address if it is http or https, else nothing."""
    return web_url(value)
