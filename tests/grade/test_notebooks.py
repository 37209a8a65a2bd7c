"""Grading lab notebooks: filled as students fill them, downloaded as an LMS zips them (nested folders, any
names, a broken file, a copy moved to another student), graded to exact scores computed from the key, every
file accounted for, nothing a student wrote ever run, and graded copies returned valid."""
import csv
import io
import json
import os
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import SEED_BANK, run_cli

from quizgen.grade.notebooks import answer_of, safe_relative

STUDENTS = ["ana@uni.es", "José Pérez", "00123", "li"]


# --- reading an answer cell as text -----------------------------------------------------------------------

@pytest.mark.parametrize("source, outputs, expected", [
    ("respuesta_2 = None", None, None),
    ("# Pregunta 2: escriba su respuesta\nrespuesta_2 = None\n", None, None),
    ("", None, None),
    ("# only a comment", None, None),
    ("respuesta_2 = ...", None, None),
    ("(3, 3)", None, "(3, 3)"),
    ("respuesta = (3, 3)", None, "(3, 3)"),
    ("respuesta_2: tuple = (3, 3)", None, "(3, 3)"),
    ("torch.Size([3, 3])", None, "torch.Size([3, 3])"),
    ("respuesta_1 = tensor([[-4., 0., 4.],\n        [-4., 0., 4.]])", None,
     "tensor([[-4., 0., 4.],\n        [-4., 0., 4.]])"),
    ('respuesta_3 = "b"', None, "b"),
    ("respuesta_3 = b", None, "b"),
    ("respuesta_2 = 3x3", None, "3x3"),
    ("3x3", None, "3x3"),
    ("respuesta_2 = '3 x 3'", None, "3 x 3"),
    ("respuesta_5 = -1.5", None, "-1.5"),
    ("respuesta_5 = 8/3", None, "8/3"),
    # the placeholder's variable wins over other lines of the cell
    ("respuesta_2 = (3, 3)\nprint(respuesta_2)", None, "(3, 3)"),
    # code that computes the answer: the output the notebook saved, else the code itself (unreadable)
    ("layer(x).shape", [{"output_type": "execute_result", "data": {"text/plain": "torch.Size([1, 1, 3, 3])"},
                         "execution_count": 3, "metadata": {}}], "torch.Size([1, 1, 3, 3])"),
    ("print(layer(x).shape)", [{"output_type": "stream", "name": "stdout", "text": ["torch.Size([3, 3])\n"]}],
     "torch.Size([3, 3])"),
    ("layer(x).shape", None, "layer(x).shape"),
    ("import os\nos.remove('precious.txt')", None, "os.remove('precious.txt')"),
    (["respuesta_2 = (", "3, 3)"], None, "(3, 3)"),         # the source as a list of lines
    ("import os\nrespuesta_2 = 21x21", None, "21x21"),      # not Python: the placeholder's line on
    ("with torch.no_grad():\n    print(layer(x).shape[-2:])",
     [{"output_type": "stream", "name": "stdout", "text": "torch.Size([21, 21])\n"}], "torch.Size([21, 21])"),
    ("respuesta_2 = None\n(3, 3)", None, "(3, 3)"),        # the placeholder left, the answer below it
    ("respuesta_2 = 3x3  # alto x ancho", None, "3x3"),     # a comment at the end of a line that is not Python
    ("respuesta_2 = '\ud800'", None, "\ufffd"),            # a lone surrogate (JSON allows it): no crash later
    ("y = layer(x)\ny", [{"output_type": "execute_result", "data": {"text/plain": "tensor([[1.]])"},
                          "execution_count": 1, "metadata": {}}], "tensor([[1.]])"),   # a name shows its value
    ("layer(x)", 5, "layer(x)"),                              # outputs that are not a list: none
    ("respuesta_2 = None\nrespuesta_3 = (17, 17)", None, None),    # another question's answer is not this one's
    ("respuesta_2 = (" + "1, " * 200_000 + ")", None, ("respuesta_2 = (" + "1, " * 200_000)[:100_000]),  # too long
])
def test_an_answer_cell_is_read_as_text(source, outputs, expected):
    names = ("respuesta_2", "answer_2")
    assert answer_of(source, outputs, names) == expected


@pytest.mark.parametrize("name, safe", [
    ("../../etc/passwd", "etc/passwd"), ("/abs/x.ipynb", "abs/x.ipynb"), ("C:\\Users\\a\\x.ipynb", "Users/a/x.ipynb"),
    ("Ana_1_assignsubmission_file_/lab.ipynb", "Ana_1_assignsubmission_file_/lab.ipynb"), ("..", "notebook.ipynb"),
])
def test_graded_copies_never_leave_the_output_folder(name, safe):
    assert safe_relative(name).as_posix() == safe


