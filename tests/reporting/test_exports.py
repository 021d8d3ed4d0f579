"""reporting.exports: the one export helper. Large tables stream (memory stays flat whatever
the number of rows), text cells cannot run as spreadsheet formulas, XLSX equals CSV."""

import csv
import io
import tracemalloc

import openpyxl
import pytest

from reporting.exceptions import ReportingError
from reporting.exports import Column, Table, export_response, xlsx_write

COLUMNS = (Column("numero", "N°", "int"), Column("nom", "Nom"), Column("montant", "€", "cents"))


def _rows(count):
    def rows():
        for n in range(count):
            yield (n, f"ligne {n}", -n)

    return rows


def _peak_while(consume) -> int:
    tracemalloc.start()
    try:
        consume()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_csv_streams_with_flat_memory():
    small = Table("t", "T", COLUMNS, _rows(2_000))
    large = Table("t", "T", COLUMNS, _rows(400_000))

    def drain(table):
        return lambda: sum(len(chunk) for chunk in export_response(table, "csv", name="t"))

    small_peak, large_peak = _peak_while(drain(small)), _peak_while(drain(large))
    assert large_peak < 2 * small_peak + 1_000_000  # 200 times the rows, not the memory


def test_a_large_xlsx_is_written_row_by_row(tmp_path):
    def write(count):
        with open(tmp_path / f"{count}.xlsx", "wb") as handle:
            xlsx_write(Table("t", "T", COLUMNS, _rows(count)), handle)

    small_peak, large_peak = _peak_while(lambda: write(1_000)), _peak_while(lambda: write(60_000))
    assert large_peak < 2 * small_peak + 2_000_000


def test_text_cells_are_safe_and_numbers_stay_numbers():
    table = Table("t", "T", COLUMNS, lambda: [(1, "=HYPERLINK(1)", -500), (2, "@x", None)])
    text = b"".join(export_response(table, "csv", name="t").streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows == [["numero", "nom", "montant"], ["1", "'=HYPERLINK(1)", "-500"], ["2", "'@x", ""]]
    handle = io.BytesIO()
    xlsx_write(table, handle)
    sheet = openpyxl.load_workbook(handle).active
    assert list(sheet.iter_rows(values_only=True))[1] == (1, "'=HYPERLINK(1)", -500)


def test_an_unknown_format_is_refused():
    with pytest.raises(ReportingError, match="csv ou xlsx"):
        export_response(Table("t", "T", COLUMNS, list), "pdf", name="t")
