"""A table's cells on the page: formatted by their column's kind, and escaped."""

from reporting.exports import Column, Table
from reporting.templatetags.reporting import cells_html


def test_cells_are_formatted_and_escaped():
    table = Table(
        "structures",
        "Structures",
        (Column("cle", "Clé"), Column("nom", "Nom"), Column("montant", "Montant", "cents")),
        rows=lambda: [],
    )
    row = (7, "<script>alert('x')</script> & Cie", 123456)
    shown = str(cells_html(row, table))
    assert shown == (
        "<td>7</td><td>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Cie</td>"
        "<td>1\u202f234,56\u00a0€</td>"
    )
    assert str(cells_html(row, table, True)).startswith("<td>&lt;script&gt;")