# --- a course ---------------------------------------------------------------------------------------------

def cells_of(nb):
    return {c.metadata.quizgen.question: c for c in nb.cells
            if c.cell_type == "code" and "role" not in c.metadata.get("quizgen", {"role": 1})}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The seed lab handed out as notebooks to a roster, and its key."""
    folder = tmp_path_factory.mktemp("lab")
    (folder / "roster.csv").write_text("student_id,name\n" + "".join(f"{s},{s}\n" for s in STUDENTS),
                                       encoding="utf-8")
    result = run_cli("generate", SEED_BANK, "--roster", folder / "roster.csv", "--format", "ipynb",
                     "--out", folder / "out")
    assert result.returncode == 0, result.stderr
    key = json.loads((folder / "out/key.json").read_text(encoding="utf-8"))
    handed = {}
    for path in (folder / "out/handout").rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        handed[nb.metadata.quizgen.student_id] = nb
    return folder, {v["version"]: v for v in key["versions"]}, handed


def filled(nb, answers: dict):
    """A copy of a handed-out notebook with these answer cells' sources."""
    copy = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    cells = cells_of(copy)
    for question, source in answers.items():
        cells[question].source = source
    return copy


def points_of(version: dict, questions) -> float:
    return sum(q["points"] for q in version["questions"] if q["id"] in questions)


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_a_zip_of_notebooks_is_graded_to_exact_scores_every_file_accounted_for(course, tmp_path):
    folder, key, handed = course
    ana, jose, numbered, li = (key[s] for s in STUDENTS)
    right = {q["id"]: f"respuesta_{q['number']} = {q['answer']['text']!r}" for q in ana["questions"]}
    half = [q["id"] for q in jose["questions"]][::2]
    jose_answers = {q["id"]: f"respuesta_{q['number']} = {q['answer']['text']!r}" for q in jose["questions"]
                    if q["id"] in half}
    # li moved ana's notebook to their own name (the metadata edited): detected
    tampered = filled(handed["ana@uni.es"], right)
    tampered.metadata.quizgen.student_id = "li"
    tampered.metadata.quizgen.version = "li"
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("Ana Ruiz_101_assignsubmission_file_/Copy of lab.ipynb",
                   nbformat.writes(filled(handed["ana@uni.es"], right)))
        z.writestr("José Pérez_102_assignsubmission_file_/deep/er/lab-José.ipynb",
                   nbformat.writes(filled(handed["José Pérez"], jose_answers)))
        z.writestr("00123_103_assignsubmission_file_/lab.ipynb", nbformat.writes(handed["00123"]))   # untouched
        z.writestr("Li_104_assignsubmission_file_/lab.ipynb", nbformat.writes(tampered))
        z.writestr("Li_104_assignsubmission_file_/broken.ipynb", nbformat.writes(handed["li"])[:500])
        z.writestr("Li_104_assignsubmission_file_/notes.txt", "my notes")
        z.writestr("__MACOSX/Li_104_assignsubmission_file_/._lab.ipynb", b"\x00\x05\x16\x07")
    result = run_cli("grade", SEED_BANK, archive, "--roster", folder / "roster.csv", "--json",
                     "--out", tmp_path / "grades")
    assert result.returncode == 1, result.stderr            # graded, with files rejected
    summary = json.loads(result.stdout)
    assert summary["rows"] == 6 and summary["graded"] == 3 and len(summary["rejected"]) == 3
    reasons = {r["file"]: r["reason"] for r in summary["rejected"]}
    assert reasons == {"Li_104_assignsubmission_file_/lab.ipynb": "bad_signature",
                       "Li_104_assignsubmission_file_/broken.ipynb": "not_a_notebook",
                       "Li_104_assignsubmission_file_/notes.txt": "not_a_notebook"}
    assert any("__MACOSX" in note for note in summary["notes"])
    assert summary["missing_students"] == ["li"]
    grades = {row["student_id"]: row for row in read_csv(tmp_path / "grades/grades.csv")}
    assert float(grades["ana@uni.es"]["score"]) == ana["max_score"]
    assert float(grades["José Pérez"]["score"]) == points_of(jose, half)
    assert float(grades["00123"]["score"]) == 0
    assert summary["blank_answers"] == len(numbered["questions"]) + len(jose["questions"]) - len(half)
    answers = read_csv(tmp_path / "grades/answers.csv")
    assert {row["file"] for row in answers} == {"Ana Ruiz_101_assignsubmission_file_/Copy of lab.ipynb",
                                                "José Pérez_102_assignsubmission_file_/deep/er/lab-José.ipynb",
                                                "00123_103_assignsubmission_file_/lab.ipynb"}
    rejected = read_csv(tmp_path / "grades/rejected.csv")
    assert list(rejected[0]) == ["file", "student_id", "version", "reason", "detail"]
    gradebook = read_csv(tmp_path / "grades/gradebook-moodle.csv")
    assert {row["ID number"] for row in gradebook} == {"ana@uni.es", "José Pérez", "00123"}


