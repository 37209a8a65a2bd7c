"""What makes big runs fast must not change a byte: drafts shared between versions, --jobs, and grading
that streams the submission file in chunks."""
import csv
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from conftest import PRACTICE_BANK, run_cli

from quizgen.core import parallel
from quizgen.core.errors import WorkerDied
from quizgen.export import FORMATS
from quizgen.generate import pipeline
from quizgen.generate.bank import load_bank
from quizgen.grade import driver as grade
from quizgen.grade.handed_out import HandedOut
from quizgen.grade.submissions import Submission
from quizgen.render.renderer import Renderer


def files_of(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_versions_that_draw_the_same_configuration_share_one_draft_and_the_key_is_the_same(monkeypatch):
    bank = load_bank(PRACTICE_BANK)
    versions = [f"v{n}" for n in range(1, 41)]
    drafter = pipeline.Drafter(bank, 7)
    drafted = [drafter.version(v) for v in versions]
    slot = [d[3] for d in drafted]                               # size-stride: a small space, drawn 40 times
    assert len({id(d) for d in slot}) < len(slot)
    assert all(d1 is d2 for d1, d2 in zip(slot, slot[1:]) if d1.params == d2.params)
    def key_json():
        return FORMATS["json"].files(pipeline.build(bank, versions, 7, "en", Renderer()), Renderer())
    shared = key_json()
    monkeypatch.setattr(pipeline, "DRAFT_CACHE", 1)             # every draft built anew
    assert key_json() == shared


def test_generate_with_jobs_writes_the_same_bytes_as_one_process(tmp_path):
    common = ["generate", PRACTICE_BANK, "--versions", "260", "--format", "json,moodle,markdown,gift"]
    one = run_cli(*common, "--out", tmp_path / "one")
    two = run_cli(*common, "--out", tmp_path / "two", "--jobs", "2")
    assert one.returncode == two.returncode == 0, one.stderr + two.stderr
    assert one.stderr == two.stderr                       # the same warnings
    assert files_of(tmp_path / "one") == files_of(tmp_path / "two")


def submissions(tmp_path, key_sheet, count):
    """``count`` students answering from the key sheet's versions: right, wrong, blank, garbled, duplicated
    and unknown-version rows, more than one chunk of them."""
    rows = list(csv.reader(key_sheet.open()))
    header, body = rows[0], rows[1:]
    rng = random.Random(5)
    out = []
    for n in range(count):
        row = list(rng.choice(body))
        row[0] = f"s{n:05d}"
        for i in range(2, len(row) - 1):            # the answers (the last column is the fingerprint)
            row[i] = rng.choice([row[i], row[i], "", "3x3", "tres", "[[1, 2]]"])
        out.append(row)
    out += [list(out[3]), ["late", "v999", *[""] * (len(header) - 2)]]    # a duplicate, an unknown version
    path = tmp_path / "subs.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows([header, *out])
    return path


def test_grading_with_jobs_writes_the_same_reports_as_one_process(tmp_path):
    made = run_cli("generate", PRACTICE_BANK, "--versions", "7", "--format", "sheet", "--out", tmp_path / "k")
    assert made.returncode == 0, made.stderr
    subs = submissions(tmp_path, tmp_path / "k/responses-key.csv", grade.CHUNK * 2 + 77)
    common = ["grade", PRACTICE_BANK, subs, "--versions", "7", "--json"]
    one = run_cli(*common, "--out", tmp_path / "one")
    two = run_cli(*common, "--out", tmp_path / "two", "--jobs", "2")
    assert one.returncode == two.returncode == 1, one.stderr + two.stderr     # graded, one row rejected
    summaries = [{**json.loads(run.stdout), "out": ""} for run in (one, two)]
    reports = [name for name in files_of(tmp_path / "one") if name != ".quizgen.json"]    # the manifest aside
    assert summaries[0] == summaries[1] and summaries[0]["files"] == len(reports)
    assert files_of(tmp_path / "one") == files_of(tmp_path / "two")
    graded = list(csv.reader((tmp_path / "one/grades.csv").open()))
    rejected = list(csv.reader((tmp_path / "one/rejected.csv").open()))
    assert len(graded) - 1 + len(rejected) - 1 == grade.CHUNK * 2 + 79   # every row accounted for
    assert [r[3] for r in rejected[1:]] == ["duplicate", "unknown_version"]


def test_the_grader_reads_the_submissions_as_a_stream_twice_and_grades_in_chunks(tmp_path):
    rows = [Submission(n + 2, f"s{n % 900}", "v1", {"size-valid": "3x3"}) for n in range(1000)]
    passes = []

    class Source:
        def rows(self):
            passes.append(0)
            for row in rows:               # a generator: nothing forces the whole file into a list
                passes[-1] += 1
                yield row

    source = Source()
    placer = grade.Placer(HandedOut(count=1, source="--versions 1"))
    accounting = grade.account(source.rows(), placer)
    assert accounting.rows == 1000 and accounting.graded == 900
    assert [r.reason for r in accounting.rejected] == ["duplicate"] * 100
    chunks = list(grade.chunks(grade.accepted_rows(source.rows(), accounting, placer), 256))
    assert [len(c) for c in chunks] == [256, 256, 256, 132] and passes == [1000, 1000]
    assert [r.line for c in chunks for r in c] == list(range(102, 1002))    # each student's last row


def test_json_submissions_on_one_line_are_each_graded_or_rejected(tmp_path):
    made = run_cli("generate", PRACTICE_BANK, "--versions", "2", "--format", "json", "--out", tmp_path / "k")
    assert made.returncode == 0, made.stderr
    rows = [{"student_id": s, "version": "v1", "answers": {"size-valid": "3x3"}} for s in ("ana", "beto", "carla")]
    rows.insert(1, {"version": "v1", "answers": {"size-valid": "3x3"}})                  # no student id
    (tmp_path / "subs.json").write_text(json.dumps(rows))                                # every item on line 1
    result = run_cli("grade", "--key", tmp_path / "k/key.json", tmp_path / "subs.json", "--out", tmp_path / "g",
                     "--json")
    summary = json.loads(result.stdout)
    assert (summary["rows"], summary["graded"], len(summary["rejected"])) == (4, 3, 1)
    assert [r[0] for r in csv.reader((tmp_path / "g/grades.csv").open())][1:] == ["ana", "beto", "carla"]


def test_a_chunk_needing_more_versions_than_are_kept_is_graded(tmp_path, monkeypatch):
    monkeypatch.setattr(grade, "VERSION_CACHE", 3)
    monkeypatch.setattr(grade, "CHUNK", 6)
    header = ["student_id", "version", "size-valid"]
    rows = [[f"s{n}", f"v{n % 5 + 1}", "3x3"] for n in range(20)]     # 5 versions a chunk, 3 kept
    with (tmp_path / "subs.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    summary, _ = grade.grade(str(tmp_path / "subs.csv"), Renderer(), str(tmp_path / "g"), bank_path=str(PRACTICE_BANK),
                             versions=5)
    assert summary["graded"] == 20 and not summary["rejected"]


def test_a_process_that_dies_stops_the_run_with_an_error_instead_of_a_hang():
    def die(state, task):
        if task == 3:
            os._exit(1)            # as the out-of-memory killer would
        return task
    with pytest.raises(WorkerDied):
        list(parallel.ordered_map(die, None, range(8), jobs=2))


def test_a_shared_records_texts_are_rendered_once_per_name():
    renderer, calls = Renderer(), []

    def macro(*args):
        calls.append(args)
        return "-".join(map(str, args))
    owner, other = object(), object()
    assert renderer.once(owner, "moodle-text", macro, 1) == renderer.once(owner, "moodle-text", macro, 1) == "1"
    assert renderer.once(owner, "canvas-text", macro, 2) == "2"      # another name: another text
    assert renderer.once(other, "moodle-text", macro, 3) == "3"      # another record: another text
    assert calls == [(1,), (2,), (3,)]


def test_wrong_answers_are_counted_in_bounded_memory_keeping_the_frequent_ones(monkeypatch):
    from quizgen.grade import itemstats
    monkeypatch.setattr(itemstats, "DISTINCT_WRONG", 100)
    stats = itemstats.ItemStats([{"id": "size", "type": "output_size", "points": 1}])
    for n in range(5000):
        answer = "2x2" if n % 3 == 0 else f"{n}x{n + 1}"           # one frequent wrong answer, many rare ones
        stats.add((f"s{n}", 0.0, 1, ("wrong",), (0.0,), (answer,), ((),)))
        assert len(stats.wrong[0]) <= 100
    top = stats.result()[0]["frequent_wrong_answers"][0]
    assert top["answer"] == "2x2" and top["count"] == 1667


def test_big_results_come_back_from_the_processes_whole_and_in_order():
    results = list(parallel.ordered_map(lambda state, task: bytes([task]) * 3_000_000, None, range(6), jobs=2))
    assert [len(r) for r in results] == [3_000_000] * 6 and [r[0] for r in results] == list(range(6))


def test_a_terminated_run_leaves_no_temporary_folder(tmp_path):
    made = run_cli("generate", PRACTICE_BANK, "--versions", "20", "--format", "json,sheet", "--out", tmp_path / "k")
    assert made.returncode == 0, made.stderr
    subs = submissions(tmp_path, tmp_path / "k/responses-key.csv", 20_000)
    out = tmp_path / "grades"
    process = subprocess.Popen([sys.executable, "-m", "quizgen", "grade", "--key", str(tmp_path / "k/key.json"),
                                str(subs), "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def staging():
        return [p for p in tmp_path.iterdir() if p.name.startswith(".grades.")]
    deadline = time.monotonic() + 60
    while not staging() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert staging(), "the run never started writing"
    process.send_signal(signal.SIGTERM)                 # as a CI timeout or `kill` does
    assert process.wait(timeout=60) == 143
    assert not staging() and not out.exists()
