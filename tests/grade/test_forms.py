"""Google Forms and Microsoft Forms exports, graded with a column mapping (--columns): one column per question
titled by its text, the student's e-mail as the id, and the latest submission of a student counting even when
the rows were sorted. The files are made as the Forms exports are (headers, quoting, timestamps)."""
import csv
import datetime as dt
import json

import pytest
from conftest import SEED_BANK, run_cli

TITLES = {"tamano-salida": "1. ¿Cuál es el tamaño de la salida?", "no-entero": "2. Tamaño con stride 3",
          "sobel": "3. Valores de la salida (Sobel)"}


@pytest.fixture(scope="module")
def quiz(tmp_path_factory):
    """The seed lab as one version for the whole class (the form shows the same questions to everyone)."""
    folder = tmp_path_factory.mktemp("forms")
    result = run_cli("generate", SEED_BANK, "--versions", "1", "--format", "json", "--out", folder / "out")
    assert result.returncode == 0, result.stderr
    key = json.loads((folder / "out/key.json").read_text())
    right = {q["id"]: q["answer"]["text"] for q in key["versions"][0]["questions"]}
    (folder / "columns.yaml").write_text(
        "# Google Forms, Spanish: which column holds what\n"
        "student_id: Dirección de correo electrónico\n"
        "questions:\n" + questions_map({q: f'"{t}"' for q, t in TITLES.items()}, right), encoding="utf-8")
    return folder, right


def questions_map(given: dict, right: dict) -> str:
    """The mapping's questions: those the form asked, and null for the bank's others (not asked)."""
    return "".join(f"  {qid}: {given.get(qid, 'null')}\n" for qid in right)


def google_csv(path, rows):
    """What 'Descargar respuestas (.csv)' gives in a Spanish account: every field quoted, UTF-8, CRLF."""
    header = ["Marca temporal", "Dirección de correo electrónico", "Puntuación", *TITLES.values()]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows([header, *rows])


