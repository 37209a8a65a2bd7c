"""End to end: hand out versions, fill the response sheet as students would, run `quizgen grade`, and read
every report. Right answers come from the key; wrong ones are derived from the definition of a mistake
(or from torch), never typed in."""
import csv
import json
import re
import statistics
import subprocess
import sys

import pytest
import torch
from conftest import BANKS, PRACTICE_BANK, SEED_BANK, run_cli

STUDENTS = ["ana", "beto", "carla", "dario", "elena"]


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def torch_values(question, kernel):
    image = torch.tensor(question["params"]["image"], dtype=torch.float64)[None, None]
    out = torch.nn.functional.conv2d(image, torch.tensor(kernel, dtype=torch.float64)[None, None])
    return [[int(v) for v in row] for row in out[0, 0].tolist()]


def rows_text(matrix):
    return "; ".join(" ".join(str(v) for v in row) for row in matrix)


@pytest.fixture(scope="module")
def handed_out(tmp_path_factory):
    """The Spanish seed lab handed out to five students, one version each."""
    folder = tmp_path_factory.mktemp("course")
    (folder / "roster.csv").write_text("student_id,name\n" + "".join(f"{s},{s.title()}\n" for s in STUDENTS))
    result = run_cli("generate", SEED_BANK, "--roster", folder / "roster.csv", "--format", "json",
                     "--out", folder / "out")
    assert result.returncode == 0, result.stderr
    key = json.loads((folder / "out/key.json").read_text())
    return folder, {v["version"]: {q["id"]: q for q in v["questions"]} for v in key["versions"]}


@pytest.fixture(scope="module")
def graded(handed_out):
    """The filled-in sheet: right, partly right, diagnosable, garbled and empty answers, plus rows that
    cannot be graded."""
    folder, key = handed_out
    sheet = read_csv(folder / "out/responses.csv")
    header = [name for name in sheet[0] if name not in ("name", "fingerprint")]     # typed in by hand
    answers = {s: {} for s in STUDENTS}
    answers["ana"] = {qid: q["answer"]["text"] for qid, q in key["ana"].items()}
    sobel = key["beto"]["sobel"]
    one_off = [row[:] for row in sobel["answer"]["value"]]
    one_off[1][1] += 1
    answers["beto"] = {"sobel": str(one_off), "kernel-ceros": "<script>alert(1)</script>"}
    size = key["carla"]["tamano-salida"]["params"]
    flipped = torch_values(key["carla"]["sobel"], [row[::-1] for row in key["carla"]["sobel"]["params"]["kernel"][::-1]])
    answers["carla"] = {"sobel": rows_text(flipped),
                        "tamano-salida": "x".join(str(i - k) for i, k in zip(size["input_shape"], size["kernel_shape"]))}
    answers["dario"] = {"tamano-salida": "tres por tres", "sobel": "[[1, 2]"}
    rows = [[s, s, *(answers[s].get(qid, "") for qid in header[2:])] for s in STUDENTS]
    rows.insert(0, ["beto", "beto", *(["0"] * (len(header) - 2))])       # line 2: superseded by line 3
    rows += [["zoe", "v9", *([""] * (len(header) - 2))],                  # unknown version
             ["", "ana", "3x3", *([""] * (len(header) - 3))],             # no student id
             ["fede", "ana", "3", "3", *(["1"] * (len(header) - 2))]]     # an unquoted comma: one cell too many
    write_csv(folder / "filled.csv", header, rows)
    out = folder / "grades"
    result = run_cli("grade", SEED_BANK, folder / "filled.csv", "--roster", folder / "roster.csv", "--out", out)
    assert result.returncode == 1, result.stderr      # reports written; some rows rejected (exit 1 says so)
    return out, key, result.stdout


