"""Reading students' answers: the canonical CSV (student_id, version, one column per question id) or JSON
([{"student_id", "version", "answers": {question id: text}}]). Every row keeps its line number, so each
one can be accounted for: graded, or rejected with a reason. A file that cannot be a submission file at
all (not text, no header, no known question) is a located QuizgenError.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass, field
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


@dataclass
class SubmissionFile:
    rows: list[Submission]
    ignored_columns: list[str] = field(default_factory=list)
    missing_questions: list[str] = field(default_factory=list)


def read_submissions(path: str, question_ids: list[str]) -> SubmissionFile:
    text = _read_text(path)
    if Path(path).suffix.lower() == ".json" or text.lstrip()[:1] in ("[", "{"):
        return _read_json(path, text, question_ids)
    return _read_csv(path, text, question_ids)


def _read_text(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise QuizgenError("no such file; give a CSV or JSON file of submissions", file=path) from None
    except (IsADirectoryError, PermissionError) as error:
        raise QuizgenError(f"cannot read it ({error.__class__.__name__}); give a CSV or JSON file of "
                           "submissions", file=path) from None
    if b"\0" in data[:4096] or data[:4] == b"PK\x03\x04":
        raise QuizgenError("not a CSV or JSON text file (a spreadsheet? save it as CSV UTF-8)", file=path,
                           line=1)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise QuizgenError("not UTF-8 text; save the file as CSV UTF-8 (or JSON)", file=path, line=line) from None
    if not text.strip():
        raise QuizgenError(f"empty file; {HEADER_HELP}", file=path, line=1)
    return text


def _question_of(name: str, question_ids: list[str]) -> str | None:
    """The question a column (or JSON key) names: exactly, else ignoring case and surrounding spaces."""
    name = name.strip()
    if name in question_ids:
        return name
    return next((q for q in question_ids if q.casefold() == name.casefold()), None)


def _match_questions(names: list[str], question_ids: list[str]) -> dict[str, str]:
    return {name: q for name in names if (q := _question_of(name, question_ids)) is not None}


# --- CSV --------------------------------------------------------------------------------------------

def _read_csv(path: str, text: str, question_ids: list[str]) -> SubmissionFile:
    lines = text.splitlines()
    header_index = next((n for n, line in enumerate(lines) if line.strip(" \t,;\"")), None)
    if header_index is None:
        raise QuizgenError(f"no header row; {HEADER_HELP}", file=path, line=1)
    first = lines[header_index]
    delimiter = next((d for d in DELIMITERS if _id_column(next(csv.reader([first], delimiter=d))) is not None),
                     None)
    if delimiter is None:
        raise QuizgenError(f"no student_id column in the header ({first[:80]!r}); {HEADER_HELP}",
                           file=path, line=header_index + 1)
    records = _records(path, text, delimiter)
    (header_line, header), body = records[0], records[1:]
    names = [h.strip() for h in header]
    id_col = _id_column(names)
    version_col = next((i for i, n in enumerate(names) if n.lower() == "version"), None)
    columns = _question_columns(path, header_line, names, question_ids)
    ignored = [n for i, n in enumerate(names) if i not in (id_col, version_col) and i not in columns and n]
    rows = []
    for line, row in body:
        student = _cell(row, id_col)
        version = _cell(row, version_col) if version_col is not None else student
        answers = {q: row[i] for i, q in columns.items() if i < len(row) and row[i].strip()}
        extra = any(c.strip() for c in row[len(names):])
        problem = (f"the row has {len(row)} cells but the header has {len(names)}: an answer with a "
                   f"'{delimiter}' in it must be in double quotes") if extra else ""
        rows.append(Submission(line, student, version, answers, problem))
    return SubmissionFile(rows, ignored, [q for q in question_ids if q not in columns.values()])


def _records(path: str, text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(line where the row starts, cells) for every row with something in it. Strict quoting: a quote
    left open would otherwise swallow every row after it into one answer."""
    csv.field_size_limit(min(sys.maxsize, 2 ** 31 - 1))   # a huge cell is one too-long answer, not a bad file
    records, previous = [], 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                records.append((previous + 1, row))
            previous = reader.line_num
    except csv.Error as error:
        hint = "; a double quote opened on this line is never closed" if "end of data" in str(error) else ""
        raise QuizgenError(f"not readable as CSV ({error}){hint}", file=path, line=previous + 1) from None
    return records


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

def _read_json(path: str, text: str, question_ids: list[str]) -> SubmissionFile:
    """A JSON array of submissions; each item's line is where it starts."""
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
    return SubmissionFile(rows, sorted(unknown), [q for q in question_ids if q not in seen_questions])


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