def test_code_in_an_answer_cell_is_never_run(course, tmp_path):
    folder, key, handed = course
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    first, second = key["li"]["questions"][:2]
    code = f"import os\nos.remove({str(precious)!r})\nrespuesta_{second['number']} = {second['answer']['text']!r}"
    nb = filled(handed["li"], {first["id"]: f"import os\nos.remove({str(precious)!r})", second["id"]: code})
    (tmp_path / "in").mkdir()
    nbformat.write(nb, tmp_path / "in/lab.ipynb")
    result = run_cli("grade", SEED_BANK, tmp_path / "in", "--roster", folder / "roster.csv", "--json",
                     "--out", tmp_path / "grades")
    assert result.returncode == 0, result.stderr
    assert precious.read_text() == "keep me"
    rows = {r["question"]: r for r in read_csv(tmp_path / "grades/answers.csv")}
    assert rows[first["id"]]["status"] == "malformed"
    assert rows[first["id"]]["answer"] == f"os.remove({str(precious)!r})"
    assert rows[second["id"]]["status"] == "correct"     # the placeholder's assignment, read as text


def test_two_notebooks_of_one_student_are_handled_like_duplicate_rows(course, tmp_path):
    folder, key, handed = course
    ana = key["ana@uni.es"]
    right = {q["id"]: f"respuesta_{q['number']} = {q['answer']['text']!r}" for q in ana["questions"]}
    (tmp_path / "in/a").mkdir(parents=True)
    older, newer = tmp_path / "in/a/lab.ipynb", tmp_path / "in/a/lab (1).ipynb"
    nbformat.write(filled(handed["ana@uni.es"], right), older)
    nbformat.write(handed["ana@uni.es"], newer)        # handed in again, empty: the answers count
    os.utime(older, (1_700_000_000, 1_700_000_000))
    result = run_cli("grade", SEED_BANK, tmp_path / "in", "--roster", folder / "roster.csv", "--json",
                     "--out", tmp_path / "grades")
    summary = json.loads(result.stdout)
    assert [(r["file"], r["reason"]) for r in summary["rejected"]] == [("a/lab (1).ipynb", "duplicate")]
    assert summary["mean_score"] == ana["max_score"]


def test_notebooks_whose_metadata_an_editor_dropped_are_still_read(course, tmp_path):
    """Some editors keep neither the notebook's nor the cells' metadata: the title cell's signed comment and
    the placeholders' variables are enough."""
    folder, key, handed = course
    version = key["José Pérez"]
    second = version["questions"][1]
    nb = filled(handed["José Pérez"], {second["id"]: f"respuesta_{second['number']} = {second['answer']['text']!r}"})
    nb.metadata = {"kernelspec": nb.metadata.kernelspec}
    for cell in nb.cells:
        cell.metadata = {}
    (tmp_path / "in").mkdir()
    nbformat.write(nb, tmp_path / "in/lab.ipynb")
    result = run_cli("grade", SEED_BANK, tmp_path / "in", "--roster", folder / "roster.csv", "--json",
                     "--out", tmp_path / "grades")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["mean_score"] == second["points"]


def test_signatures_are_checked_with_the_key_json_on_another_machine(course, tmp_path):
    folder, key, handed = course
    (tmp_path / "in").mkdir()
    nbformat.write(handed["li"], tmp_path / "in/lab.ipynb")
    elsewhere = {**os.environ, "QUIZGEN_CONFIG": str(tmp_path / "another-machine")}
    result = run_cli("grade", "--key", folder / "out/key.json", tmp_path / "in", "--json", "--out", tmp_path / "g",
                     env=elsewhere)
    assert result.returncode == 0, result.stderr
    # with the bank alone, that machine has no key to check them with: said, nothing graded
    result = run_cli("grade", SEED_BANK, tmp_path / "in", "--roster", folder / "roster.csv", "--out",
                     tmp_path / "g2", env=elsewhere)
    assert result.returncode == 2 and "--key" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "g2").exists()
    # another instructor's key: every notebook refused, naming the key
    other = {**os.environ, "QUIZGEN_SIGNING_KEY": "12" * 32}
    result = run_cli("grade", SEED_BANK, tmp_path / "in", "--roster", folder / "roster.csv", "--out",
                     tmp_path / "g3", env=other)
    assert result.returncode == 2 and "bad_signature" in result.stderr and "signing key" in result.stderr


