"""Reading submission files: the CSV dialects spreadsheets write, JSON, and a line number for every row."""
from fractions import Fraction

import pytest

from quizgen.answers.parse import parse
from quizgen.core.errors import QuizgenError
from quizgen.grade import driver as grade
from quizgen.grade.driver import Placer, account
from quizgen.grade.handed_out import HandedOut
from quizgen.grade.submissions import read_submissions

QUESTIONS = ["size", "values"]


class Sheet:
    """A submission file read whole: its rows (a list) and what its header said."""

    def __init__(self, source):
        self.rows = list(source.rows())
        self.ignored_columns, self.missing_questions = source.ignored_columns, source.missing_questions


def read(tmp_path, text, name="subs.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return Sheet(read_submissions(str(path), QUESTIONS))


def test_a_semicolon_separated_sheet_from_a_spanish_spreadsheet(tmp_path):
    sheet = read(tmp_path, "student_id;version;size;values\nana;v1;3x3;1,5 2; 3 4\n")
    # the cell '1,5 2' ends at the ';' delimiter: a matrix with ';' rows must be quoted in such a file
    assert sheet.rows[0].answers["size"] == "3x3"
    assert sheet.rows[0].problem.startswith("the row has 5 cells but the header has 4")


def test_quoted_cells_may_hold_commas_and_line_breaks_and_rows_keep_their_first_line(tmp_path):
    sheet = read(tmp_path, 'student_id,version,size,values\nana,v1,3x3,"1 2\n3 4"\nbeto,v2,"(3, 3)",\n')
    assert [(r.line, r.student_id) for r in sheet.rows] == [(2, "ana"), (4, "beto")]
    assert sheet.rows[0].answers["values"] == "1 2\n3 4"
    assert sheet.rows[1].answers == {"size": "(3, 3)"}


def test_header_names_are_matched_ignoring_case_and_unknown_columns_are_reported(tmp_path):
    sheet = read(tmp_path, "\ufeffStudent_ID,Version,SIZE,email\nana,v1,3x3,a@b.c\n")
    assert sheet.rows[0].answers == {"size": "3x3"}
    assert sheet.ignored_columns == ["email"] and sheet.missing_questions == ["values"]


def handed(*ids, per_student=False):
    return Placer(HandedOut(ids=list(ids), source="the test", per_student=per_student))


def test_without_a_version_column_the_version_is_the_student_id_of_a_roster_or_the_only_version(tmp_path):
    sheet = read(tmp_path, "student_id,size\nana,3x3\n")
    assert (sheet.rows[0].student_id, sheet.rows[0].version) == ("ana", "")
    placed, reason, _ = handed("ana", "beto", per_student=True).place(sheet.rows[0])
    assert (placed.version, reason) == ("ana", "")
    placed, reason, _ = handed("v1").place(sheet.rows[0])
    assert (placed.version, reason) == ("v1", "")
    assert handed("v1", "v2").place(sheet.rows[0])[1] == "missing_version"


def test_json_items_carry_their_line_and_answers_may_be_json_values(tmp_path):
    text = ('[\n {"student_id": "ana", "version": "v1", "answers": {"size": [3, 3], "values": [[1, 2], [3, 4]]}},\n'
            ' "not an object",\n\n'
            ' {"student_id": "beto", "version": "v1",\n  "answers": {"size": null}}\n]')
    sheet = read(tmp_path, text, "subs.json")
    assert [r.line for r in sheet.rows] == [2, 3, 5]
    assert sheet.rows[0].answers == {"size": "[3, 3]", "values": "[[1, 2], [3, 4]]"}
    assert sheet.rows[1].problem and sheet.rows[2].answers == {}


def test_blank_lines_are_not_submissions(tmp_path):
    sheet = read(tmp_path, "\nstudent_id,version,size\n\nana,v1,3x3\n,,\n")
    assert [(r.line, r.student_id) for r in sheet.rows] == [(4, "ana")]


def test_a_windows_1252_file_is_read_as_such_with_a_note(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("student_id;size\r\nJosé;3x3\r\n".encode("cp1252"))
    source = read_submissions(str(path), QUESTIONS)
    assert [r.student_id for r in source.rows()] == ["José"]
    assert any("Windows-1252" in note for note in source.notes)


def test_the_last_row_of_a_student_is_graded_and_the_earlier_ones_say_so(tmp_path):
    sheet = read(tmp_path, "student_id,version,size\nana,v1,2x2\nbeto,v1,3x3\nana,v1,3x3\n")
    placer = handed("v1")
    accounting = account(sheet.rows, placer)
    assert [r.line for r in grade.accepted_rows(sheet.rows, accounting, placer)] == [3, 4] and accounting.rows == 3
    assert [(r.submission.line, r.reason) for r in accounting.rejected] == [(2, "duplicate")]


def test_a_row_without_a_version_is_rejected_as_such(tmp_path):
    sheet = read(tmp_path, "student_id,version,size\nana,,3x3\n")
    rejected = account(sheet.rows, handed("v1", "v2")).rejected
    assert [(r.submission.line, r.reason) for r in rejected] == [(2, "missing_version")]


def test_a_row_of_empty_cells_before_the_header_is_skipped(tmp_path):
    sheet = read(tmp_path, ",,,\nstudent_id,version,size\nana,v1,3x3\n")
    assert [(r.line, r.student_id, r.answers) for r in sheet.rows] == [(3, "ana", {"size": "3x3"})]


@pytest.mark.parametrize("text, line, says", [
    (",,,\n", 1, "no header row"),
    ('student_id,version,size\nana,v1,"[[1,2]\nbeto,v1,3x3\n', 2, "never closed"),
    ("student_id,version,size,SIZE\nana,v1,3x3,4x4\n", 1, "has two columns"),
    ('[{"student_id": "ana", "answers": {"size": ' + "9" * 5000 + "}}]", 1, "JSON not readable"),
    ("[" * 100_000 + "]" * 100_000, 1, "JSON not readable"),
])
def test_files_that_would_lose_or_invent_rows_are_one_located_error(tmp_path, text, line, says):
    with pytest.raises(QuizgenError, match=says) as error:
        read(tmp_path, text, "subs.json" if text.startswith("[") else "subs.csv")
    assert error.value.line == line


def test_a_huge_cell_is_one_answer_that_is_too_long_not_a_broken_file(tmp_path):
    sheet = read(tmp_path, "student_id,version,size\nana,v1," + "3" * 200_000 + "\nbeto,v1,3x3\n")
    assert [r.student_id for r in sheet.rows] == ["ana", "beto"]
    assert parse("shape", sheet.rows[0].answers["size"], [3, 3]).problem == "too_long"


def test_a_json_submission_answering_a_question_twice_is_rejected_saying_so(tmp_path):
    text = '[{"student_id": "ana", "version": "v1", "answers": {"size": "3x3", "SIZE": "4x4"}}]'
    sheet = read(tmp_path, text, "subs.json")
    assert "answered twice" in sheet.rows[0].problem
    rejected = account(sheet.rows, handed("v1")).rejected
    assert [r.reason for r in rejected] == ["malformed_row"]


def test_json_answers_with_numbers_as_strings_read_as_the_numbers(tmp_path):
    """A notebook that collects answers as text writes ["-1.13", "2"]: the values, not quoted strings; a
    non-ASCII minus stays a character the parser reads."""
    text = '[{"student_id": "ana", "version": "v1", "answers": {"size": ["3", "3"], "values": [["−1.13", "2"]]}}]'
    sheet = read(tmp_path, text, "subs.json")
    assert sheet.rows[0].answers == {"size": "[3, 3]", "values": "[[−1.13, 2]]"}
    assert parse("matrix", sheet.rows[0].answers["values"], [[-1.13, 2]]).value == [[Fraction("-1.13"), 2]]
