"""Money is integer cents everywhere; these convert at the edges (forms and display)."""

from decimal import ROUND_HALF_UP, Decimal


def euros_to_cents(value: Decimal) -> int:
    return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_euros(cents: int) -> str:
    """12345678 -> '123 456,78 €' (French grouping with a narrow no-break space)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    grouped = f"{euros:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{rest:02d}\u00a0€"