def test_graded_copies_carry_feedback_and_stay_valid(course, tmp_path):
    folder, key, handed = course
    version = key["00123"]
    first, second = version["questions"][:2]
    wrong = {first["id"]: "respuesta_1 = [[0]]", second["id"]: f"respuesta_2 = {second['answer']['text']!r}"}
    nb = filled(handed["00123"], wrong)
    del nb.cells[[c.metadata.get("quizgen", {}).get("question") for c in nb.cells].index(version["questions"][2]["id"])
                 + 1]                                            # the third answer cell, deleted
    (tmp_path / "in/sub").mkdir(parents=True)
    nbformat.write(nb, tmp_path / "in/sub/mine.ipynb")
    result = run_cli("grade", SEED_BANK, tmp_path / "in", "--roster", folder / "roster.csv", "--return-notebooks",
                     "--json", "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    copy = tmp_path / "g/returned/sub/mine.ipynb"
    back = nbformat.read(copy, as_version=4)
    nbformat.validate(back)
    feedback = [c for c in back.cells if "feedback" in c.metadata.get("quizgen", {})]
    assert [c.metadata.quizgen.feedback for c in feedback] == [q["id"] for q in version["questions"]]
    for cell in feedback:                      # each right after its answer cell (or its question's, if deleted)
        before = back.cells[back.cells.index(cell) - 1]
        assert before.metadata.get("quizgen", {}).get("question") == cell.metadata.quizgen.feedback
    assert second["answer"]["text"] in feedback[1].source
    assert "no se encontró la celda de respuesta" in feedback[2].source.lower()
    graded = next(c for c in back.cells if c.metadata.get("quizgen", {}).get("graded"))
    assert f"{second['points']:g} / {version['max_score']:g}" in graded.source
    with zipfile.ZipFile(tmp_path / "g/returned.zip") as z:
        assert z.namelist() == ["sub/mine.ipynb"] and z.read("sub/mine.ipynb") == copy.read_bytes()
    # a graded copy handed in again grades the same, and its old feedback is replaced, not stacked
    result = run_cli("grade", SEED_BANK, tmp_path / "g/returned", "--roster", folder / "roster.csv", "--json",
                     "--return-notebooks", "--out", tmp_path / "g2")
    assert json.loads(result.stdout)["mean_score"] == second["points"]
    again = nbformat.read(tmp_path / "g2/returned/sub/mine.ipynb", as_version=4)
    nbformat.validate(again)
    assert [c.source for c in again.cells] == [c.source for c in back.cells]


def test_versions_notebooks_take_the_student_from_the_id_cell(tmp_path):
    result = run_cli("generate", SEED_BANK, "--versions", 2, "--format", "ipynb", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    key = json.loads((tmp_path / "out/key.json").read_text(encoding="utf-8"))
    (tmp_path / "in").mkdir()
    for n, version in enumerate(key["versions"], 1):
        nb = nbformat.read(tmp_path / f"out/handout/v{n}/lab-v{n}.ipynb", as_version=4)
        idcell = next(c for c in nb.cells if c.metadata.get("quizgen", {}).get("role") == "student_id")
        nbformat.write(nb, tmp_path / f"in/untouched-{n}.ipynb")
        idcell.source = f'id_estudiante = "A0{n}"' if n == 1 else 'id_estudiante = ""'
        q = version["questions"][0]
        cells_of(nb)[q["id"]].source = f"respuesta_1 = {q['answer']['text']}"
        nbformat.write(nb, tmp_path / f"in/{n}.ipynb")
    result = run_cli("grade", SEED_BANK, tmp_path / "in", "--json", "--out", tmp_path / "g")
    summary = json.loads(result.stdout)
    assert result.returncode == 1
    assert [(r["file"], r["reason"]) for r in summary["rejected"]] == [
        ("2.ipynb", "missing_student_id"), ("untouched-1.ipynb", "missing_student_id"),
        ("untouched-2.ipynb", "missing_student_id")]
    assert summary["rows"] == 4 and summary["unused"] == 0
    assert "id cell" in summary["rejected"][0]["detail"]
    grades = read_csv(tmp_path / "g/grades.csv")
    assert [(g["student_id"], g["version"], float(g["score"])) for g in grades] == \
        [("A01", "v1", key["versions"][0]["questions"][0]["points"])]


def test_return_notebooks_needs_notebooks(course, tmp_path):
    folder, _, _ = course
    (tmp_path / "s.csv").write_text("student_id,sobel\nli,1\n")
    result = run_cli("grade", SEED_BANK, tmp_path / "s.csv", "--roster", folder / "roster.csv", "--return-notebooks",
                     "--out", tmp_path / "g")
    assert result.returncode == 2 and "--return-notebooks" in result.stderr


def test_an_empty_or_unreadable_zip_is_a_clear_error(tmp_path):
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 not really")
    result = run_cli("grade", SEED_BANK, tmp_path / "bad.zip", "--versions", 2, "--out", tmp_path / "g")
    assert result.returncode == 2 and "bad.zip" in result.stderr and "zip" in result.stderr
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("__MACOSX/._a", b"")
    (tmp_path / "empty.zip").write_bytes(buffer.getvalue())
    result = run_cli("grade", SEED_BANK, tmp_path / "empty.zip", "--versions", 2, "--out", tmp_path / "g")
    assert result.returncode == 2 and "no files to grade" in result.stderr
    assert not Path(tmp_path / "g").exists()


def test_what_torch_prints_in_a_lab_is_read_as_the_answer(course, tmp_path):
    """A student of a torch lab answers with what the layer printed: its shape with batch and channel (typed
    in), its output with grad_fn (the output Jupyter saved under ``layer(x)``). Made with torch here from each
    question's own data, graded right."""
    import torch

    folder, key, handed = course
    version = key["li"]
    nb = filled(handed["li"], {})
    cells, asked = cells_of(nb), {}
    for q in version["questions"]:
        p = q["params"]
        if q["type"] not in ("conv_values", "output_size") or isinstance(p["padding"], str):
            continue
        layer = torch.nn.Conv2d(1, 1, p["kernel_shape"], stride=p["stride"], padding=p["padding"],
                                dilation=p["dilation"], bias=False)
        if "kernel" in p:
            with torch.no_grad():
                layer.weight.copy_(torch.tensor(p["kernel"], dtype=torch.float32))
        x = torch.tensor(p["image"], dtype=torch.float32) if "image" in p else torch.zeros(p["input_shape"])
        out = layer(x[None, None])
        if q["type"] == "output_size":
            cells[q["id"]].source = f"respuesta_{q['number']} = {out.shape!r}"
        else:
            assert "grad_fn" in repr(out)
            cells[q["id"]].source = "layer(x)"
            cells[q["id"]].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": repr(out)},
                                                             execution_count=1)]
        asked[q["id"]] = q["type"]
    assert set(asked.values()) == {"conv_values", "output_size"}
    (tmp_path / "in").mkdir()
    nbformat.write(nb, tmp_path / "in/lab.ipynb")
    result = run_cli("grade", SEED_BANK, tmp_path / "in", "--roster", folder / "roster.csv", "--json",
                     "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    rows = {r["question"]: r for r in read_csv(tmp_path / "g/answers.csv")}
    assert {q: rows[q]["status"] for q in asked} == {q: "correct" for q in asked}
    assert json.loads(result.stdout)["mean_score"] == points_of(version, asked)


def test_zip_names_in_utf8_without_the_utf8_flag_keep_their_accents(course, tmp_path):
    """macOS's Archive Utility writes names in UTF-8 without saying so: read as UTF-8, not as code page 437."""
    folder, key, handed = course
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("JosXX Perez_1_assignsubmission_file_/lab.ipynb", nbformat.writes(handed["José Pérez"]))
    raw = buffer.getvalue().replace(b"JosXX", "José".encode("utf-8"))
    (tmp_path / "mac.zip").write_bytes(raw)
    with zipfile.ZipFile(tmp_path / "mac.zip") as z:
        assert not z.infolist()[0].flag_bits & 0x800
    result = run_cli("grade", SEED_BANK, tmp_path / "mac.zip", "--roster", folder / "roster.csv",
                     "--return-notebooks", "--json", "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "g/returned/José Perez_1_assignsubmission_file_/lab.ipynb").is_file()
    assert read_csv(tmp_path / "g/answers.csv")[0]["file"] == "José Perez_1_assignsubmission_file_/lab.ipynb"


def test_a_scratch_cell_after_the_answer_cell_does_not_replace_the_answer(course, tmp_path):
    folder, key, handed = course
    q = key["li"]["questions"][1]
    nb = filled(handed["li"], {q["id"]: f"respuesta_{q['number']} = {q['answer']['text']!r}"})
    nb.cells.append(nbformat.v4.new_code_cell(f"respuesta_{q['number']} = tuple(respuesta_{q['number']})"))
    (tmp_path / "in").mkdir()
    nbformat.write(nb, tmp_path / "in/lab.ipynb")
    result = run_cli("grade", SEED_BANK, tmp_path / "in", "--roster", folder / "roster.csv", "--json",
                     "--out", tmp_path / "g")
    assert json.loads(result.stdout)["mean_score"] == q["points"]


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_hostile_notebooks_are_rejected_or_graded_never_crash(course, tmp_path):
    """Each file is accounted for, whatever it holds; the run ends with exit 1 (files rejected), not 70."""
    folder, key, handed = course
    li = nbformat.writes(handed["li"])
    cases = {}
    bad_signature = json.loads(li)
    bad_signature["metadata"]["quizgen"]["signature"] = "é" * 64
    cases["signature-not-ascii.ipynb"] = (json.dumps(bad_signature), "bad_signature")
    no_metadata = json.loads(li)
    no_metadata["metadata"] = []
    no_metadata["cells"][0]["source"] = "<!-- quizgen-notebook: " + "{" * 20000
    cases["comment-of-braces.ipynb"] = (json.dumps(no_metadata), "no_quizgen_metadata")
    many = json.loads(li)
    many["cells"] += [{"cell_type": "code", "metadata": {"quizgen": {"question": "sobel"}}, "source": "\n" * 50,
                       "outputs": [], "execution_count": None, "id": f"x{n}"} for n in range(5000)]
    many["cells"] += [{"cell_type": "code", "metadata": [], "source": 5, "outputs": 7}]
    cases["many-cells.ipynb"] = (json.dumps(many), "duplicate")    # li's: superseded by the next one of li's
    for name, body in (("cells-not-objects.ipynb", '{"cells": [1]}'), ("questions-number.ipynb", None)):
        if body is None:
            odd = json.loads(li)
            odd["metadata"]["quizgen"]["questions"] = 5
            body = json.dumps(odd)
            cases[name] = (body, None)           # li again, the later file: graded (the questions list ignored)
        else:
            cases[name] = (body, "not_a_notebook")
    archive = tmp_path / "hostile.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name, (body, _) in cases.items():
            z.writestr(name, body)
        z.writestr("twice.ipynb", nbformat.writes(handed["00123"]))
        z.writestr("twice.ipynb", nbformat.writes(handed["ana@uni.es"]))       # one name twice in a zip
        z.writestr("crc.ipynb", nbformat.writes(handed["José Pérez"]))
    raw = bytearray(archive.read_bytes())
    where = raw.rfind(b'"nbformat"')                       # a byte of the last member's data, changed
    raw[where + 1] = ord("N")
    archive.write_bytes(bytes(raw))
    result = run_cli("grade", SEED_BANK, archive, "--roster", folder / "roster.csv", "--json", "--out", tmp_path / "g")
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    reasons = {r["file"]: r["reason"] for r in summary["rejected"]}
    expected = {name: reason for name, (_, reason) in cases.items() if reason}
    assert {name: reasons.get(name) for name in expected} == expected
    assert reasons["crc.ipynb"] == "not_a_notebook" and "cannot be read" in \
        next(r["detail"] for r in summary["rejected"] if r["file"] == "crc.ipynb")
    graded = {row["file"] for row in read_csv(tmp_path / "g/answers.csv")}
    assert graded == {"twice.ipynb", "twice.ipynb (2)", "questions-number.ipynb"}
    assert summary["rows"] == len(cases) + 3 == summary["graded"] + len(summary["rejected"])


def test_links_and_special_files_in_a_folder_are_rejected_by_name(course, tmp_path):
    folder, key, handed = course
    (tmp_path / "in/a").mkdir(parents=True)
    nbformat.write(handed["li"], tmp_path / "in/a/lab.ipynb")
    (tmp_path / "in/link.ipynb").symlink_to(tmp_path / "in/a/lab.ipynb")
    (tmp_path / "in/dirlink").symlink_to(tmp_path / "in/a")
    os.mkfifo(tmp_path / "in/pipe")
    result = run_cli("grade", SEED_BANK, tmp_path / "in", "--roster", folder / "roster.csv", "--json",
                     "--out", tmp_path / "g")
    summary = json.loads(result.stdout)
    assert {r["file"]: r["reason"] for r in summary["rejected"]} == {
        "dirlink": "not_a_notebook", "link.ipynb": "not_a_notebook", "pipe": "not_a_notebook"}
    assert summary["graded"] == 1


def test_graded_copies_of_names_that_meet_keep_apart(course, tmp_path):
    folder, key, handed = course
    archive = tmp_path / "s.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a/x.ipynb", nbformat.writes(handed["li"]))
        z.writestr("a\\x.ipynb", nbformat.writes(handed["00123"]))
        z.writestr("../a/X.ipynb", nbformat.writes(handed["ana@uni.es"]))
    result = run_cli("grade", SEED_BANK, archive, "--roster", folder / "roster.csv", "--return-notebooks", "--json",
                     "--out", tmp_path / "g")
    assert result.returncode == 0, result.stderr
    returned = tmp_path / "g/returned"
    copies = sorted(p.relative_to(returned).as_posix() for p in returned.rglob("*.ipynb"))
    assert len(copies) == 3 and len({c.casefold() for c in copies}) == 3
    assert all(not c.startswith("..") for c in copies)


def test_the_id_cell_takes_an_id_written_as_text_not_code(tmp_path):
    result = run_cli("generate", SEED_BANK, "--versions", 1, "--format", "ipynb", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    nb = nbformat.read(tmp_path / "out/handout/v1/lab-v1.ipynb", as_version=4)
    idcell = next(c for c in nb.cells if c.metadata.get("quizgen", {}).get("role") == "student_id")
    (tmp_path / "in").mkdir()
    for name, source in (("code", "id_estudiante = input()"), ("number", "id_estudiante = 123"),
                         ("loose", "id_estudiante = A 01  # mi id")):
        idcell.source = source
        nbformat.write(nb, tmp_path / f"in/{name}.ipynb")
    result = run_cli("grade", SEED_BANK, tmp_path / "in", "--json", "--out", tmp_path / "g")
    summary = json.loads(result.stdout)
    assert [(r["file"], r["reason"]) for r in summary["rejected"]] == [("code.ipynb", "missing_student_id")]
    assert sorted(row["student_id"] for row in read_csv(tmp_path / "g/grades.csv")) == ["123", "A 01"]


def test_the_key_json_holds_a_key_for_its_quiz_only(tmp_path):
    """A key.json shown to a TA signs nothing but its own quiz's notebooks: it holds the machine key's key for
    that quiz, not the machine key."""
    from quizgen.core.signing import SigningKey

    env = {**os.environ, "QUIZGEN_CONFIG": str(tmp_path / "config")}
    for seed in (1, 2):
        assert run_cli("generate", SEED_BANK, "--seed", seed, "--format", "ipynb", "--out", tmp_path / f"s{seed}",
                       env=env).returncode == 0
    machine = SigningKey((tmp_path / "config/signing.key").read_bytes(), "machine")
    keys = [json.loads((tmp_path / f"s{seed}/key.json").read_text()) for seed in (1, 2)]
    for key in keys:
        assert key["signing_key"]["key"] == machine.for_quiz(key["fingerprint"]).hex != machine.hex
    assert keys[0]["signing_key"]["key"] != keys[1]["signing_key"]["key"]
    # seed 2's notebook graded with seed 1's key.json on another machine: refused (it cannot vouch for it)
    (tmp_path / "in").mkdir()
    (tmp_path / "in/lab.ipynb").write_bytes((tmp_path / "s2/handout/v1/lab-v1.ipynb").read_bytes())
    elsewhere = {**os.environ, "QUIZGEN_CONFIG": str(tmp_path / "elsewhere")}
    result = run_cli("grade", "--key", tmp_path / "s1/key.json", tmp_path / "in", "--out", tmp_path / "g",
                     env=elsewhere)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_reports_inside_the_folder_of_submissions_are_refused(course, tmp_path):
    folder, key, handed = course
    (tmp_path / "in").mkdir()
    nbformat.write(handed["li"], tmp_path / "in/lab.ipynb")
    result = run_cli("grade", SEED_BANK, tmp_path / "in", "--roster", folder / "roster.csv", "--out",
                     tmp_path / "in/grades")
    assert result.returncode == 2 and "--out" in result.stderr and not (tmp_path / "in/grades").exists()


def test_copies_of_an_answer_cell_answer_the_question_they_assign(course, tmp_path):
    """A student copies question 2's answer cell below question 3 and writes respuesta_3 in it, and leaves a
    scratch copy of it computing something: each answer counts for its own question."""
    folder, key, handed = course
    version = key["li"]
    q2, q3 = version["questions"][1], version["questions"][2]
    nb = filled(handed["li"], {q2["id"]: f"respuesta_2 = {q2['answer']['text']!r}"})
    answer2 = cells_of(nb)[q2["id"]]
    copy = nbformat.from_dict(json.loads(json.dumps(answer2)))
    copy.id, copy.source = "copied-1", f"respuesta_3 = {q3['answer']['text']!r}"
    scratch = nbformat.from_dict(json.loads(json.dumps(answer2)))
    scratch.id, scratch.source = "copied-2", "print(19 - 3)"
    at = nb.cells.index(cells_of(nb)[q3["id"]])
    nb.cells[at + 1:at + 1] = [copy, scratch]
    (tmp_path / "in").mkdir()
    nbformat.write(nb, tmp_path / "in/lab.ipynb")
    result = run_cli("grade", SEED_BANK, tmp_path / "in", "--roster", folder / "roster.csv", "--json",
                     "--out", tmp_path / "g")
    rows = {r["question"]: r for r in read_csv(tmp_path / "g/answers.csv")}
    assert (rows[q2["id"]]["status"], rows[q3["id"]]["status"]) == ("correct", "correct")
    assert json.loads(result.stdout)["mean_score"] == q2["points"] + q3["points"]


def test_answer_cells_without_metadata_are_found_by_their_ids(course, tmp_path):
    """An editor that drops cell metadata keeps the cells' ids: a code answer (what it printed) still counts."""
    folder, key, handed = course
    version = key["li"]
    q = next(q for q in version["questions"] if q["type"] == "output_size")
    nb = filled(handed["li"], {q["id"]: "layer(x).shape"})
    cell = cells_of(nb)[q["id"]]
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": f"torch.Size([1, 1, "
                    f"{q['answer']['value'][0]}, {q['answer']['value'][1]}])"}, execution_count=1)]
    for c in nb.cells:
        c.metadata = {}
    (tmp_path / "in").mkdir()
    nbformat.write(nb, tmp_path / "in/lab.ipynb")
    result = run_cli("grade", SEED_BANK, tmp_path / "in", "--roster", folder / "roster.csv", "--json",
                     "--return-notebooks", "--out", tmp_path / "g")
    assert json.loads(result.stdout)["mean_score"] == q["points"]
    # the graded copy, which has lost its metadata too, graded again: its feedback replaced, not stacked
    back = nbformat.read(tmp_path / "g/returned/lab.ipynb", as_version=4)
    for c in back.cells:
        c.metadata = {}
    (tmp_path / "again").mkdir()
    nbformat.write(back, tmp_path / "again/lab.ipynb")
    run_cli("grade", SEED_BANK, tmp_path / "again", "--roster", folder / "roster.csv", "--return-notebooks",
            "--out", tmp_path / "g2")
    twice = nbformat.read(tmp_path / "g2/returned/lab.ipynb", as_version=4)
    assert len(twice.cells) == len(back.cells)


def test_an_id_a_spreadsheet_would_run_as_a_formula_is_refused(tmp_path):
    result = run_cli("generate", SEED_BANK, "--versions", 1, "--format", "ipynb", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    nb = nbformat.read(tmp_path / "out/handout/v1/lab-v1.ipynb", as_version=4)
    next(c for c in nb.cells if c.metadata.get("quizgen", {}).get("role") == "student_id").source = \
        'id_estudiante = "=HYPERLINK(1)"'
    (tmp_path / "in").mkdir()
    nbformat.write(nb, tmp_path / "in/lab.ipynb")
    result = run_cli("grade", SEED_BANK, tmp_path / "in", "--out", tmp_path / "g")
    assert result.returncode == 2 and "formula" in result.stderr and "no file could be graded (1 file:" in result.stderr


def test_a_notebook_of_another_quiz_is_said_to_be_so_on_any_machine(course, tmp_path):
    folder, key, handed = course
    other = tmp_path / "other"
    assert run_cli("generate", SEED_BANK, "--seed", 99, "--versions", 1, "--format", "ipynb", "--out", other,
                   env={**os.environ, "QUIZGEN_CONFIG": str(tmp_path / "other-machine")}).returncode == 0
    (tmp_path / "in").mkdir()
    nbformat.write(handed["li"], tmp_path / "in/li.ipynb")
    (tmp_path / "in/stray.ipynb").write_bytes((other / "handout/v1/lab-v1.ipynb").read_bytes())
    for machine in ("here", "elsewhere"):
        env = os.environ if machine == "here" else {**os.environ, "QUIZGEN_CONFIG": str(tmp_path / "empty")}
        result = run_cli("grade", "--key", folder / "out/key.json", tmp_path / "in", "--json",
                         "--out", tmp_path / f"g-{machine}", env=env)
        summary = json.loads(result.stdout)
        assert [(r["file"], r["reason"]) for r in summary["rejected"]] == [("stray.ipynb", "other_quiz")], machine