def test_a_roster_gets_a_blank_response_sheet_and_the_key_in_the_same_layout(handed_out):
    folder, key = handed_out
    blank = read_csv(folder / "out/responses.csv")
    filled = read_csv(folder / "out/responses-key.csv")
    # the roster's name column rides along, so whoever types the answers finds each student by name
    assert list(blank[0]) == list(filled[0]) == ["student_id", "name", "version", *key["ana"], "fingerprint"]
    assert [row["name"] for row in blank] == [s.title() for s in STUDENTS]
    fingerprint = json.loads((folder / "out/key.json").read_text())["fingerprint"]
    assert {row["fingerprint"] for row in blank + filled} == {fingerprint}
    assert [(r["student_id"], r["version"]) for r in blank] == [(s, s) for s in STUDENTS]
    assert all(value == "" for row in blank for name, value in row.items() if name in key["ana"])
    assert [row[qid] for row in filled for qid in key["ana"]] == \
        [key[s][qid]["answer"]["text"] for s in STUDENTS for qid in key["ana"]]


def by_student(path):
    return {row["student_id"]: row for row in read_csv(path)}


def test_scores_are_exact_for_right_partly_right_wrong_garbled_and_empty_answers(graded):
    out, key, _ = graded
    grades = by_student(out / "grades.csv")
    max_score = sum(q["points"] for q in key["ana"].values())
    assert set(grades) == set(STUDENTS)
    assert float(grades["ana"]["score"]) == max_score and float(grades["ana"]["percent"]) == 100
    sobel_points = key["beto"]["sobel"]["points"]
    cells = sum(len(row) for row in key["beto"]["sobel"]["answer"]["value"])
    assert float(grades["beto"]["sobel"]) == pytest.approx(sobel_points * (cells - 1) / cells, abs=1e-6)
    assert float(grades["beto"]["score"]) == pytest.approx(sobel_points * (cells - 1) / cells, abs=1e-6)
    # carla's flipped kernel still matches the right answer where the flip does not change a cell
    sobel = key["carla"]["sobel"]
    flipped = torch_values(sobel, [row[::-1] for row in sobel["params"]["kernel"][::-1]])
    same = sum(a == b for fr, rr in zip(flipped, key["carla"]["sobel"]["answer"]["value"]) for a, b in zip(fr, rr))
    assert float(grades["carla"]["score"]) == pytest.approx(sobel_points * same / cells, abs=1e-6)
    for student in ("dario", "elena"):
        assert float(grades[student]["score"]) == 0
        assert float(grades[student]["max_score"]) == max_score


def test_verdicts_and_diagnoses_per_answer(graded):
    out, _, _ = graded
    answers = {(r["student_id"], r["question"]): r for r in read_csv(out / "answers.csv")}
    assert answers["beto", "sobel"]["status"] == "partial"
    assert answers["carla", "sobel"]["mistakes"] == "flipped_kernel"
    assert answers["carla", "tamano-salida"]["mistakes"] == "forgot_plus_one"
    assert answers["dario", "tamano-salida"]["status"] == "malformed"
    assert answers["dario", "tamano-salida"]["format_problem"] == "not_a_number"
    assert answers["dario", "sobel"]["format_problem"] == "unbalanced"
    assert {r["status"] for k, r in answers.items() if k[0] == "elena"} == {"blank"}


