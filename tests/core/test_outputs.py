"""--out holds exactly one run's outputs: what an earlier run wrote and this one did not is removed, files
quizgen did not write are never touched (the run refuses), nor files changed since quizgen wrote them; and the
students' hand-outs live apart from the instructor's files, so a student's folder is handed out as it is."""
import json

from conftest import PRACTICE_BANK, SEED_BANK, run_cli


def files_of(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_second_generate_leaves_exactly_its_own_outputs(tmp_path):
    out = tmp_path / "out"
    first = run_cli("generate", PRACTICE_BANK, "--versions", "3", "--format", "markdown,html,json", "--out", out)
    assert first.returncode == 0, first.stderr
    assert (out / "handout/v3/problems.html").is_file() and (out / "keys/v1/key.html").is_file()
    second = run_cli("generate", PRACTICE_BANK, "--versions", "2", "--format", "markdown,json", "--out", out)
    assert second.returncode == 0, second.stderr
    fresh = tmp_path / "fresh"
    assert run_cli("generate", PRACTICE_BANK, "--versions", "2", "--format", "markdown,json",
                   "--out", fresh).returncode == 0
    # the same files as a run into an empty folder: no v3/, no key.html of the first run
    assert files_of(out) == files_of(fresh)
    assert [v["version"] for v in json.loads((out / "key.json").read_text())["versions"]] == ["v1", "v2"]
    assert not (out / "handout/v3").exists() and not (out / "keys/v1/key.html").exists()


def test_a_folder_with_files_quizgen_did_not_write_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "course"
    (out / "notes").mkdir(parents=True)
    (out / "notes/plan.txt").write_text("mine")
    result = run_cli("generate", SEED_BANK, "--out", out)
    assert result.returncode == 2 and "notes/plan.txt" in result.stderr and "did not write" in result.stderr
    assert files_of(out) == {"notes/plan.txt": b"mine"}
    # and after a run, a file added by hand makes the next run refuse too
    assert run_cli("generate", SEED_BANK, "--out", tmp_path / "out").returncode == 0
    (tmp_path / "out/handout/v1/my-notes.md").write_text("mine")
    before = files_of(tmp_path / "out")
    result = run_cli("generate", SEED_BANK, "--out", tmp_path / "out")
    assert result.returncode == 2 and "handout/v1/my-notes.md" in result.stderr
    assert files_of(tmp_path / "out") == before


def test_a_response_sheet_filled_in_where_it_was_written_is_never_overwritten(tmp_path):
    out = tmp_path / "out"
    (tmp_path / "roster.csv").write_text("student_id\nana\nbeto\n")
    assert run_cli("generate", SEED_BANK, "--roster", tmp_path / "roster.csv", "--out", out).returncode == 0
    sheet = out / "responses.csv"
    sheet.write_bytes(sheet.read_bytes().replace(b"ana,ana,", b"ana,ana,[[1]]"))     # typed in place
    filled = sheet.read_bytes()
    result = run_cli("generate", SEED_BANK, "--roster", tmp_path / "roster.csv", "--out", out)
    assert result.returncode == 2 and "responses.csv changed since quizgen wrote it" in result.stderr
    assert sheet.read_bytes() == filled


def test_grading_into_a_folder_of_generated_files_is_refused(tmp_path):
    out = tmp_path / "out"
    assert run_cli("generate", SEED_BANK, "--versions", "2", "--format", "json,sheet", "--out", out).returncode == 0
    before = files_of(out)
    result = run_cli("grade", SEED_BANK, out / "responses-key.csv", "--out", out)
    assert result.returncode == 2 and "holds the outputs of `quizgen generate`" in result.stderr
    assert files_of(out) == before


def test_a_students_folder_holds_the_problem_set_and_its_pictures_and_nothing_of_the_key(tmp_path):
    out = tmp_path / "out"
    bank = tmp_path / "bank.yaml"
    bank.write_text(SEED_BANK.read_text(encoding="utf-8").replace("defaults:\n", "defaults:\n  picture: true\n", 1),
                    encoding="utf-8")
    result = run_cli("generate", bank, "--versions", "2", "--format", "markdown,html,json,sheet", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "problems.html is a practice page: it holds the answers" in result.stderr      # said, every time
    handout = files_of(out / "handout/v1")
    assert "problems.md" in handout and "problems.html" in handout
    assert {name.split("/")[0] for name in handout} == {"problems.md", "problems.html", "pictures"}
    # every picture the problem set shows is in the folder, and none of the key's
    shown = {line.split("](")[1].split(")")[0] for line in handout["problems.md"].decode().splitlines() if "](" in line}
    assert shown and shown <= set(handout)
    key = json.loads((out / "key.json").read_text())
    answers = {q["answer"]["text"] for q in key["versions"][0]["questions"] if len(q["answer"]["text"]) > 5}
    assert not any(answer in handout["problems.md"].decode() for answer in answers)
    instructor = set(files_of(out)) - {f"handout/{name}" for name in files_of(out / "handout")}
    assert {"key.json", "responses.csv", "responses-key.csv", "keys/v1/key.md", "keys/v1/key.html"} <= instructor


def test_an_output_folder_inside_another_runs_outputs_is_refused(tmp_path):
    out = tmp_path / "quiz"
    assert run_cli("generate", SEED_BANK, "--versions", "2", "--format", "json,sheet", "--out", out).returncode == 0
    result = run_cli("grade", SEED_BANK, out / "responses-key.csv", "--out", out / "notas")
    assert result.returncode == 2 and "inside" in result.stderr and not (out / "notas").exists()


def test_files_put_into_the_feedback_folder_are_never_deleted(tmp_path):
    assert run_cli("generate", SEED_BANK, "--versions", "2", "--format", "sheet", "--out", tmp_path / "k").returncode == 0
    sheet = tmp_path / "k/responses-key.csv"
    mine = tmp_path / "mine"
    (mine / "feedback").mkdir(parents=True)
    (mine / "feedback/notes.txt").write_text("mine")
    result = run_cli("grade", SEED_BANK, sheet, "--out", mine)
    assert result.returncode == 2 and (mine / "feedback/notes.txt").read_text() == "mine"
    assert run_cli("grade", SEED_BANK, sheet, "--out", tmp_path / "g").returncode == 0
    (tmp_path / "g/feedback/scans").mkdir()
    (tmp_path / "g/feedback/scans/page1.png").write_bytes(b"scan")
    result = run_cli("grade", SEED_BANK, sheet, "--out", tmp_path / "g")
    assert result.returncode == 2 and "feedback/ holds other files than quizgen wrote there" in result.stderr
    assert (tmp_path / "g/feedback/scans/page1.png").read_bytes() == b"scan"


def test_a_failure_while_the_new_folder_takes_the_old_ones_place_leaves_the_old_one(tmp_path, monkeypatch):
    from quizgen.core import output
    from quizgen.core.errors import QuizgenError

    out = tmp_path / "out"
    output.write_files(out, {"a.txt": b"first", "sub/b.txt": b"first"})
    before = files_of(out)
    real = output.os.rename

    def rename(source, target):
        if str(source).startswith(str(tmp_path / ".out.")) and not str(source).startswith(str(tmp_path / ".out.old.")):
            raise OSError(28, "No space left on device")       # the new folder cannot be moved in
        return real(source, target)
    monkeypatch.setattr(output.os, "rename", rename)
    try:
        output.write_files(out, {"a.txt": b"second"})
    except QuizgenError as error:
        assert "the folder is as it was" in str(error)
    else:
        raise AssertionError("the failure was not reported")
    assert files_of(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_relative_out_folder_as_in_the_quick_start(tmp_path):
    for _ in range(2):                     # and again into the same folder
        result = run_cli("generate", SEED_BANK, "--versions", "2", "--out", "quiz", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "wrote 25 files to quiz (hand out quiz/handout/" in result.stdout
    assert run_cli("generate", SEED_BANK, "--versions", "2", "--format", "sheet", "--out", "k",
                   cwd=tmp_path).returncode == 0
    result = run_cli("grade", SEED_BANK, "k/responses-key.csv", "--out", "notas", cwd=tmp_path)
    assert result.returncode == 0 and "reports in notas/" in result.stdout
