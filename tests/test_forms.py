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
        "questions:\n" + "".join(f"  {qid}: \"{title}\"\n" for qid, title in TITLES.items()), encoding="utf-8")
    return folder, right


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
    assert "submitted again at 2024-03-05 09:15:23 (line 2)" in summary["rejected"][0]["detail"]
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
    (tmp_path / "columns.yaml").write_text("student_id: Email\nquestions:\n" + "".join(
        f"  {qid}: {title[:12]!r}\n" for qid, title in TITLES.items()), encoding="utf-8")   # a title's start is enough
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
    ("student_id: Dirección de correo electrónico\nquestions:\n  sobel: Pregunta 9\n", 3, "no column 'Pregunta 9'"),
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