def test_every_row_is_graded_or_rejected_with_its_reason(graded):
    out, _, stdout = graded
    rejected = {int(r["line"]): r for r in read_csv(out / "rejected.csv")}
    assert rejected[2]["reason"] == "duplicate" and "line 4" in rejected[2]["detail"]
    assert rejected[8]["reason"] == "unknown_student" and rejected[8]["student_id"] == "zoe"
    assert rejected[9]["reason"] == "missing_student_id"
    assert rejected[10]["reason"] == "malformed_row" and "double quotes" in rejected[10]["detail"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rows"] == summary["graded"] + len(summary["rejected"]) == 9
    assert "9 rows: 5 graded, 4 rejected" in stdout
    assert "rejected line 8 (zoe): unknown_student: student 'zoe' is not in the roster" in stdout


def test_spanish_feedback_names_the_mistake_and_shows_the_worked_solution(graded):
    out, key, _ = graded
    feedback = (out / "feedback/carla.md").read_text()
    assert "olvidó el +1" in feedback and "volteó el kernel" in feedback
    for step in key["carla"]["tamano-salida"]["steps"]:
        assert step["text"] in feedback
    garbled = (out / "feedback/dario.html").read_text()
    assert "Error de formato" in garbled and "alto × ancho" in garbled


def test_typed_html_is_escaped_in_the_feedback(graded):
    out, _, _ = graded
    html = (out / "feedback/beto.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "`<script>alert(1)</script>`" in (out / "feedback/beto.md").read_text()


def test_student_text_cannot_script_the_feedback_even_inside_a_format_error(handed_out, tmp_path):
    folder, key = handed_out
    answers = {"tamano-salida": "1x<script>alert(1)</script>", "sobel": "2x2\r# heading\r\r<img src=x onerror=alert(1)>"}
    write_csv(tmp_path / "subs.csv", ["student_id", "version", *answers], [["ana", "ana", *answers.values()]])
    result = run_cli("grade", "--key", folder / "out/key.json", tmp_path / "subs.csv", "--out", tmp_path / "g")
    assert result.returncode == 1, result.stderr        # the other questions have no column: exit 1 says so
    html = (tmp_path / "g/feedback/ana.html").read_text()
    assert "<script>" not in html and "<img src=x" not in html and "&lt;img src=x" in html
    assert "«&lt;script&gt;alert(1)&lt;/script&gt;» no es un número" in html   # escaped once, shown as typed
    markdown = (tmp_path / "g/feedback/ana.md").read_text()
    assert "\r" not in markdown and "\n# heading" not in markdown


def test_html_feedback_shows_each_animation_from_one_shared_file(graded):
    out, _, _ = graded
    pages = sorted((out / "feedback").glob("*.html"))
    sources = [re.findall(r'<img src="(pictures/[0-9a-f]+\.svg)" alt="([^"]+)"', page.read_text()) for page in pages]
    assert all(sources) and all(alt for page in sources for _, alt in page)
    shared = {src for page in sources for src, _ in page}
    assert len(shared) < sum(len(page) for page in sources)          # students of one version share them
    assert {f"pictures/{p.name}" for p in (out / "feedback/pictures").iterdir()} == shared
    for src in shared:
        assert (out / "feedback" / src).read_text().startswith("<svg") and "animateTransform" in (out / "feedback" / src).read_text()


def test_regrading_into_the_same_folder_leaves_no_feedback_of_the_earlier_run(tmp_path):
    assert run_cli("generate", SEED_BANK, "--versions", "3", "--format", "json", "--out", tmp_path / "k").returncode == 0
    long_id = "x" * 300
    write_csv(tmp_path / "first.csv", ["student_id", "version", "tamano-salida"],
              [["ana", "v1", "3x3"], ["beto", "v2", "3x3"], [long_id, "v3", "3x3"]])
    write_csv(tmp_path / "second.csv", ["student_id", "version", "tamano-salida"], [["ana", "v1", "3x3"]])
    for sheet in ("first", "second"):
        result = run_cli("grade", "--key", tmp_path / "k/key.json", tmp_path / f"{sheet}.csv", "--out", tmp_path / "g")
        assert result.returncode == 1, result.stderr    # one question column: the others graded as no answer
        if sheet == "first":
            assert len(list((tmp_path / "g/feedback").glob("x*.md"))) == 1   # a 300-character id gets a short name
    assert sorted(p.name for p in (tmp_path / "g/feedback").iterdir()) == ["ana.html", "ana.md", "pictures"]
    shown = set(re.findall(r'src="pictures/([^"]+)"', (tmp_path / "g/feedback/ana.html").read_text()))
    assert {p.name for p in (tmp_path / "g/feedback/pictures").iterdir()} == shown     # only ana's, this run's


def test_gradebooks_for_moodle_and_canvas(graded):
    out, key, _ = graded
    moodle = list(csv.reader((out / "gradebook-moodle.csv").read_text(encoding="utf-8").splitlines()))
    assert moodle[0][0] == "ID number" and moodle[0][2] == "Feedback"
    assert {row[0] for row in moodle[1:]} == set(STUDENTS)
    assert "olvidó el +1" in next(row[2] for row in moodle if row[0] == "carla")
    canvas = list(csv.reader((out / "gradebook-canvas.csv").read_text(encoding="utf-8").splitlines()))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[1][0] == "Points Possible"
    assert float(canvas[1][5]) == sum(q["points"] for q in key["ana"].values())
    assert {row[2] for row in canvas[2:]} == set(STUDENTS)


def test_item_statistics_count_verdicts_and_measure_difficulty_and_discrimination(graded):
    out, key, _ = graded
    stats = {s["question"]: s for s in json.loads((out / "item-stats.json").read_text())}
    grades = by_student(out / "grades.csv")
    size = stats["tamano-salida"]
    assert (size["count"], size["correct"], size["wrong"], size["malformed"], size["blank"]) == (5, 1, 1, 1, 2)
    assert size["difficulty"] == pytest.approx(1 / 5)
    credits = [float(grades[s]["tamano-salida"]) for s in STUDENTS]
    rest = [float(grades[s]["score"]) - c for s, c in zip(STUDENTS, credits)]
    assert size["discrimination"] == pytest.approx(statistics.correlation(credits, rest), abs=1e-4)
    assert {"code": "forgot_plus_one", "count": 1} in size["mistakes"]
    with open(out / "item-stats.csv", encoding="utf-8") as handle:
        assert [row["question"] for row in csv.DictReader(handle)] == list(key["ana"])


def test_the_key_sheet_grades_full_marks_and_json_submissions_grade_like_csv(handed_out, tmp_path):
    folder, key = handed_out
    result = run_cli("grade", "--key", folder / "out/key.json", folder / "out/responses-key.csv", "--out", tmp_path / "k")
    assert result.returncode == 0, result.stderr
    assert {row["percent"] for row in read_csv(tmp_path / "k/grades.csv")} == {"100"}
    submissions = [{"student_id": s, "version": s, "answers": {qid: q["answer"]["text"] for qid, q in key[s].items()}}
                   for s in STUDENTS]
    (tmp_path / "subs.json").write_text(json.dumps(submissions, indent=2))
    result = run_cli("grade", "--key", folder / "out/key.json", tmp_path / "subs.json", "--out", tmp_path / "j")
    assert result.returncode == 0, result.stderr
    assert {row["percent"] for row in read_csv(tmp_path / "j/grades.csv")} == {"100"}


def test_grading_against_a_saved_key_never_imports_torch(handed_out, tmp_path):
    folder, _ = handed_out
    argv = ["grade", "--key", str(folder / "out/key.json"), str(folder / "out/responses-key.csv"),
            "--out", str(tmp_path / "g")]
    code = (f"import sys\nfrom quizgen.cli import main\nassert main({argv!r}) == 0\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_english_feedback_from_a_regenerated_key(tmp_path):
    assert run_cli("generate", PRACTICE_BANK, "--versions", "2", "--seed", "5", "--format", "json,sheet",
                   "--out", tmp_path / "k").returncode == 0
    key = json.loads((tmp_path / "k/key.json").read_text())
    question = next(q for q in key["versions"][1]["questions"] if q["id"] == "size-valid")
    wrong = "x".join(str(i - k) for i, k in zip(question["params"]["input_shape"], question["params"]["kernel_shape"]))
    write_csv(tmp_path / "filled.csv", ["student_id", "version", "size-valid"], [["s1", "v2", wrong]])
    result = run_cli("grade", PRACTICE_BANK, tmp_path / "filled.csv", "--seed", "5", "--versions", "2",
                     "--out", tmp_path / "g")
    assert result.returncode == 1, result.stderr        # one question column: the others graded as no answer
    feedback = (tmp_path / "g/feedback/s1.md").read_text()
    assert "forgot the +1" in feedback and "Worked solution" in feedback and question["answer"]["text"] in feedback


def test_a_key_file_that_is_not_a_quizgen_key_and_a_missing_argument_are_one_line_errors(tmp_path):
    (tmp_path / "key.json").write_text('{"format": "something-else", "versions": []}')
    (tmp_path / "subs.csv").write_text("student_id,version,size\nana,v1,3x3\n")
    result = run_cli("grade", "--key", tmp_path / "key.json", tmp_path / "subs.csv", "--out", tmp_path / "out")
    assert result.returncode == 2 and "not a quizgen key" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("grade", tmp_path / "subs.csv")
    assert result.returncode == 2 and "grade needs BANK SUBMISSIONS" in result.stderr


@pytest.mark.parametrize("name, content, line, says", [
    ("missing.csv", None, None, "no such file"),
    ("grades.xlsx", b"PK\x03\x04\x00\x00binary", None, "not a readable spreadsheet"),
    ("noheader.csv", "ana,v1,3x3\n", 1, "no student id column"),
    ("noquestion.csv", "student_id,version,q99\nana,v1,3x3\n", 1, "names no question"),
    ("broken.json", '[\n  {"student_id": "ana",\n   "answers": {]\n]', 3, "JSON syntax error"),
    ("object.json", '{"student_id": "ana"}', 1, "is a list"),
])
def test_a_file_that_is_not_a_submission_file_is_one_located_error(tmp_path, name, content, line, says):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    result = run_cli("grade", SEED_BANK, path, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"quizgen: error: {path}" + (f":{line}:" if line else ":"))
    assert says in result.stderr
    assert not (tmp_path / "out").exists()


def test_sequence_answers_are_graded_per_position_with_their_mistakes_named(tmp_path):
    """conv1d: a sequence typed in any of the documented spellings, one position wrong (partial credit), the
    kernel not reversed (the mistake named, values from torch), a wrong length, garbled and 2-D answers."""
    bank = BANKS / "sequences.en.yaml"
    assert run_cli("generate", bank, "--versions", "3", "--format", "json,sheet", "--out", tmp_path / "out"
                   ).returncode == 0
    key = {v["version"]: {q["id"]: q for q in v["questions"]}
           for v in json.loads((tmp_path / "out/key.json").read_text())["versions"]}
    one = key["v1"]["values"]["answer"]["value"]
    values = key["v2"]["values"]["answer"]["value"]
    flipped = key["v2"]["flipped"]["params"]
    not_reversed = torch.nn.functional.conv1d(torch.tensor([[flipped["image"]]], dtype=torch.float64),
                                              torch.tensor([[flipped["kernel"]]], dtype=torch.float64))
    answers = {"v1": {"values": " ".join(map(str, one)), "flipped": str(key["v1"]["flipped"]["answer"]["value"][:-1]),
                      "same": key["v1"]["same"]["answer"]["text"].replace(",", ", ")},
               "v2": {"values": str([v + (i == 0) for i, v in enumerate(values)]),
                      "flipped": str([int(v) for v in not_reversed[0, 0].tolist()])},
               "v3": {"values": "[1, 2", "flipped": "1 2; 3 4",
                      "same": str(key["v3"]["values"]["answer"]["value"][:-1])}}
    sheet = read_csv(tmp_path / "out/responses.csv")
    header = list(sheet[0])
    rows = [[f"s{n}", row["version"], *(answers[row["version"]].get(q, "") for q in header[2:-1]), row["fingerprint"]]
            for n, row in enumerate(sheet)]
    write_csv(tmp_path / "filled.csv", header, rows)
    result = run_cli("grade", bank, tmp_path / "filled.csv", "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    rows_of = {(r["student_id"], r["question"]): r for r in read_csv(tmp_path / "g/answers.csv")}
    assert rows_of["s0", "values"]["status"] == "correct" and rows_of["s0", "same"]["status"] == "correct"
    points = key["v2"]["values"]["points"]
    assert rows_of["s1", "values"]["status"] == "partial"
    assert float(rows_of["s1", "values"]["score"]) == pytest.approx(points * (len(values) - 1) / len(values))
    if not_reversed[0, 0].tolist() != key["v2"]["flipped"]["answer"]["value"]:
        assert rows_of["s1", "flipped"]["mistakes"] == "not_flipped"
    assert rows_of["s2", "values"]["status"] == rows_of["s2", "flipped"]["status"] == "malformed"
    assert rows_of["s2", "flipped"]["format_problem"] == "not_a_sequence"
    assert rows_of["s2", "same"]["status"] in ("malformed", "wrong")
    short = rows_of["s0", "flipped"]
    assert short["status"] == "wrong" and float(short["score"]) == 0, short
    assert f"length {len(key['v1']['flipped']['answer']['value'])}" in (tmp_path / "g/feedback/s0.html").read_text()