def test_a_google_forms_export_is_graded_and_the_latest_submission_counts(quiz, tmp_path):
    folder, right = quiz
    wrong = {"tamano-salida": "2x2", "no-entero": "2x2", "sobel": "[[0, 0, 0]]"}
    answers = lambda given: [given[q] for q in TITLES]                      # noqa: E731
    rows = [  # sorted by e-mail, as an instructor may leave the sheet: the timestamps say which came last
        ["2024/03/05 10:15:23 a.\u202fm. GMT+1", "ana@uni.es", "3 / 3", *answers(right)],
        ["2024/03/05 9:02:11 a.\u202fm. GMT+1", "ana@uni.es", "0 / 3", *answers(wrong)],
        ["2024/03/05 12:40:00 p.\u202fm. GMT+1", "beto@uni.es", "0 / 3", *answers(wrong)],
        ["2024/03/05 11:59:59 a.\u202fm. GMT+1", "beto@uni.es", "3 / 3", *answers(right)],
    ]
    google_csv(tmp_path / "respuestas.csv", rows)
    result = run_cli("grade", SEED_BANK, tmp_path / "respuestas.csv", "--versions", "1", "--columns",
                     folder / "columns.yaml", "--json", "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["rows"] == 4 and summary["graded"] == 2
    # ana's right answers came last (line 2); beto's wrong ones did (line 4), though his right row is below
    assert [(r["line"], r["reason"]) for r in summary["rejected"]] == [(3, "duplicate"), (5, "duplicate")]
    assert "submitted again at 2024/03/05 10:15:23 a.\u202fm. GMT+1 (line 2)" in summary["rejected"][0]["detail"]
    assert "Puntuación" in summary["ignored_columns"]
    with open(tmp_path / "g/grades.csv", newline="", encoding="utf-8") as handle:
        grades = {row["student_id"]: row for row in csv.DictReader(handle)}
    points = {q: 1 for q in TITLES} | {"sobel": 2}
    assert {s: float(g["score"]) for s, g in grades.items()} == {"ana@uni.es": sum(points.values()),
                                                                 "beto@uni.es": 0}


def test_a_microsoft_forms_workbook_is_graded_by_email_not_by_its_response_number(quiz, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    folder, right = quiz
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Total points", "Quiz feedback"]
    for title in TITLES.values():
        header += [title, f"Points - {title}", f"Feedback - {title}"]
    sheet.append(header)
    done = dt.datetime(2024, 3, 5, 10, 15)
    for number, (email, given) in enumerate([("Ana@Uni.es", right), ("beto@uni.es", {q: "" for q in TITLES})], 1):
        row = [number, done, done + dt.timedelta(minutes=9), email, email.split("@")[0], "", ""]
        for question in TITLES:
            row += [given[question], "", ""]
        sheet.append(row)
    book.save(tmp_path / "Quiz.xlsx")
    (tmp_path / "columns.yaml").write_text("student_id: Email\nquestions:\n" + questions_map(
        {qid: repr(title[:12]) for qid, title in TITLES.items()}, right), encoding="utf-8")   # a title's start is enough
    result = run_cli("grade", SEED_BANK, tmp_path / "Quiz.xlsx", "--versions", "1", "--columns",
                     tmp_path / "columns.yaml", "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "g/grades.csv", newline="", encoding="utf-8") as handle:
        grades = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert grades == {"Ana@Uni.es": 4, "beto@uni.es": 0}


def test_a_forms_export_without_a_mapping_says_how_to_map_it(quiz, tmp_path):
    folder, right = quiz
    google_csv(tmp_path / "respuestas.csv", [["2024/03/05 10:15:23", "ana@uni.es", "", *[right[q] for q in TITLES]]])
    result = run_cli("grade", SEED_BANK, tmp_path / "respuestas.csv", "--versions", "1", "--out", tmp_path / "g")
    assert result.returncode == 2 and "looks like a Google Forms export" in result.stderr
    assert "--columns" in result.stderr


@pytest.mark.parametrize("mapping, line, says", [
    ("student_id: Dirección de correo electrónico\nquestions:\n  tamano-salida: '1.'\n  nope: '2.'\n", 4,
     "'nope' is not a question"),
    ("student_id: Correo\nquestions:\n  tamano-salida: '1.'\n", 1, "no column 'Correo'"),
    ("student_id: Email\nquestions:\n  tamano-salida: 1.\n", 3, "quote a title"),
    ("student_id: Dirección de correo electrónico\nquestions:\n  sobel: Pregunta 9\n", 2, "no column given"),
    ("student: Email\nquestions: {}\n", 1, "unknown field 'student'"),
])
def test_a_wrong_mapping_is_one_located_error(quiz, tmp_path, mapping, line, says):
    folder, right = quiz
    google_csv(tmp_path / "respuestas.csv", [["2024/03/05 10:15:23", "ana@uni.es", "", *[right[q] for q in TITLES]]])
    (tmp_path / "columns.yaml").write_text(mapping, encoding="utf-8")
    result = run_cli("grade", SEED_BANK, tmp_path / "respuestas.csv", "--versions", "1", "--columns",
                     tmp_path / "columns.yaml", "--out", tmp_path / "g")
    assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    if "columns.yaml" in result.stderr:
        assert f"columns.yaml:{line}:" in result.stderr


def test_a_dates_day_and_month_are_read_as_the_rest_of_its_column_shows(quiz, tmp_path):
    folder, right = quiz
    wrong = {q: "0x0" for q in TITLES}
    rows = [  # English Google Sheets: month/day (3/13 and 3/25 can only be read so)
        ["4/3/2024 9:00:00", "ana@uni.es", "", *[right[q] for q in TITLES]],       # April 3: the latest
        ["3/13/2024 8:00:00", "beto@uni.es", "", *[right[q] for q in TITLES]],
        ["3/25/2024 8:00:00", "carla@uni.es", "", *[right[q] for q in TITLES]],
        ["3/5/2024 10:15:23", "ana@uni.es", "", *[wrong[q] for q in TITLES]],      # March 5, the last row
    ]
    google_csv(tmp_path / "responses.csv", rows)
    result = run_cli("grade", SEED_BANK, tmp_path / "responses.csv", "--versions", "1", "--columns",
                     folder / "columns.yaml", "--json", "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert [(r["line"], r["reason"]) for r in summary["rejected"]] == [(5, "duplicate")]
    assert not summary["notes"] or not any("day/month" in note for note in summary["notes"])


def test_anonymous_responses_and_e_mails_in_another_case_are_not_graded_as_students_of_their_own(quiz, tmp_path):
    folder, right = quiz
    answers = [right[q] for q in TITLES]
    rows = [["2024/03/05 10:00:00", "anonymous", "", *answers], ["2024/03/05 10:01:00", "anonymous", "", *answers],
            ["2024/03/05 10:02:00", "Ana@Uni.es", "", *["1x1"] * 3], ["2024/03/05 10:03:00", "ana@uni.es", "", *answers]]
    google_csv(tmp_path / "responses.csv", rows)
    result = run_cli("grade", SEED_BANK, tmp_path / "responses.csv", "--versions", "1", "--columns",
                     folder / "columns.yaml", "--json", "--out", tmp_path / "g")
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["graded"] == 1
    assert [(r["line"], r["reason"]) for r in summary["rejected"]] == [
        (2, "missing_student_id"), (3, "missing_student_id"), (4, "duplicate")]
    assert "anonymous response" in summary["rejected"][0]["detail"]


def test_a_title_start_shared_by_several_columns_says_so(quiz, tmp_path):
    folder, right = quiz
    with open(tmp_path / "responses.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Email", "Pregunta 1: tamaño", "Pregunta 2: stride", "Pregunta 3: Sobel"],
                                      ["ana@uni.es", *[right[q] for q in TITLES]]])
    (tmp_path / "columns.yaml").write_text("student_id: Email\nquestions:\n" + questions_map(
        {"tamano-salida": "Pregunta", "no-entero": "Pregunta 2", "sobel": "Pregunta 3"}, right), encoding="utf-8")
    result = run_cli("grade", SEED_BANK, tmp_path / "responses.csv", "--versions", "1", "--columns",
                     tmp_path / "columns.yaml", "--out", tmp_path / "g")
    assert result.returncode == 2 and "'Pregunta' starts the titles of 3 columns" in result.stderr
    assert "columns.yaml:4:" in result.stderr          # the line of tamano-salida (the second question)
