"""Reading students' answers: a table (the response sheet quizgen writes, any CSV or spreadsheet with a
student id column and one column per question id, or a Forms export with a column mapping) or JSON
([{"student_id", "version", "answers": {question id: text}}]). Every row keeps its line number, so each one
can be accounted for: graded, or rejected with a reason. A file that cannot be a submission file at all (no
header, no known question) is a located QuizgenError.

Tables are read by ``tables.open_table`` (separators, encodings, .xlsx/.ods). Besides the id, version and
question columns a row may carry the quiz's fingerprint (the sheet's ``fingerprint`` column) and when it was
submitted (a Forms timestamp: the latest submission of a student counts).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..core.errors import QuizgenError
from ..generate.fingerprint import FINGERPRINT_COLUMN
from .roster import STUDENT_COLUMNS, VERSION_COLUMNS, clean_id, is_name_column, student_column
from .tables import find_column, header_key, open_table
from .timestamps import TIMESTAMP_COLUMNS, DateOrder, parse_time

SURVEYED = 100          # distinct fingerprint cells counted (a sheet carries one; garbage need not be kept)
HEADER_HELP = ("a header row student_id,version,<question id>... then one row per student (a Forms export: map "
               "its columns with --columns)")
# Microsoft Forms numbers the responses in a column "ID"; the student is in "Email".
_MS_FORMS = ("starttime", "completiontime", "horadeinicio", "horadefinalizacion")
_GOOGLE_FORMS = ("timestamp", "marcatemporal")


@dataclass(frozen=True)
class Submission:
    line: int
    student_id: str
    version: str            # as written ("" where the file has no version)
    answers: dict           # question id -> text (absent: no answer)
    problem: str = ""       # why the row cannot be graded whatever the key says ("" if it can)
    fingerprint: str = ""   # the quiz fingerprint the row carries, as written
    submitted: tuple | None = None   # when it was submitted: (earliest, latest) reading, where the file says
    file: str = ""          # the file it was read from, where each submission is a file (a notebook)
    reason: str = ""        # with ``problem``: the rejection's reason (default malformed_row)

    @property
    def where(self) -> str:
        """The row or file, as messages name it."""
        return f"file {self.file}" if self.file else f"line {self.line}"


class SubmissionFile:
    """A submission file, read as a stream of rows: ``rows()`` reads it from the start each time it is
    called (grading reads a file more than once), so a file of a million rows is never held in memory."""

    path: str
    question_ids: list[str]
    ignored_columns: list[str]
    missing_questions: list[str]
    has_version: bool = True
    has_fingerprint: bool = False
    notes: list[str]
    unit = "row"            # what a submission is: a row of a table, or a file (a notebook)
    called = "the sheet"    # how messages name the file (or files) the submissions came from

    def rows(self) -> Iterator[Submission]:
        raise NotImplementedError

    def fingerprints(self) -> Counter:
        """How many rows carry each fingerprint, as written."""
        return Counter(row.fingerprint for row in self.rows() if row.fingerprint)


def read_submissions(path: str, question_ids: list[str], columns: "ColumnMap | None" = None,
                     signing_keys=lambda: lambda fingerprint: []) -> SubmissionFile:
    """The submissions in ``path``: a table, a JSON file, or notebooks (a folder, a .zip or one .ipynb:
    grade/notebooks.py, verified with the keys ``signing_keys()(fingerprint)`` gives)."""
    from .notebooks import NotebookSubmissions, is_notebook_source  # noqa: PLC0415

    if is_notebook_source(path):
        if columns is not None:
            raise QuizgenError("--columns maps the columns of a table; notebooks name their answer cells",
                               field="--columns")
        return NotebookSubmissions(path, question_ids, signing_keys())
    if Path(path).suffix.lower() == ".json" or _starts_like_json(path):
        if columns is not None:
            raise QuizgenError("--columns maps the columns of a table; a JSON file names its fields itself",
                               field="--columns")
        return JsonSubmissions(path, question_ids)
    return TableSubmissions(path, question_ids, columns)


def _starts_like_json(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            start = handle.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False        # the table reader says why
    return start[:1] in (b"[", b"{")


def _question_of(name: str, question_ids: list[str]) -> str | None:
    """The question a column (or JSON key) names: exactly, else ignoring case and surrounding spaces."""
    name = name.strip()
    if name in question_ids:
        return name
    return next((q for q in question_ids if q.casefold() == name.casefold()), None)


def _match_questions(names: list[str], question_ids: list[str]) -> dict[str, str]:
    return {name: q for name in names if (q := _question_of(name, question_ids)) is not None}


# --- tables -----------------------------------------------------------------------------------------

class TableSubmissions(SubmissionFile):
    def __init__(self, path: str, question_ids: list[str], columns: "ColumnMap | None" = None):
        self.path, self.question_ids = path, question_ids
        self.columns_map = columns
        is_header = (lambda cells: columns.finds_student(cells)) if columns else \
            (lambda cells: _student_column(cells) is not None)
        self.table = open_table(path, is_header, what="submission file", allowed=HEADER_HELP,
                                header="student id column" if not columns else f"column {columns.student!r}")
        names = self.table.header
        self.names, self.header_line = names, self.table.header_line
        self.notes = [f"{Path(path).name}: {note}" for note in self.table.notes]
        if columns:
            resolved = columns.resolve(names, question_ids)
            self.id_col, self.version_col, self.fixed_version = resolved.student, resolved.version, resolved.fixed_version
            self.time_col, self.columns = resolved.submitted, resolved.questions
            not_asked = [q for q, c in columns.questions.items() if c is None]
            if not_asked:
                self.notes.append(f"not asked by the form (graded as no answer, as {Path(columns.path).name} says): "
                                  + ", ".join(not_asked))
        else:
            self.id_col = _student_column(names)
            self.version_col = find_column(names, VERSION_COLUMNS)
            self.fixed_version = ""
            self.time_col = find_column(names, TIMESTAMP_COLUMNS)
            self.columns = _question_columns(path, self.header_line, names, question_ids)
        self.fp_col = find_column(names, (FINGERPRINT_COLUMN,))
        self.repeated_headers: set[int] = set()
        self.width = max((i for i, n in enumerate(names) if n), default=-1) + 1     # a workbook pads the header
        self._fingerprints, self.time_order = self._survey()
        self.has_fingerprint = self.fp_col is not None
        self.has_version = self.version_col is not None or bool(self.fixed_version)
        used = {self.id_col, self.version_col, self.fp_col, self.time_col, *self.columns}
        # (a roster's name columns, which the response sheet carries, are not worth a mention)
        self.ignored_columns = [n for i, n in enumerate(names) if i not in used and n and not is_name_column(n)]
        self.missing_questions = [q for q in question_ids if q not in self.columns.values()
                                  and not (columns and q in columns.questions)]

    def _survey(self) -> tuple[Counter, str | None]:
        """One pass over the file's fingerprint and time columns (when it has them): the fingerprints its rows
        carry (a few distinct ones are kept), and whether its dates are day/month or month/day."""
        fingerprints, dates = Counter(), DateOrder()
        if self.fp_col is None and self.time_col is None:
            return fingerprints, None
        for _, row in self.table.rows():
            cell = _cell(row, self.fp_col)
            if cell and (cell in fingerprints or len(fingerprints) < SURVEYED):
                fingerprints[cell] += 1
            dates.see(_cell(row, self.time_col))
        return fingerprints, dates.order

    def fingerprints(self) -> Counter:
        return self._fingerprints

    def rows(self) -> Iterator[Submission]:
        names, columns, id_col, version_col = self.names, self.columns, self.id_col, self.version_col
        fp_col, time_col, fixed = self.fp_col, self.time_col, self.fixed_version
        delimiter, header = self.table.delimiter, [header_key(n) for n in names]
        for line, row in self.table.rows():
            if row and row[0].strip() == names[0] and [header_key(c) for c in row[:len(names)]] == header:
                self.repeated_headers.add(line)         # two sheets pasted one below the other
                continue
            student, id_problem = clean_id(_cell(row, id_col))
            version = fixed or (_cell(row, version_col) if version_col is not None else "")
            answers = {q: row[i] for i, q in columns.items() if i < len(row) and row[i].strip()}
            problem = ""
            stray = next((i for i, cell in enumerate(row) if i != fp_col and cell.lstrip().startswith("quizgen:")),
                         None)
            if any(c.strip() for c in row[self.width:]):
                problem = (f"the row has {len(row)} cells but the header has {len(names)}: an answer with a "
                           f"'{delimiter}' in it must be in double quotes") if self.table.kind == "csv" else \
                    (f"the row has text beyond the header's last column ({names[self.width - 1]!r}): a cell typed "
                     "one column too far right?")
            elif stray is not None:
                where = repr(names[stray]) if stray < len(names) else f"column {stray + 1}"
                problem = (f"the quiz fingerprint is in {where}, not in the fingerprint column: cells of this row "
                           "were shifted (one deleted or inserted), so its answers are under other questions")
            elif id_problem and id_problem != "empty":
                problem = f"student id: {id_problem}"
            yield Submission(line, student, version, answers, problem,
                             _cell(row, fp_col) if fp_col is not None else "",
                             parse_time(_cell(row, time_col), self.time_order) if time_col is not None else None)


def _student_column(names: list[str]) -> int | None:
    keys = {header_key(n) for n in names}
    if any(k in keys for k in _MS_FORMS):       # a Microsoft Forms export: "ID" numbers the responses
        return find_column(names, tuple(a for a in STUDENT_COLUMNS if header_key(a) != "id"))
    return student_column(names)


def _question_columns(path: str, line: int, names: list[str], question_ids: list[str]) -> dict[int, str]:
    """Column index -> question id; a question named by two columns is an error (which one counts?)."""
    columns, seen = {}, {}
    for index, name in enumerate(names):
        question = _question_of(name, question_ids)
        if question is None:
            continue
        if question in seen:
            raise QuizgenError(f"question {question!r} has two columns ({seen[question] + 1} and {index + 1}); "
                               "allowed: one column per question", file=path, line=line)
        seen[question] = index
        columns[index] = question
    if not columns:
        keys = {header_key(n) for n in names}
        forms = "a Microsoft Forms" if any(k in keys for k in _MS_FORMS) else \
            "a Google Forms" if any(k in keys for k in _GOOGLE_FORMS) else ""
        hint = (f"; this looks like {forms} export: map its columns to the questions with --columns (see the "
                "README, 'Google and Microsoft Forms')") if forms else ""
        raise QuizgenError(f"the header names no question of this key; allowed question columns: "
                           f"{', '.join(question_ids)}{hint}", file=path, line=line)
    return columns


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


# --- a column mapping (--columns) ----------------------------------------------------------------------

@dataclass
class Resolved:
    student: int
    version: int | None
    fixed_version: str
    submitted: int | None
    questions: dict[int, str]


@dataclass
class ColumnMap:
    """Which column of a table holds what (a Forms export's columns are titled by the questions' texts):

        student_id: Email Address          # a column's title, its letter (C) or its number (3)
        version: Versión                   # optional: a column, or {value: v1} for one version for all
        submitted: Timestamp               # optional: when two rows name one student, the latest counts
        questions:
          tamano-salida: "1. ¿Cuál es el tamaño de la salida?"
    """

    path: str
    student: str
    version: str | None
    fixed_version: str
    submitted: str | None
    questions: dict[str, str | None]        # None: the form did not ask it
    lines: dict = field(default_factory=dict)

    def finds_student(self, cells: list[str]) -> bool:
        return _find(cells, self.student) is not None

    def resolve(self, names: list[str], question_ids: list[str]) -> Resolved:
        unknown = [q for q in self.questions if q not in question_ids]
        if unknown:
            raise self._error(("questions", unknown[0]), f"{unknown[0]!r} is not a question of this key; allowed: "
                                                         f"{', '.join(question_ids)}")
        unmapped = [q for q in question_ids if q not in self.questions]
        if unmapped:
            raise self._error(("questions",), f"{', '.join(unmapped)}: no column given; allowed: map every question "
                                              "of the bank, or give it null (a question the form did not ask, "
                                              "graded as no answer)")
        columns, taken = {}, {}
        for question, reference in self.questions.items():
            if reference is None:
                continue
            index = self._column(names, reference, ("questions", question))
            if index in taken:
                raise self._error(("questions", question), f"column {names[index]!r} is already mapped to "
                                                           f"{taken[index]!r}; allowed: one column per question")
            taken[index] = question
            columns[index] = question
        version = self._column(names, self.version, ("version",)) if self.version else None
        submitted = self._column(names, self.submitted, ("submitted",)) if self.submitted else \
            find_column(names, TIMESTAMP_COLUMNS)
        return Resolved(self._column(names, self.student, ("student_id",)), version, self.fixed_version, submitted,
                        columns)

    def _column(self, names: list[str], reference: str, path: tuple) -> int:
        index = _find(names, reference)
        if index is None:
            several = _starting(names, reference)
            if len(several) > 1:
                shown = ", ".join(repr(names[i]) for i in several[:4])
                raise self._error(path, f"{reference!r} starts the titles of {len(several)} columns ({shown}); "
                                        "allowed: more of the title, so that it names one")
            shown = ", ".join(repr(n) for n in names if n)[:300]
            raise self._error(path, f"no column {reference!r} in the file's header; allowed: a column's title, "
                                    f"letter or number; the columns are {shown}")
        return index

    def _error(self, path: tuple, message: str) -> QuizgenError:
        line = next((self.lines[path[:n]] for n in range(len(path), 0, -1) if path[:n] in self.lines), None)
        return QuizgenError(message, file=self.path, line=line, field=".".join(map(str, path)))


def _find(names: list[str], reference) -> int | None:
    """A column by title (case, accents and punctuation aside; else the one title that starts so), by
    letter (A, B, ..., AA) or by number (1-based)."""
    reference = str(reference).strip()
    keys = [header_key(n) for n in names]
    key = header_key(reference)
    if key and key in keys:
        return keys.index(key)
    if reference.isdigit() and 1 <= int(reference) <= len(names):
        return int(reference) - 1
    if reference.isalpha() and reference.isupper() and len(reference) <= 2:
        index = 0
        for letter in reference:
            index = index * 26 + ord(letter) - 64
        if index <= len(names):
            return index - 1
    starting = _starting(names, reference)
    return starting[0] if len(starting) == 1 else None


def _starting(names: list[str], reference) -> list[int]:
    """The columns whose titles start as ``reference`` (case, accents and punctuation aside)."""
    key = header_key(reference)
    return [i for i, name in enumerate(names) if key and header_key(name).startswith(key)]


COLUMN_FIELDS = ("student_id", "version", "submitted", "questions")


def read_column_map(path: str) -> ColumnMap:
    """A --columns mapping file (YAML), checked: every field known, every value a column reference."""
    from ..generate.bank import read_yaml  # noqa: PLC0415 - the YAML reader with line numbers

    data, lines = read_yaml(Path(path), what="column mapping")

    def error(where: tuple, message: str) -> QuizgenError:
        line = next((lines[where[:n]] for n in range(len(where), -1, -1) if where[:n] in lines), None)
        return QuizgenError(message, file=path, line=line, field=".".join(map(str, where)) or None)
    if not isinstance(data, dict):
        raise error((), "a column mapping is a YAML mapping: student_id: <column>, questions: {<question id>: "
                        "<column>}")
    unknown = [k for k in data if k not in COLUMN_FIELDS]
    if unknown:
        raise error((unknown[0],), f"unknown field {unknown[0]!r}; allowed fields: {', '.join(COLUMN_FIELDS)}")
    for needed in ("student_id", "questions"):
        if needed not in data:
            raise error((), f"missing field {needed!r}; allowed: student_id: <column>, questions: {{<question id>: "
                            "<column>}}")

    def reference(where: tuple, value) -> str:
        if isinstance(value, float):
            raise error(where, f"got {value!r} (YAML read a number); quote a title that looks like one: '{value:g}.'")
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
            raise error(where, f"got {value!r}; allowed: a column's title, letter (C) or number (3)")
        return str(value)
    questions = data["questions"]
    if not isinstance(questions, dict) or not questions:
        raise error(("questions",), "allowed: a mapping {<question id>: <column>}, at least one")
    fixed, version = "", data.get("version")
    if isinstance(version, dict):
        if set(version) != {"value"} or not isinstance(version["value"], (str, int)):
            raise error(("version",), "allowed: a column, or {value: <version>} when everyone had one version")
        fixed, version = str(version["value"]).strip(), None
    elif version is not None:
        version = reference(("version",), version)
    submitted = reference(("submitted",), data["submitted"]) if data.get("submitted") is not None else None
    return ColumnMap(path, reference(("student_id",), data["student_id"]), version, fixed, submitted,
                     {str(q): None if c is None else reference(("questions", q), c) for q, c in questions.items()},
                     lines)


# --- JSON -------------------------------------------------------------------------------------------

class JsonSubmissions(SubmissionFile):
    """A JSON array of submissions, read whole (a JSON array cannot be streamed without a parser of its
    own; CSV is the format for very large courses); each item's line is where it starts."""

    called = "the file"

    def __init__(self, path: str, question_ids: list[str]):
        self.path, self.question_ids, self.notes = path, question_ids, []
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise _not_utf8(path) from None
        except OSError as error:
            raise QuizgenError(f"cannot read it ({error.strerror})", file=path) from None
        self._rows, unknown, seen_questions = _json_rows(path, text, question_ids)
        self.ignored_columns = sorted(unknown)
        self.missing_questions = [q for q in question_ids if q not in seen_questions]
        self.has_version = any(row.version for row in self._rows)
        self.has_fingerprint = any(row.fingerprint for row in self._rows)

    def rows(self) -> Iterator[Submission]:
        return iter(self._rows)


