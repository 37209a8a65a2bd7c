"""Reading students' answers: the canonical CSV (student_id, version, one column per question id) or JSON
([{"student_id", "version", "answers": {question id: text}}]). Every row keeps its line number, so each
one can be accounted for: graded, or rejected with a reason. A file that cannot be a submission file at
all (not text, no header, no known question) is a located QuizgenError.
"""
from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from typing import Iterator
from pathlib import Path

from .errors import QuizgenError

ID_COLUMNS = ("student_id", "id")
DELIMITERS = (",", ";", "\t")   # Spanish-locale spreadsheets save CSV with ';'
HEADER_HELP = "allowed: a header row student_id,version,<question id>... then one row per student"


@dataclass(frozen=True)
class Submission:
    line: int
    student_id: str
    version: str
    answers: dict          # question id -> text (absent: no answer)
    problem: str = ""      # why the row cannot be graded whatever the key says ("" if it can)


class SubmissionFile:
    """A submission file, read as a stream of rows: ``rows()`` reads it from the start each time it is
    called (grading reads a file twice: once to account for every row, once to grade), so a file of a
    million rows is never held in memory. The header is read (and checked) when the file is opened."""

    def __init__(self, path: str, question_ids: list[str], ignored_columns: list[str],
                 missing_questions: list[str]):
        self.path = path
        self.question_ids = question_ids
        self.ignored_columns = ignored_columns
        self.missing_questions = missing_questions

    def rows(self) -> Iterator[Submission]:
        raise NotImplementedError


def read_submissions(path: str, question_ids: list[str]) -> SubmissionFile:
    start = _check_file(path)
    if Path(path).suffix.lower() == ".json" or start.lstrip()[:1] in ("[", "{"):
        return JsonSubmissions(path, question_ids)
    return CsvSubmissions(path, question_ids)


