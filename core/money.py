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


def percent_to_basis_points(value: Decimal) -> int:
    """4.5 (%) -> 450 basis points; rates are kept in basis points, typed in percent."""
    return euros_to_cents(value)


def basis_points_to_percent(value: int) -> Decimal:
    return (Decimal(value) / 100).normalize()


def cents_to_euros(value: int) -> Decimal:
    return Decimal(value) / 100
