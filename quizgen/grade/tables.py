"""One reader for every table quizgen takes (a roster, a file of submissions, a Forms export), as spreadsheet
programs and people save them:

- CSV or TSV separated by ``,`` ``;`` or tab (found from the header row; a first line ``sep=;`` as Excel
  writes it is honoured), in UTF-8 with or without BOM, UTF-16 (Excel's "Unicode text"), or, when the bytes
  are not UTF-8, Windows-1252/Latin-1 (a Windows "CSV" in a Western locale; the table says so in ``notes``);
  CRLF or LF line ends; rows above the header (a title) are skipped.
- Workbooks (.xlsx, .xlsm, .xls, .xlsb, .ods), read with python-calamine: the first sheet; numbers written
  back as people typed them (``123``, not ``123.0``), dates as ISO text.

Header names are matched by ``header_key``: without regard to case, accents, spaces and punctuation, so
``Student ID``, ``student_id`` and ``STUDENT-ID`` name one column, as do ``Versión`` and ``version``.
A CSV table is read as a stream and can be read again from the start (``rows()``), so a file of a million
rows is never held whole.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ..core.errors import QuizgenError

DELIMITERS = (",", ";", "\t")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
HEADER_SEARCH = 20          # non-empty rows looked at for the header (a title or notes may come first)
_CHUNK = 1 << 20


def header_key(name: str) -> str:
    """A column name as it is compared: letters and digits only, accents dropped, case folded
    (``"Matrícula"`` -> ``"matricula"``, ``"Student ID"`` -> ``"studentid"``)."""
    decomposed = unicodedata.normalize("NFKD", str(name))
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).casefold()


def find_column(header: list[str], aliases: tuple[str, ...]) -> int | None:
    """The index of the first alias (in the order given: the most specific first) that names a column."""
    keys = [header_key(name) for name in header]
    for alias in aliases:
        alias = header_key(alias)
        if alias in keys:
            return keys.index(alias)
    return None


@dataclass
class Table:
    """A table's header and, on demand, its rows: ``(line, cells)`` with the line (or spreadsheet row)
    where each row starts; rows with no text in any cell are skipped."""

    path: str
    header: list[str]
    header_line: int
    kind: str                       # "csv" or "workbook"
    delimiter: str = ","
    notes: list[str] = field(default_factory=list)
    raw: list = field(default_factory=list, repr=False)   # a workbook's cells as typed (numbers as numbers)
    _rows: Callable[[], Iterator[tuple[int, list[str]]]] | None = None

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        return self._rows()

    def column(self, aliases: tuple[str, ...]) -> int | None:
        return find_column(self.header, aliases)

    def is_number(self, line: int, column: int) -> bool:
        """Whether a workbook's cell holds a number (an id 123 may have been 00123 before the spreadsheet)."""
        if not 0 < line <= len(self.raw) or column >= len(self.raw[line - 1]):
            return False
        value = self.raw[line - 1][column]
        return isinstance(value, (int, float)) and not isinstance(value, bool)


def open_table(path: str, is_header: Callable[[list[str]], bool], *, what: str, allowed: str,
               header: str = "header row") -> Table:
    """Open ``path`` and find its header row: the first row (of the first HEADER_SEARCH with text) that
    ``is_header`` accepts, in whichever separator makes it one.

    Raises a located QuizgenError when the file is missing, unreadable, empty, or has no such row;
    ``what`` names the file's role ("roster", "submission file"), ``allowed`` what it should hold and
    ``header`` what the header needs ("student id column").
    """
    head = _first_bytes(path, what, allowed)
    if _is_workbook(path, head):
        return _open_workbook(path, is_header, allowed, header)
    if head.startswith(b"PK\x03\x04"):
        raise QuizgenError(f"a zip archive, not a table; allowed: {allowed}", file=path, line=1)
    encoding, note = _encoding(path, head)
    table = _open_text(path, encoding, is_header, allowed, header)
    if note:
        table.notes.append(note)
    return table