def _check_file(path: str) -> str:
    """The start of the file as text, once it is known to be a readable, non-empty text file."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
            blank = not head.strip() and not handle.read(1 << 20).strip()   # a few spaces, then content?
    except FileNotFoundError:
        raise QuizgenError("no such file; give a CSV or JSON file of submissions", file=path) from None
    except (IsADirectoryError, PermissionError) as error:
        raise QuizgenError(f"cannot read it ({error.__class__.__name__}); give a CSV or JSON file of "
                           "submissions", file=path) from None
    if b"\0" in head or head[:4] == b"PK\x03\x04":
        raise QuizgenError("not a CSV or JSON text file (a spreadsheet? save it as CSV UTF-8)", file=path,
                           line=1)
    if blank:
        raise QuizgenError(f"empty file; {HEADER_HELP}", file=path, line=1)
    return head.decode("utf-8-sig", errors="ignore")


def _not_utf8(path: str) -> QuizgenError:
    """The error for a file that is not UTF-8, at the first line that is not (found by reading it again:
    a text stream reports where in its buffer decoding failed, not where in the file)."""
    with open(path, "rb") as handle:
        for line, data in enumerate(handle, 1):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                break
    return QuizgenError("not UTF-8 text; save the file as CSV UTF-8 (or JSON)", file=path, line=line)


def _question_of(name: str, question_ids: list[str]) -> str | None:
    """The question a column (or JSON key) names: exactly, else ignoring case and surrounding spaces."""
    name = name.strip()
    if name in question_ids:
        return name
    return next((q for q in question_ids if q.casefold() == name.casefold()), None)


def _match_questions(names: list[str], question_ids: list[str]) -> dict[str, str]:
    return {name: q for name in names if (q := _question_of(name, question_ids)) is not None}


# --- CSV --------------------------------------------------------------------------------------------

class CsvSubmissions(SubmissionFile):
    def __init__(self, path: str, question_ids: list[str]):
        self.path = path
        self.delimiter, first_line = self._delimiter()
        header_line, header = next(self._records(skip_to=first_line), (first_line, []))
        self.header_line = header_line
        self.names = [h.strip() for h in header]
        self.id_col = _id_column(self.names)
        self.version_col = next((i for i, n in enumerate(self.names) if n.lower() == "version"), None)
        self.columns = _question_columns(path, header_line, self.names, question_ids)
        ignored = [n for i, n in enumerate(self.names)
                   if i not in (self.id_col, self.version_col) and i not in self.columns and n]
        super().__init__(path, question_ids, ignored, [q for q in question_ids if q not in self.columns.values()])

    def _delimiter(self) -> tuple[str, int]:
        """The separator the header row uses, and the header's line."""
        with self._open() as handle:
            try:
                found = next(((n, line) for n, line in enumerate(handle, 1) if line.strip(" \t\r\n,;\"")), None)
            except UnicodeDecodeError:
                raise _not_utf8(self.path) from None
        if found is None:
            raise QuizgenError(f"no header row; {HEADER_HELP}", file=self.path, line=1)
        number, first = found
        delimiter = next((d for d in DELIMITERS
                          if _id_column(next(csv.reader([first], delimiter=d), [])) is not None), None)
        if delimiter is None:
            raise QuizgenError(f"no student_id column in the header ({first.strip()[:80]!r}); {HEADER_HELP}",
                               file=self.path, line=number)
        return delimiter, number

    def _open(self):
        return open(self.path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed by the caller

    def _records(self, skip_to: int) -> Iterator[tuple[int, list[str]]]:
        """(line where the row starts, cells) for every row with something in it, from line ``skip_to``.
        Strict quoting: a quote left open would otherwise swallow every row after it into one answer."""
        csv.field_size_limit(min(sys.maxsize, 2 ** 31 - 1))   # a huge cell is one too-long answer, not a bad file
        with self._open() as handle:
            reader = csv.reader(handle, delimiter=self.delimiter, strict=True)
            previous = 0
            try:
                for row in reader:
                    if previous + 1 >= skip_to and any(cell.strip() for cell in row):
                        yield previous + 1, row
                    previous = reader.line_num
            except csv.Error as error:
                hint = "; a double quote opened on this line is never closed" if "end of data" in str(error) else ""
                raise QuizgenError(f"not readable as CSV ({error}){hint}", file=self.path, line=previous + 1) from None
            except UnicodeDecodeError:
                raise _not_utf8(self.path) from None

    def rows(self) -> Iterator[Submission]:
        names, columns, id_col, version_col = self.names, self.columns, self.id_col, self.version_col
        for line, row in self._records(skip_to=self.header_line + 1):
            student = _cell(row, id_col)
            version = _cell(row, version_col) if version_col is not None else student
            answers = {q: row[i] for i, q in columns.items() if i < len(row) and row[i].strip()}
            extra = any(c.strip() for c in row[len(names):])
            problem = (f"the row has {len(row)} cells but the header has {len(names)}: an answer with a "
                       f"'{self.delimiter}' in it must be in double quotes") if extra else ""
            yield Submission(line, student, version, answers, problem)


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
        raise QuizgenError(f"the header names no question of this key; allowed question columns: "
                           f"{', '.join(question_ids)}", file=path, line=line)
    return columns


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def _id_column(names: list[str]) -> int | None:
    lowered = [n.strip().lower() for n in names]
    return next((lowered.index(n) for n in ID_COLUMNS if n in lowered), None)


# --- JSON -------------------------------------------------------------------------------------------

class JsonSubmissions(SubmissionFile):
    """A JSON array of submissions, read whole (a JSON array cannot be streamed without a parser of its
    own; CSV is the format for very large courses); each item's line is where it starts."""

    def __init__(self, path: str, question_ids: list[str]):
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise _not_utf8(path) from None
        self._rows, unknown, seen_questions = _json_rows(path, text, question_ids)
        super().__init__(path, question_ids, sorted(unknown), [q for q in question_ids if q not in seen_questions])

    def rows(self) -> Iterator[Submission]:
        return iter(self._rows)


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
        student = _text(next((fields[n] for n in ID_COLUMNS if n in fields), "")).strip()
        version = _text(fields.get("version", student)).strip()
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
        rows.append(Submission(line, student, version, answers))
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
    """An answer as text: strings as they are; numbers and lists ([3, 3], [[1, 2], [3, 4]]) as JSON."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)
