import datetime as dt
import html

from django import template
from django.utils.safestring import mark_safe

from core.money import format_euros
from core.templatetags.durations import hours_minutes
from reporting.tables import UNIT_NAMES

register = template.Library()
KINDS_BY_UNIT = {name: kind for kind, name in UNIT_NAMES.items()}


def _share(value) -> str:
    return f"{100 * value:.0f} %".replace(".", ",")


def cell_display(value, kind: str) -> str:
    """A table cell as the page shows it (exports keep the raw value)."""
    if value is None or value == "":
        return "—"
    if kind == "auto":
        return str(value)
    if kind == "cents":
        return format_euros(value)
    if kind == "minutes":
        return hours_minutes(value) if value else "0 h"
    if kind == "share":
        return _share(value)
    if kind == "month" and isinstance(value, dt.date):
        return f"{value:%m/%Y}"
    if kind == "datetime" and isinstance(value, dt.datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    return str(value)


@register.filter
def cells(row, table) -> list[str]:
    """The cells of a row formatted by their column's kind; a key-figures row carries its
    own kind in its last cell."""
    if table.slug == "chiffres-cles":
        code, label, value, unit = row
        return [code, label, cell_display(value, KINDS_BY_UNIT[unit]), unit]
    return [
        cell_display(value, column.kind) for value, column in zip(row, table.columns, strict=True)
    ]


@register.simple_tag
def cells_html(row, table, hide_key=False):
    """{% cells_html row table hide_key %}: a row's <td> cells, escaped, in one go (a page's
    tables hold thousands of cells; one template loop per cell is what drew them slowly)."""
    shown = cells(row, table)[1:] if hide_key else cells(row, table)
    # The standard library's escape: Django's, called per cell, was a quarter of the page's time.
    return mark_safe("".join(f"<td>{html.escape(str(cell))}</td>" for cell in shown))  # noqa: S308


@register.filter
def share(value) -> str:
    return _share(value or 0)


@register.filter
def get_table(mapping, key):
    """A table (or chart) of the page by its slug."""
    return mapping[key]