def _first_bytes(path: str, what: str, allowed: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
            blank = not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe") and not handle.read(_CHUNK).strip()
    except FileNotFoundError:
        raise QuizgenError(f"no such file; the {what} is {allowed}", file=path) from None
    except (IsADirectoryError, PermissionError) as error:
        raise QuizgenError(f"cannot read it ({error.__class__.__name__}); the {what} is {allowed}",
                           file=path) from None
    except OSError as error:
        raise QuizgenError(f"cannot read it ({error.strerror}); the {what} is {allowed}", file=path) from None
    if blank:
        raise QuizgenError(f"empty file; allowed: {allowed}", file=path, line=1)
    return head


# --- workbooks ------------------------------------------------------------------------------------

def _is_workbook(path: str, head: bytes) -> bool:
    if Path(path).suffix.lower() in WORKBOOK_SUFFIXES:
        return True
    if head.startswith(b"\xd0\xcf\x11\xe0"):             # an OLE file: a .xls saved under another name
        return True
    # .xlsx and .ods are zip files whose first entry names their content
    return head.startswith(b"PK\x03\x04") and (b"[Content_Types].xml" in head or b"mimetypeapplication/vnd.oasis"
                                                in head or b"xl/" in head)


def _open_workbook(path: str, is_header, allowed: str, needs: str) -> Table:
    from python_calamine import CalamineWorkbook  # noqa: PLC0415 - only workbooks need it

    try:
        with CalamineWorkbook.from_path(path) as workbook:
            if not workbook.sheet_names:
                raise QuizgenError(f"the workbook has no sheet; allowed: {allowed}", file=path)
            sheet = workbook.get_sheet_by_index(0)
            cells = list(sheet.iter_rows())
            rows = [[cell_text(value) for value in row] for row in cells]
            name, sheets = sheet.name, len(workbook.sheet_names)
    except QuizgenError:
        raise
    except Exception as error:  # noqa: BLE001 - calamine raises its own types for broken files
        raise QuizgenError(f"not a readable spreadsheet ({str(error)[:120]}); allowed: {allowed}",
                           file=path) from None
    numbered = [(index + 1, row) for index, row in enumerate(rows) if any(cell.strip() for cell in row)]
    found = next(((n, row) for n, row in numbered[:HEADER_SEARCH] if is_header(_stripped(row))), None)
    if found is None:
        shown = " | ".join(_stripped(numbered[0][1])) if numbered else ""
        raise QuizgenError(f"no {needs} in the first rows of sheet {name!r} (the first: {shown[:80]!r}); allowed: "
                           f"{allowed}", file=path, line=numbered[0][0] if numbered else 1)
    line, header = found
    body = [(n, row) for n, row in numbered if n > line]
    notes = [] if sheets <= 1 else [f"read the first sheet, {name!r}, of {sheets}"]
    return Table(path, _stripped(header), line, "workbook", notes=notes, raw=cells, _rows=lambda: iter(body))


def cell_text(value) -> str:
    """A spreadsheet cell as the text a person typed: ``123`` (not ``123.0``), ``4.75``, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2 ** 53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _stripped(row: list[str]) -> list[str]:
    return [cell.strip() for cell in row]


# --- text -----------------------------------------------------------------------------------------

def _encoding(path: str, head: bytes) -> tuple[str, str]:
    """The text encoding of the file, and a note when it is not UTF-8."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", ""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", ""
    sample = head[:1024]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4 and sample[0::2].count(0) == 0:
        return "utf-16-le", ""
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4 and sample[1::2].count(0) == 0:
        return "utf-16-be", ""
    if _decodes(path, "utf-8"):
        return "utf-8", ""
    if _decodes(path, "cp1252"):
        return "cp1252", "not UTF-8: read as Windows-1252 (a spreadsheet's 'CSV' in a Windows locale)"
    return "latin-1", "not UTF-8: read as Latin-1"


def _decodes(path: str, encoding: str) -> bool:
    """Whether the whole file decodes (read in chunks: a large file is not held whole)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _open_text(path: str, encoding: str, is_header, allowed: str, needs: str) -> Table:
    csv.field_size_limit(min(sys.maxsize, 2 ** 31 - 1))   # a huge cell is one too-long answer, not a bad file
    lines: list[tuple[int, str]] = []
    declared = None
    with open(path, encoding=encoding, newline="") as handle:
        for number, text in enumerate(handle, 1):
            # (a UTF-8 BOM read as Latin-1 by a spreadsheet and saved again: "ï»¿")
            bare = text.strip("\r\n").lstrip("\ufeff").removeprefix("ï»¿")
            if number == 1 and bare.lower().startswith("sep=") and len(bare.rstrip(" ")) in (5, 6):
                declared = "\t" if bare[4:].rstrip(" ") in ("\t", "\\t") else bare[4]   # Excel's separator hint
                continue
            if bare.strip(",;\t\"' "):
                lines.append((number, text))
            if len(lines) >= HEADER_SEARCH:
                break
    if not lines:
        raise QuizgenError(f"no header row; allowed: {allowed}", file=path, line=1)
    delimiters = (declared,) if declared else DELIMITERS
    for number, text in lines:
        for delimiter in delimiters:
            first = text.strip("\r\n").lstrip("\ufeff").removeprefix("ï»¿")
            cells = _stripped(next(csv.reader([first], delimiter=delimiter), []))
            if is_header(cells):
                return Table(path, cells, number, "csv", delimiter,
                             _rows=lambda d=delimiter, n=number: _csv_rows(path, encoding, d, n + 1))
    first = lines[0][1].strip()[:80]
    raise QuizgenError(f"no {needs} in the first rows (the first: {first!r}); allowed: {allowed}", file=path,
                       line=lines[0][0])


def _csv_rows(path: str, encoding: str, delimiter: str, skip_to: int) -> Iterator[tuple[int, list[str]]]:
    """(line where the row starts, cells) for every row with text in it, from line ``skip_to``. Strict
    quoting: a quote left open would otherwise swallow every row after it into one cell."""
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        previous = 0
        try:
            for row in reader:
                if previous + 1 >= skip_to and any(cell.strip() for cell in row):
                    yield previous + 1, row
                previous = reader.line_num
        except csv.Error as error:
            hint = "; a double quote opened on this line is never closed" if "end of data" in str(error) else ""
            raise QuizgenError(f"not readable as CSV ({error}){hint}", file=path, line=previous + 1) from None
