"""Cell writing and formatting for the workbook: text stays text, number formats, header rows, widths."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

PCT = "0.0%"
FONT = "Calibri"
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
FLAG_FILL = PatternFill("solid", fgColor="F8CBAD")
TOTAL_BORDER = Border(top=Side(style="thin", color="000000"), bottom=Side(style="double", color="000000"))
# currencies with a symbol Excel shows before the amount; others get the ISO code after it
CURRENCY_FORMATS = {
    "USD": "[$$-409]#,##0.00",
    "EUR": '#,##0.00 "EUR"',
    "GBP": "[$£-809]#,##0.00",
}


def _font(**kw: Any) -> Font:
    """Return a font in the workbook's face (an unnamed font renders as a serif in LibreOffice)."""
    return Font(name=FONT, size=kw.pop("size", 11), **kw)


@dataclass(frozen=True)
class Look:
    """A text look: font, optional fill and alignment."""

    font: Font | None = None
    fill: PatternFill | None = None
    alignment: Alignment | None = None

    def apply(self, cell: Cell) -> None:
        if self.font is not None:
            cell.font = self.font
        if self.fill is not None:
            cell.fill = self.fill
        if self.alignment is not None:
            cell.alignment = self.alignment


class Styles:
    """Number formats in the catalogue's currency and the text looks the sheets use."""

    def __init__(self, currency: str) -> None:
        base = CURRENCY_FORMATS.get(currency, f'#,##0.00 "{currency}"')
        self.money = f"{base};-{base}"
        self.money_delta = f"{base};[Red]-{base}"
        self.num = "#,##0.00"
        self.amount = "#,##0.00####"
        self.bold_font = _font(bold=True)
        self.title = Look(_font(bold=True, size=13, color="1F4E78"))
        self.big = Look(_font(bold=True, size=16, color="1F4E78"))
        self.subtitle = Look(_font(bold=True, size=12, color="1F4E78"))
        self.note = Look(_font(italic=True, color="595959"))
        self.bold = Look(_font(bold=True))
        self.label = Look(_font(color="262626"))
        self.header = Look(_font(bold=True, color="FFFFFF"), HEADER_FILL,
                           Alignment(wrap_text=True, vertical="center"))
        self.input = Look(_font(color="0000FF"), INPUT_FILL)

    @staticmethod
    def flag(cell: Cell) -> None:
        """Highlight an unverified price."""
        cell.fill = FLAG_FILL
        cell.font = _font(bold=True, color="9C0006")


# Most characters an Excel cell holds; a longer text is cut with this said at its end.
MAX_CELL_CHARS = 32_767
_CUT = " ... (cut: a cell holds at most 32,767 characters; the terminal and --json notes have it all)"


def _clean(text: str) -> str:
    """Return text without the control characters XML cannot carry, cut (saying so) to what a cell holds."""
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS - len(_CUT)] + _CUT
    return text


def put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | Look | None = None, *,
        is_formula: bool = False, style: Look | None = None, wrap: bool = False,
        align_left: bool = False) -> Cell:
    """Write a value. Strings are always text unless ``is_formula`` (our own formulas only)."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str) and not is_formula:
        value = _clean(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "f" if is_formula else "s"
    if isinstance(fmt, Look):
        fmt.apply(cell)
    elif fmt:
        cell.number_format = fmt
    if style is not None:
        style.apply(cell)
    if wrap or align_left:
        cell.alignment = Alignment(wrap_text=wrap, horizontal="left" if align_left else None, vertical="top")
    return cell


def formula(ws: Worksheet, row: int, col: int, text: str, fmt: str | None, bold: bool = False) -> Cell:
    """Write one of our own formulas."""
    assert text.startswith("="), text
    cell = put(ws, row, col, text, fmt, is_formula=True)
    if bold:
        cell.font = _font(bold=True)
    return cell


def header_row(ws: Worksheet, row: int, titles: list[str], st: Styles) -> None:
    """Write a bold, filled header row."""
    for c, title in enumerate(titles, 1):
        put(ws, row, c, title, st.header)
    ws.row_dimensions[row].height = 32


def total_row(ws: Worksheet, row: int, first: int, last: int, st: Styles) -> None:
    """Make a totals row bold with a rule above and a double rule below."""
    for c in range(first, last + 1):
        cell = ws.cell(row=row, column=c)
        cell.font = st.bold_font
        cell.border = TOTAL_BORDER


def autowidth(ws: Worksheet, fixed: dict[int, float], header_row: int | None, lo: float = 8,
              hi: float = 60, max_row: int | None = None) -> None:
    """Size columns to their text, at least ``fixed[col]`` (titles and notes above the header do not count)."""
    widths: dict[int, float] = {}
    start = header_row or 1
    for row in ws.iter_rows(min_row=start, max_row=max_row):
        for cell in row:
            v = cell.value
            if v is None or (isinstance(v, str) and v.startswith("=") and cell.data_type == "f"):
                continue
            if isinstance(v, float):
                n = len(f"{v:,.2f}") + 5
            elif isinstance(v, (dt.date, dt.datetime)):
                n = 16 if isinstance(v, dt.datetime) else 11
            else:
                n = len(str(v))
            if cell.row == header_row:
                n = min(n, 16)  # headers wrap
            widths[cell.column] = max(widths.get(cell.column, 0), n)
    for col in set(widths) | set(fixed):
        measured = widths.get(col, 0) + 2
        ws.column_dimensions[get_column_letter(col)].width = max(lo, min(hi, max(fixed.get(col, 0), measured)))
