"""The one way a table leaves the platform: CSV streamed row by row, or XLSX written by
openpyxl in write-only mode to a temporary file that is then streamed. Text cells go through
core.text.spreadsheet_safe; numbers stay numbers (amounts in cents). Column names are stable
(the page "Colonnes des exports" lists them)."""

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook

from core.text import spreadsheet_safe
from reporting.enums import ExportFormat
from reporting.exceptions import ReportingError

XLSX_MAX_ROWS = 1_048_576  # a worksheet's limit, the header row included
CSV_BATCH = 500


@dataclass(frozen=True)
class Column:
    key: str  # the stable column name in exports
    label: str  # the column's French title on the page
    kind: str = "text"  # text, int, cents, minutes, share, date
    help: str = ""


@dataclass
class Table:
    """A table a person sees: its columns, and its rows as tuples in the columns' order."""

    slug: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[], Iterable[tuple]]
    count: Callable[[], int] | None = None
    help: str = ""
    extra: dict = field(default_factory=dict)

    def row_count(self) -> int:
        if self.count is not None:
            return self.count()
        return sum(1 for _row in self.rows())


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        return value
    return spreadsheet_safe(value)


class _Echo:
    def write(self, value):
        return value


def _csv_lines(table: Table) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow([column.key for column in table.columns])
    batch = []
    for row in table.rows():
        batch.append(writer.writerow([_cell(value) for value in row]))
        if len(batch) >= CSV_BATCH:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _filename(name: str, fmt: str) -> str:
    return f"{name}.{fmt}"


def export_response(table: Table, fmt: str, *, name: str):
    """The table as a download in `fmt` (csv or xlsx), named `name`.csv or `name`.xlsx.
    XLSX beyond its row limit is refused with a French message proposing CSV."""
    if fmt == ExportFormat.CSV:
        response = StreamingHttpResponse(_csv_lines(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_filename(name, fmt)}"'
        return response
    if fmt != ExportFormat.XLSX:
        raise ReportingError("Format : choisissez csv ou xlsx.", field="format")
    rows = table.row_count()
    if rows + 1 > XLSX_MAX_ROWS:
        raise ReportingError(
            f"Ce tableau compte {rows:,} lignes : Excel n'en ouvre que "
            f"{XLSX_MAX_ROWS - 1:,} (plus la ligne des titres). Téléchargez-le en CSV, "
            "qui n'a pas de limite et s'ouvre aussi dans un tableur.".replace(",", " "),
            field="format",
        )
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
    xlsx_write(table, handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=_filename(name, fmt),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def xlsx_write(table: Table, handle) -> None:
    """Writes the table into `handle` as a one-sheet workbook (write-only: rows are not kept
    in memory)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.slug[:31])
    sheet.append([column.key for column in table.columns])
    for row in table.rows():
        sheet.append([_cell(value) for value in row])
    workbook.save(handle)
