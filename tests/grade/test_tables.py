"""One reader for every table quizgen takes (rosters, submissions), on files made the way spreadsheet programs
and people make them: ',' ';' or tab; UTF-8 with or without BOM, UTF-16, Windows-1252; CRLF; header names in
Spanish or English whatever their case and accents; .xlsx and .ods; and the response sheet taken through a real
spreadsheet program (LibreOffice Calc in a Spanish locale) and graded."""
import csv
import json
import re

import pytest
from conftest import SEED_BANK, SPANISH_CSV, UNICODE_TEXT, run_cli, spreadsheet

from quizgen.core.errors import QuizgenError
from quizgen.core.filenames import SafeNames, safe_name
from quizgen.grade.roster import read_roster
from quizgen.grade.submissions import read_submissions

HEADER = ["Matrícula", "Versión", "size", "values"]
ROWS = [["josé", "v1", "3x3", "[[1, 2], [3, 4]]"], ["00123", "v2", "4,75", "1 2; 3 4"], ["ana@uni.es", "V1", "", ""]]


def write_table(path, header, rows, delimiter=",", encoding="utf-8", newline="\r\n"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator=newline).writerows([header, *rows])
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_every_separator_encoding_and_line_end_reads_the_same_rows(tmp_path, encoding, delimiter, newline):
    path = write_table(tmp_path / "subs.csv", HEADER, ROWS, delimiter, encoding, newline)
    source = read_submissions(str(path), ["size", "values"])
    rows = [(r.line, r.student_id, r.version, r.answers) for r in source.rows()]
    assert rows == [(2, "josé", "v1", {"size": "3x3", "values": "[[1, 2], [3, 4]]"}),
                    (3, "00123", "v2", {"size": "4,75", "values": "1 2; 3 4"}),
                    (4, "ana@uni.es", "V1", {})]
    assert bool(source.notes) == (encoding == "cp1252")      # a file that is not UTF-8 is read, and said so


@pytest.mark.parametrize("header", [
    ["student_id", "version"], ["Student ID", "Version"], ["STUDENT-ID", "VERSION"], ["matricula", "versión"],
    ["Número de matrícula", "Versión"], ["Estudiante", "variante"], ["Correo electrónico", "Versión"],
    ["Email Address", "version"], ["id", "version"]])
def test_header_names_are_matched_whatever_their_case_accents_and_language(tmp_path, header):
    path = write_table(tmp_path / "subs.csv", [*header, "Size"], [["ana", "v1", "3x3"]])
    rows = list(read_submissions(str(path), ["size"]).rows())
    assert [(r.student_id, r.version, r.answers) for r in rows] == [("ana", "v1", {"size": "3x3"})]


def test_a_title_above_the_header_and_excels_separator_line_are_understood(tmp_path):
    path = tmp_path / "subs.csv"
    path.write_text("sep=;\r\nNotas del parcial;;\r\nstudent_id;version;size\r\nana;v1;3x3\r\n", encoding="utf-8")
    rows = list(read_submissions(str(path), ["size"]).rows())
    assert [(r.line, r.student_id, r.answers) for r in rows] == [(4, "ana", {"size": "3x3"})]


