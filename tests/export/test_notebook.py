"""Lab notebooks (--format ipynb): valid nbformat 4 written from every shipped bank, signed, the same bytes
for the same bank, seed and key, runnable top to bottom in a real IPython kernel, and with torch cells that
build what each question says (checked by running them against the question's own answer)."""
import ast
import base64
import json
import os
from pathlib import Path

import nbformat
import pytest
import torch
from conftest import BANKS, SEED_BANK, run_cli
from torch import nn

from quizgen.core.signing import SigningKey
from quizgen.export.ipynb import signed_fields
from quizgen.generate.bank import load_bank
from quizgen.generate.pipeline import build
from quizgen.grade.notebooks import answer_of
from quizgen.render.renderer import Renderer

ALL_BANKS = sorted(BANKS.glob("*.yaml"))


def notebooks(folder: Path) -> list[Path]:
    return sorted((folder / "handout").rglob("*.ipynb"))


def with_torch_cells(bank: Path, folder: Path) -> Path:
    """A copy of ``bank`` that asks for torch cells."""
    copy = folder / bank.name
    copy.write_text(bank.read_text(encoding="utf-8") + "\nnotebook:\n  torch_cells: true\n", encoding="utf-8")
    return copy


@pytest.mark.parametrize("bank", ALL_BANKS, ids=lambda p: p.stem)
def test_every_bank_writes_valid_signed_notebooks(bank, tmp_path):
    result = run_cli("generate", bank, "--versions", 2, "--format", "ipynb", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    key = json.loads((tmp_path / "out/key.json").read_text(encoding="utf-8"))      # json comes along
    signing = SigningKey(bytes.fromhex(key["signing_key"]["key"]), "key.json")
    files = notebooks(tmp_path / "out")
    assert [f.relative_to(tmp_path / "out/handout").as_posix() for f in files] == ["v1/lab-v1.ipynb",
                                                                                    "v2/lab-v2.ipynb"]
    # no side files: pictures are inside the notebooks
    assert sorted(p.name for p in (tmp_path / "out/handout").rglob("*") if p.is_file()) == ["lab-v1.ipynb",
                                                                                           "lab-v2.ipynb"]
    for path, version in zip(files, key["versions"]):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
        assert nb.metadata.kernelspec.name == "python3"
        meta = nb.metadata.quizgen
        assert (meta.fingerprint, meta.version, meta.student_id) == (key["fingerprint"], version["version"], None)
        assert meta.key_id == signing.id
        assert signing.verifies(signed_fields(meta.fingerprint, meta.version, None), meta.signature)
        answers = [c for c in nb.cells if c.cell_type == "code" and "question" in c.metadata.get("quizgen", {})]
        assert [c.metadata.quizgen.question for c in answers] == [q["id"] for q in version["questions"]]
        for cell, question in zip(answers, version["questions"]):
            ast.parse(cell.source)                       # the placeholder is valid Python ...
            assert answer_of(cell.source) is None        # ... and reads as no answer
            prompt = nb.cells[nb.cells.index(cell) - 1]
            assert prompt.cell_type == "markdown" and prompt.metadata.quizgen.question == question["id"]
            if question["steps"]:                        # no worked solution handed out
                assert question["steps"][-1]["text"] not in path.read_text(encoding="utf-8")
            if question.get("picture"):
                data = prompt.source.split("](data:image/svg+xml;base64,", 1)[1].split(")", 1)[0]
                assert base64.b64decode(data).startswith(b"<svg")


def test_roster_notebooks_are_signed_per_student(tmp_path):
    (tmp_path / "roster.csv").write_text("student_id,name\nana@uni.es,Ana\nJosé Pérez,José\n", encoding="utf-8")
    result = run_cli("generate", SEED_BANK, "--roster", tmp_path / "roster.csv", "--format", "ipynb",
                     "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    found = {nbformat.read(p, as_version=4).metadata.quizgen.student_id: p for p in notebooks(tmp_path / "out")}
    assert set(found) == {"ana@uni.es", "José Pérez"}
    nb = nbformat.read(found["José Pérez"], as_version=4)
    assert nb.metadata.quizgen.version == "José Pérez"
    assert not any(c.metadata.get("quizgen", {}).get("role") == "student_id" for c in nb.cells)   # signed instead
    assert "José Pérez" in nb.cells[0].source


def test_same_bank_seed_and_key_give_the_same_bytes(tmp_path):
    env = {**os.environ, "QUIZGEN_SIGNING_KEY": "ab" * 32}
    for run in ("a", "b"):
        result = run_cli("generate", SEED_BANK, "--versions", 3, "--format", "ipynb", "--out", tmp_path / run,
                         "--jobs", 2 if run == "b" else 1, env=env)
        assert result.returncode == 0, result.stderr
    first, second = notebooks(tmp_path / "a"), notebooks(tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    other = {**os.environ, "QUIZGEN_SIGNING_KEY": "cd" * 32}
    assert run_cli("generate", SEED_BANK, "--versions", 3, "--format", "ipynb", "--out", tmp_path / "c",
                   env=other).returncode == 0
    a = nbformat.read(first[0], as_version=4)
    c = nbformat.read(notebooks(tmp_path / "c")[0], as_version=4)
    assert a.metadata.quizgen.signature != c.metadata.quizgen.signature
    assert [x.source for x in a.cells[1:]] == [x.source for x in c.cells[1:]]     # only the signature differs


def test_a_bad_signing_key_in_the_environment_is_a_located_error(tmp_path):
    result = run_cli("generate", SEED_BANK, "--format", "ipynb", "--out", tmp_path / "out",
                     env={**os.environ, "QUIZGEN_SIGNING_KEY": "not hex"})
    assert result.returncode == 2
    assert "QUIZGEN_SIGNING_KEY" in result.stderr and "64 hex digits" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_the_signing_key_is_made_once_readable_by_its_owner_only(tmp_path):
    env = {**os.environ, "QUIZGEN_CONFIG": str(tmp_path / "config")}
    for run in ("a", "b"):
        assert run_cli("generate", SEED_BANK, "--format", "ipynb", "--out", tmp_path / run, env=env).returncode == 0
    key = tmp_path / "config/signing.key"
    assert key.stat().st_size == 32 and key.stat().st_mode & 0o077 == 0
    ids = {json.loads((tmp_path / run / "key.json").read_text())["signing_key"]["id"] for run in ("a", "b")}
    assert len(ids) == 1


def test_a_generated_lab_runs_top_to_bottom_in_an_ipython_kernel(tmp_path):
    """As a student opens it in Jupyter and runs every cell: torch cells, id cell, answer placeholders."""
    from nbclient import NotebookClient

    bank = with_torch_cells(SEED_BANK, tmp_path)
    assert run_cli("generate", bank, "--versions", 1, "--format", "ipynb", "--out", tmp_path / "out").returncode == 0
    nb = nbformat.read(notebooks(tmp_path / "out")[0], as_version=4)
    torch_cells = [c for c in nb.cells if c.metadata.get("quizgen", {}).get("role") == "torch"]
    assert len(torch_cells) == len(load_bank(bank).questions)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")
    # a student's check in the kernel: the first question's layer gives the key's values
    first = torch_cells[0].source
    namespace = {"torch": torch, "nn": nn}
    exec(first, namespace)
    key = json.loads((tmp_path / "out/key.json").read_text())
    assert namespace["layer"](namespace["x"])[0, 0].tolist() == key["versions"][0]["questions"][0]["answer"]["value"]


COMPARED_NOT = {"inverse", "same_padding", "validity", "flipped_values"}    # no layer, or not the output


@pytest.mark.parametrize("bank", ALL_BANKS, ids=lambda p: p.stem)
def test_torch_cells_build_what_each_question_says(bank):
    """Each torch cell runs, and its layer on its input gives the question's answer where the answer is the
    output (its size or its values): the cell is the question, not another one."""
    loaded = load_bank(bank)
    quizset = build(loaded, [f"v{n}" for n in range(1, 6)], 7, loaded.language, Renderer())
    compared = 0
    for version in quizset.versions:
        for q in version.questions:
            namespace = {"torch": torch, "nn": nn}
            exec("\n".join(q.lab), namespace)       # noqa: S102 - our own generated code
            x = namespace["x"]
            assert list(x.shape[2:]) == q.params["input_shape"]
            if "layer" not in namespace:
                continue
            out = namespace["layer"](x)
            want = q.answer["value"]
            if q.type == "stack" and q.context.get("ask", "output_size") != "output_size":
                continue        # (a stack's receptive field is not its output)
            if q.type == "channels" and q.answer["kind"] == "tensor_shape":
                # the output's shape, or the weight's: either is the cell's layer's
                assert want in (list(out.shape), list(namespace["layer"].weight.shape))
            elif q.answer["kind"] == "shape":
                assert list(out.shape[2:]) == want
            elif q.answer["kind"] == "number" and len(q.params["input_shape"]) == 1 and q.type != "channels":
                assert out.shape[-1] == want
            elif q.answer["kind"] in ("matrix", "sequence"):
                got = out[0, 0].tolist()
                flat_got = got if q.answer["kind"] == "sequence" else [v for row in got for v in row]
                flat_want = want if q.answer["kind"] == "sequence" else [v for row in want for v in row]
                assert flat_got == pytest.approx(flat_want, abs=1e-4)
            else:
                continue
            compared += 1
    comparable = {q.type for v in quizset.versions for q in v.questions
                  if q.answer["kind"] in ("shape", "matrix", "sequence") and q.type not in COMPARED_NOT}
    if comparable:
        assert compared, "no question of this bank was compared"


def test_check_tries_notebooks_without_making_a_signing_key(tmp_path):
    env = {**os.environ, "QUIZGEN_CONFIG": str(tmp_path / "config")}
    result = run_cli("check", SEED_BANK, "--versions", 2, env=env)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "config").exists()


def test_format_list_names_ipynb():
    result = run_cli("generate", "--help")
    assert "ipynb" in result.stdout and "lab-<version>.ipynb" in result.stdout


@pytest.mark.parametrize("field, said", [
    ("notebook: {torch_cells: yes-please}", "notebook.torch_cells: got yes-please; allowed: true or false"),
    ("notebook: {foo: 1}", "notebook.foo: unknown field 'foo'; allowed fields here: torch_cells"),
    ("notebook: 3", "notebook: got 3; allowed: a mapping"),
])
def test_a_wrong_notebook_field_is_reported_at_its_line(field, said, tmp_path):
    text = SEED_BANK.read_text(encoding="utf-8")
    bank = tmp_path / "bank.yaml"
    bank.write_text(text + f"\n{field}\n", encoding="utf-8")
    line = len((text + "\n").splitlines()) + 1
    for command in (("check", bank, "--versions", 1), ("generate", bank, "--format", "ipynb", "--out", tmp_path / "o")):
        result = run_cli(*command)
        assert result.returncode == 2 and f"{bank}:{line}: {said}" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()
