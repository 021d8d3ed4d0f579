from django import template

from core.text import phone_digits, phone_display, web_url

register = template.Library()


@register.filter(name="web_url")
def web_url_filter(value) -> str:
    """{{ place.prise_rdv|web_url }}: the address if it is http or https, else nothing."""
    return web_url(value)


@register.filter(name="phone")
def phone_filter(value) -> str:
    """{{ place.telephone|phone }}: 02 62 12 34 56."""
    return phone_display(value)


@register.filter(name="tel")
def tel_filter(value) -> str:
    """{{ place.telephone|tel }}: the number for a tel: link."""
    return phone_digits(value)
