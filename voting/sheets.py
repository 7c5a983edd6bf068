"""One formatted Excel sheet, as the team reports write them: a bold frozen header with a filter,
and each column's width and number format chosen by what it holds.

The leaderboards' workbook (voting.board_files) follows the same conventions: win rates are
fractions shown as percentages, long text wraps, the header stays in view.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

# What a column holds → (its width in characters, its number format, whether its text wraps).
KINDS = {
    "text": (18, None, False),
    "name": (24, None, False),
    "long": (60, None, True),
    "count": (10, "#,##0", False),
    "percent": (10, "0.0%", False),
    "rating": (10, "0.0", False),
    "time": (17, None, False),
    "id": (38, None, False),
}
# A header in Korean takes about two characters of width per syllable.
HEADER_WIDTH = 2


def sheet_write(workbook, title: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence]) -> None:
    """Add the sheet `title` to `workbook`: `columns` are (header, kind) with a kind of KINDS,
    `rows` the values in the same order. Raises KeyError for an unknown kind."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title)
    sheet.append([header for header, _kind in columns])
    for row in rows:
        sheet.append(list(row))
    top = Alignment(vertical="top")
    wrapped = Alignment(vertical="top", wrap_text=True)
    for index, (header, kind) in enumerate(columns, start=1):
        width, number_format, wrap = KINDS[kind]
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(width, len(header) * HEADER_WIDTH + 2)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            if number_format:
                cell.number_format = number_format
            cell.alignment = wrapped if wrap else top
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    sheet.freeze_panes = "A2"
    if sheet.max_row > 1:
        sheet.auto_filter.ref = sheet.dimensions
