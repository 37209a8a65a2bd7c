"""Who takes the quiz: student ids and the columns that hold them, for rosters and submission files alike.

A student id is any printable text (``ana``, ``00123``, ``ana@uni.es``, ``José Pérez``), compared in Unicode
NFC, so an id typed on a Mac (decomposed accents) is the same student, and draws the same version, as on
Windows.
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field

from ..core.errors import QuizgenError
from .tables import find_column, header_key, open_table

# Column names, most specific first (compared by tables.header_key: case, accents and punctuation aside).
# (Canvas's "Student" column holds names, and its "ID" Canvas's own numbers: "SIS User ID" is the id its
# gradebook import matches, and so the one quizgen's Canvas gradebook writes.)
STUDENT_COLUMNS = ("student_id", "student id", "sis user id", "student number", "id_estudiante", "id alumno",
                   "matrícula", "número de matrícula", "código de estudiante", "estudiante", "alumno", "id number",
                   "número de id", "id", "identificador", "sis login id", "username", "usuario",
                   "nombre de usuario", "email", "email address", "e-mail", "correo", "correo electrónico",
                   "dirección email", "dirección de correo", "dirección de correo electrónico", "mail")
VERSION_COLUMNS = ("version", "versión", "variant", "variante")
# A roster's columns that name the student: carried into the response sheet beside the id, so that whoever
# types the answers finds the student by name; ignored when grading.
NAME_COLUMNS = ("name", "nombre", "nombres", "full name", "nombre completo", "first name", "last name",
                "surname", "apellido", "apellidos")
MAX_ID = 1_000          # characters in a student id (a longer cell is not an id)
ROSTER_HELP = ("a CSV (',' ';' or tab separated, any common encoding) or a spreadsheet (.xlsx, .ods) with a "
               "header naming the student id column (student_id, id, matrícula, estudiante, alumno, ID number, "
               "número de ID, username, usuario, email or correo electrónico), then one row per student")


def clean_id(text: str) -> tuple[str, str]:
    """(the id as compared, "") or ("", why it cannot be an id). Surrounding spaces are dropped."""
    text = unicodedata.normalize("NFC", text.strip())
    if not text:
        return "", "empty"
    bad = next((c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")), None)
    if bad is not None:
        return "", f"it holds a control character (U+{ord(bad):04X}); allowed: printable text"
    if len(text) > MAX_ID:
        return "", f"it is {len(text)} characters long; allowed: at most {MAX_ID}"
    return text, ""


def same_student(student: str) -> str:
    """How two ids are known to be one student's: e-mail addresses without regard to case."""
    return student.casefold() if "@" in student else student


def student_column(header: list[str]) -> int | None:
    return find_column(header, STUDENT_COLUMNS)


@dataclass
class Roster:
    path: str
    ids: list[str]
    notes: list[str] = field(default_factory=list)
    name_columns: list[str] = field(default_factory=list)      # the roster's headers of NAME_COLUMNS
    names: dict[str, list[str]] = field(default_factory=dict)  # id -> the student's cells of those columns

    def digest(self) -> str:
        """8 hex digits naming the set of ids (order aside: a student's version depends only on the id)."""
        return hashlib.sha256("\n".join(sorted(self.ids)).encode()).hexdigest()[:8]


def read_roster(path: str, id_column: str | None = None) -> Roster:
    """The student ids of a roster, in its order; one version per student.

    The ids are in ``id_column`` (a header, or its start), else in the first of STUDENT_COLUMNS that every
    student has (an LMS export's empty "ID number" gives way to its e-mails). A row without an id (Canvas's
    "Points Possible" row, its test student) is skipped, and said. Raises a located QuizgenError for a
    missing or unreadable file, a header without a student id column, an id that is not printable text, and
    an id given twice (e-mail addresses compared without case)."""
    if id_column is not None:
        wanted = header_key(id_column)
        is_header = lambda cells: any(header_key(c) == wanted for c in cells)   # noqa: E731
        needs = f"column {id_column!r} (--id-column)"
    else:
        is_header, needs = (lambda cells: student_column(cells) is not None), "student id column"
    table = open_table(path, is_header, what="roster", allowed=ROSTER_HELP, header=needs)
    rows = list(table.rows())
    column, notes = _id_column(table, rows, id_column)
    name = table.header[column]
    naming = [i for i, h in enumerate(table.header) if is_name_column(h) and i != column]
    names: dict[str, list[str]] = {}
    ids, seen, numbers, skipped = [], {}, [], []
    for line, row in rows:
        student, problem = clean_id(row[column] if column < len(row) else "")
        if problem == "empty":
            shown = next((c.strip() for c in row if c.strip()), "")
            skipped.append(f"{line} ({shown[:30]})")
            continue
        if problem:
            raise QuizgenError(f"student id {row[column]!r}: {problem}", file=path, line=line, field=name)
        if table.is_number(line, column):
            numbers.append(student)
        same = same_student(student)
        if same in seen:
            first, first_line = seen[same]
            written = "" if first == student else f" as {first!r}; e-mail addresses are compared without case"
            raise QuizgenError(f"duplicate student id {student!r} (also line {first_line}{written})", file=path,
                               line=line, field=name)
        seen[same] = (student, line)
        ids.append(student)
        if naming:
            names[student] = [row[i].strip() if i < len(row) else "" for i in naming]
    if not ids:
        raise QuizgenError(f"no student ids in column {name!r}; allowed: {ROSTER_HELP}", file=path,
                           line=table.header_line + 1)
    notes = [*table.notes, *notes]
    if skipped:
        notes.append(f"{len(skipped)} row(s) without an id in {name!r} skipped (no version): line "
                     + ", ".join(skipped[:5]) + (", ..." if len(skipped) > 5 else ""))
    if numbers:
        notes.append(f"{len(numbers)} id(s) are number cells in the spreadsheet (e.g. {numbers[0]}): if they had "
                     "leading zeros, the spreadsheet dropped them (format the column as text)")
    return Roster(path, ids, notes, [table.header[i] for i in naming], names)


def _id_column(table, rows: list, requested: str | None) -> tuple[int, list[str]]:
    """The column of the ids, and a note when the roster had others to choose from."""
    keys = [header_key(h) for h in table.header]
    if requested is not None:
        return keys.index(header_key(requested)), []
    candidates = []
    for alias in STUDENT_COLUMNS:
        index = keys.index(header_key(alias)) if header_key(alias) in keys else None
        if index is not None and index not in candidates:
            candidates.append(index)
    empty = {i: sum(1 for _, row in rows if i >= len(row) or not row[i].strip()) for i in candidates}
    # the first (most specific) column that gives at least half the rows an id (Canvas's test student and
    # "Points Possible" row have no SIS id); else the fullest: a Moodle export's ID number column left empty
    # gives way to the e-mails
    chosen = next((i for i in candidates if 2 * empty[i] <= len(rows)), min(candidates, key=lambda i: empty[i]))
    others = [table.header[i] for i in candidates if i != chosen]
    note = [f"ids from column {table.header[chosen]!r} (also there: {', '.join(others)}; --id-column chooses "
            "another)"] if others else []
    return chosen, note


def is_name_column(name: str) -> bool:
    return header_key(name) in {header_key(alias) for alias in NAME_COLUMNS}