def _not_utf8(path: str) -> QuizgenError:
    """The error for a JSON file that is not UTF-8, at the first line that is not."""
    with open(path, "rb") as handle:
        for line, data in enumerate(handle, 1):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                break
    return QuizgenError("not UTF-8 text; JSON files are UTF-8", file=path, line=line)


def _json_rows(path: str, text: str, question_ids: list[str]):
    decoder = json.JSONDecoder()
    try:
        data = decoder.decode(text)
    except json.JSONDecodeError as error:
        raise QuizgenError(f"JSON syntax error: {error.msg}", file=path, line=error.lineno) from None
    except (ValueError, RecursionError) as error:   # a 5,000-digit number; brackets nested 100,000 deep
        raise QuizgenError(f"JSON not readable ({error.__class__.__name__}: {str(error)[:80]})", file=path,
                           line=1) from None
    if not isinstance(data, list):
        raise QuizgenError('a JSON submission file is a list: [{"student_id": ..., "version": ..., '
                           '"answers": {"<question id>": "..."}}, ...]', file=path, line=1)
    rows, seen_questions, unknown = [], set(), set()
    for item, line in zip(data, _item_lines(text, decoder)):
        if not isinstance(item, dict):
            rows.append(Submission(line, "", "", {}, "not an object with student_id, version and answers"))
            continue
        fields = {str(k).strip().lower(): v for k, v in item.items()}
        student, id_problem = clean_id(_text(next((fields[n] for n in ("student_id", "id") if n in fields), "")))
        version = _text(fields.get("version", "")).strip()
        fingerprint = _text(fields.get(FINGERPRINT_COLUMN, "")).strip()
        given = fields.get("answers", {})
        if not isinstance(given, dict):
            rows.append(Submission(line, student, version, {}, '"answers" is not an object {question id: answer}'))
            continue
        matched = _match_questions(list(map(str, given)), question_ids)
        named_twice = sorted({q for q in matched.values() if list(matched.values()).count(q) > 1})
        if named_twice:
            rows.append(Submission(line, student, version, {}, f"question {named_twice[0]!r} is answered twice "
                                                               "(its id written two ways); allowed: once"))
            continue
        unknown.update(str(k) for k in given if str(k) not in matched)
        seen_questions.update(matched.values())
        answers = {matched[str(k)]: _text(v) for k, v in given.items() if str(k) in matched and _text(v).strip()}
        problem = f"student id: {id_problem}" if id_problem and id_problem != "empty" else ""
        rows.append(Submission(line, student, version, answers, problem, fingerprint,
                               parse_time(_text(fields.get("submitted", ""))) if "submitted" in fields else None))
    if data and not seen_questions and unknown:
        raise QuizgenError(f"the answers name no question of this key; allowed question ids: "
                           f"{', '.join(question_ids)}", file=path, line=1)
    return rows, unknown, seen_questions


def _item_lines(text: str, decoder: json.JSONDecoder):
    """The line on which each item of the top-level array starts."""
    index = text.index("[") + 1
    while True:
        while index < len(text) and text[index] in " \t\r\n,":
            index += 1
        if index >= len(text) or text[index] == "]":
            return
        yield text.count("\n", 0, index) + 1
        _, index = decoder.raw_decode(text, index)


def _text(value) -> str:
    """An answer as text: strings as they are; numbers and lists ([3, 3], [[1, 2], [3, 4]]) as written in JSON,
    numbers given as strings inside a list unquoted (["-1.13", "2"] is the sequence -1.13, 2)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)