def test_a_workbook_gives_cells_as_people_typed_them(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Respuestas"
    sheet.append(["Resultados del examen"])
    sheet.append([])
    sheet.append(["Matrícula", "Versión", "size", "number"])
    sheet.append([123, "v1", "3x3", 4.75])          # a number cell: 123, not 123.0
    sheet.append(["josé", "v2", "4x4", 2])
    book.create_sheet("Notas").append(["ignored"])
    book.save(tmp_path / "subs.xlsx")
    source = read_submissions(str(tmp_path / "subs.xlsx"), ["size", "number"])
    rows = [(r.line, r.student_id, r.version, r.answers) for r in source.rows()]
    assert rows == [(4, "123", "v1", {"size": "3x3", "number": "4.75"}), (5, "josé", "v2", {"size": "4x4", "number": "2"})]
    assert source.notes == ["subs.xlsx: read the first sheet, 'Respuestas', of 2"]


def test_a_roster_from_a_spanish_locale_spreadsheet_with_any_printable_ids(tmp_path):
    ids = ["ana@uni.es", "josé", "José", "María José Pérez", "00123", "CON", "a/b", "x" * 150]
    path = tmp_path / "lista.csv"
    path.write_bytes(("student_id;nombre\r\n" + "".join(f"{i};Nombre {n}\r\n" for n, i in enumerate(ids))).encode("cp1252"))
    roster = read_roster(str(path))
    assert roster.ids == ids and "Windows-1252" in roster.notes[0]
    names = SafeNames()
    folders = [names.name(i) for i in ids]
    assert len({f.casefold() for f in folders}) == len(ids)                       # unique without regard to case
    assert all(re.fullmatch(r"[A-Za-z0-9@+][A-Za-z0-9._@+-]{0,79}", f) for f in folders)   # safe on every OS
    assert folders[0] == "ana@uni.es" and folders[4] == "00123"                    # safe ids are kept as they are
    assert safe_name("CON") != "CON" and safe_name("josé").startswith("jose-")


@pytest.mark.parametrize("content, line, says", [
    ("student_id\nana\nana\n", 3, "duplicate student id 'ana'"),
    ("student_id,name\n,Ana\n", 2, "no student ids in column 'student_id'"),
    ("student_id\nana\x07\n", 2, "control character"),
    ("nombre\nAna\n", 1, "no student id column"),
])
def test_a_roster_that_cannot_give_versions_is_a_located_error(tmp_path, content, line, says):
    path = tmp_path / "roster.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(QuizgenError, match=says) as error:
        read_roster(str(path))
    assert error.value.line == line


@pytest.fixture(scope="module")
def handed_out(tmp_path_factory):
    """The seed lab handed out to a roster with ids spreadsheets mangle, the key sheet filled."""
    folder = tmp_path_factory.mktemp("sheets")
    (folder / "roster.csv").write_bytes("student_id;nombre\r\n00123;Pepe\r\nana@uni.es;Ana\r\njosé;José\r\n"
                                        "2024-001;Lía\r\n".encode("cp1252"))
    result = run_cli("generate", SEED_BANK, "--roster", folder / "roster.csv", "--format", "json",
                     "--out", folder / "out")
    assert result.returncode == 0, result.stderr
    return folder


@pytest.mark.parametrize("target, options", [("xlsx", ""), ("ods", ""), ("csv", SPANISH_CSV), ("csv", UNICODE_TEXT)],
                         ids=["xlsx", "ods", "spanish-csv", "unicode-text"])
def test_the_filled_sheet_survives_a_round_trip_through_a_spreadsheet_program(handed_out, tmp_path, target, options):
    folder = handed_out
    saved = spreadsheet(folder / "out/responses-key.csv", tmp_path / "saved", target, options)
    result = run_cli("grade", SEED_BANK, saved, "--roster", folder / "roster.csv", "--json", "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["graded"] == 4 and not summary["rejected"]
    with open(tmp_path / "g/grades.csv", newline="", encoding="utf-8") as handle:
        grades = {row["student_id"]: row["percent"] for row in csv.DictReader(handle)}
    assert grades == {"00123": "100", "ana@uni.es": "100", "josé": "100", "2024-001": "100"}


def test_a_blank_sheet_opened_filled_in_and_saved_as_xlsx_is_graded(handed_out, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    folder = handed_out
    saved = spreadsheet(folder / "out/responses.csv", tmp_path / "saved", "xlsx")
    key = {v["version"]: v for v in json.loads((folder / "out/key.json").read_text())["versions"]}
    book = openpyxl.load_workbook(saved)
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        version = str(row[header.index("version")].value)
        version = next(v for v in key if v == version or v.lstrip("0") == version)
        for question in key[version]["questions"]:
            text = question["answer"]["text"]
            # typed into a cell: a number a spreadsheet keeps as a number, anything else as text
            row[header.index(question["id"])].value = int(text) if text.isdigit() else text
    book.save(saved)
    result = run_cli("grade", SEED_BANK, saved, "--roster", folder / "roster.csv", "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "g/grades.csv", newline="", encoding="utf-8") as handle:
        assert {row["percent"] for row in csv.DictReader(handle)} == {"100"}


def test_a_spanish_moodle_participants_export_and_e_mails_in_another_case(tmp_path):
    path = write_table(tmp_path / "participantes.csv", ["Nombre", "Apellido(s)", "Número de ID", "Dirección Email"],
                       [["Ana", "García", "A01", "ana@uni.es"], ["Beto", "Pérez", "A02", "beto@uni.es"]])
    assert read_roster(str(path)).ids == ["A01", "A02"]          # the ID number, before the e-mail
    path = write_table(tmp_path / "correos.csv", ["Dirección de correo", "Nombre"],
                       [["ana@uni.es", "Ana"], ["ANA@uni.es", "Ana"]])
    with pytest.raises(QuizgenError, match="compared without case") as error:
        read_roster(str(path))
    assert error.value.line == 3


def test_an_lms_export_gives_the_ids_its_gradebook_matches_and_skips_rows_that_are_not_students(tmp_path):
    canvas = write_table(tmp_path / "canvas.csv", ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"], [
        ["    Points Possible", "", "", "", ""],
        ["Smith, Alice", "1021", "S001", "asmith", "Sec 1"],
        ["Smith, Alice", "1022", "S002", "asmith2", "Sec 1"],     # two students of one name
        ["Student, Test", "1099", "", "", "Sec 1"]])
    roster = read_roster(str(canvas))
    assert roster.ids == ["S001", "S002"]                          # SIS User ID, what Canvas's import matches
    assert any("ids from column 'SIS User ID'" in note for note in roster.notes)
    assert any("2 row(s) without an id" in note and "Points Possible" in note for note in roster.notes)
    # a Moodle export whose ID numbers were never filled in gives way to the e-mails, or to the column asked for
    moodle = write_table(tmp_path / "moodle.csv", ["First name", "Last name", "ID number", "Email address"],
                         [["Ana", "García", "", "ana@uni.es"], ["Beto", "Pérez", "", "beto@uni.es"]])
    assert read_roster(str(moodle)).ids == ["ana@uni.es", "beto@uni.es"]
    assert read_roster(str(canvas), "SIS Login ID").ids == ["asmith", "asmith2"]


def test_a_byte_order_mark_a_spreadsheet_misread_is_not_part_of_the_header(tmp_path):
    path = tmp_path / "subs.csv"
    path.write_text("ï»¿student_id,version,size\nana,v1,3x3\n", encoding="utf-8")
    assert [r.student_id for r in read_submissions(str(path), ["size"]).rows()] == ["ana"]
