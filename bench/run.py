"""quizgen's benchmark: what this machine does per second, each figure beside its floor.

    .venv/bin/python bench/run.py [--versions 1000] [--students 2000] [--million]

- generation: questions/s written to JSON and to Moodle XML from the shipped randomized bank (10 questions
  per version), end to end in one process (and JSON with --jobs 2); floor: rendering the same records with
  the same templates into the same format, with no sampling and no solving.
- grading: submissions/s (10 answers each) with the key regenerated from bank and seed, every student a
  version of their own; scores only, then with every report (feedback files included), then with
  --jobs 2; and a course of 20 versions shared by 10x the students. Floor: reading the same CSV with the
  csv module and nothing else.
- start-up: wall time and peak memory of `quizgen --help` and `quizgen solve` in a fresh process.
- small jobs, as R/exams users run them: a one-question bank exported to Moodle XML in 100 and 1,000
  variants, in a fresh process, first with an empty cache (torch imported to measure every configuration)
  and then again (torch's verdicts and the compiled templates remembered: torch is not imported).
- printed exams: PDF pages per second, and a fresh `quizgen generate --format pdf` for 100 students.
- lab notebooks: notebooks/s written (floor: json.dumps of the same notebooks), notebooks/s read back as
  submissions (floor: json.loads of the same files), and a fresh `quizgen grade` of a zip of 500 filled
  notebooks with their graded copies (--return-notebooks).
- --million: `quizgen grade` of 1,000,000 submissions (20 versions, saved key, every report) in a fresh
  process: wall time and peak memory (about 10 minutes and 25 GB of feedback files on this machine).

Not part of the tests: timings belong here, not in assertions.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quizgen.cli import tune_gc  # noqa: E402
from quizgen.export import FORMATS  # noqa: E402
from quizgen.generate import (
    crosscheck,
    pipeline,  # noqa: E402
)
from quizgen.generate.bank import load_bank  # noqa: E402
from quizgen.grade import driver as grade  # noqa: E402
from quizgen.render.renderer import Renderer  # noqa: E402

BANK = ROOT / "banks" / "convolution-practice.en.yaml"


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def generation(versions: int, folder: Path) -> list[tuple]:
    bank = load_bank(BANK)
    questions = versions * len(bank.questions)
    version_ids = [f"v{n}" for n in range(1, versions + 1)]
    pipeline.build(bank, ["warm-up"], bank.seed, bank.language, Renderer())    # torch imported, templates compiled
    drafter = pipeline.Drafter(bank, bank.seed)
    drafted = [(v, drafter.version(v)) for v in version_ids]                  # sampled and solved beforehand
    crosscheck.cross_check(drafter.take_fresh(), bank.file)
    rows = []
    for name, jobs in (("json", 1), ("moodle", 1), ("json", 2)):
        seconds, _ = timed(pipeline.generate, str(BANK), str(folder / f"{name}{jobs}"), [name], versions=versions,
                           jobs=jobs)
        floor, _ = timed(render_only, bank, drafted, name)
        label = f"generate {name}" + (f" --jobs {jobs}" if jobs > 1 else "")
        rows.append((label, questions / seconds, "questions/s", questions / floor, seconds / floor))
    return rows


def render_only(bank, drafted, format_name: str):
    """The floor of generation: the records rendered (each distinct draft once, as the pipeline does) and
    written in the format, from drafts already sampled and solved."""
    renderer = Renderer()
    versions = pipeline.render_versions(drafted, renderer, bank.language)
    quizset = pipeline.QuizSet(bank, bank.seed, bank.language, versions)
    return FORMATS[format_name].files(quizset, renderer)


def sheet(folder: Path, versions: int, students: int) -> Path:
    """A response sheet of ``students`` rows over ``versions`` versions: right, wrong, blank and garbled."""
    pipeline.generate(str(BANK), str(folder), ["sheet", "json"], versions=versions)
    rows = list(csv.reader((folder / "responses-key.csv").open(newline="", encoding="utf-8-sig")))
    header, body = rows[0], rows[1:]
    rng = random.Random(1)
    path = folder / f"submissions-{students}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for n in range(students):
            row = list(body[n % len(body)])
            row[0] = f"s{n:07d}"
            row[2:-1] = [rng.choices([cell, "", "3x3", "tres"], [8, 1, 1, 0.2])[0] for cell in row[2:-1]]
            writer.writerow(row)
    return path


def grading(students: int, folder: Path) -> list[tuple]:
    own = sheet(folder / "own", students, students)              # every student a version of their own
    shared = sheet(folder / "shared", 20, students * 10)         # 20 versions, 10x the students

    def read_only(path):
        with open(path, newline="", encoding="utf-8") as handle:
            return sum(1 for _ in csv.reader(handle))

    def scores_only():
        opened = grade.open_key(str(own), Renderer(), bank_path=str(BANK))
        accounting = grade.account(opened.source.rows(), opened.placer)
        accepted = grade.accepted_rows(opened.source.rows(), accounting, opened.placer)
        return sum(len(grade.grade_chunk(opened.key, rows)) for rows in grade.chunks(accepted))

    def every_report(path, out, jobs=1):
        return grade.grade(str(path), Renderer(), str(folder / out), bank_path=str(BANK), jobs=jobs)

    rows = []
    floor_own, _ = timed(read_only, own)
    floor_shared, _ = timed(read_only, shared)
    for label, function, args, count, floor in (
            ("grade, scores only", scores_only, (), students, floor_own),
            ("grade, every report", every_report, (own, "r1"), students, floor_own),
            ("grade, every report, --jobs 2", every_report, (own, "r2", 2), students, floor_own),
            ("grade, 20 versions shared", every_report, (shared, "r3"), students * 10, floor_shared)):
        seconds, _ = timed(function, *args)
        rows.append((label, count / seconds, "submissions/s", count / floor, seconds / floor))
    return rows


# Run through a small Python that spawns the command and reads its peak memory: measured from this (large)
# process, the child's peak would include the memory it is forked with.
PROBE = """import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"""


def probe(argv: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall seconds and peak MB of `quizgen ARGV` in a fresh process (``env``: added to the environment)."""
    result = subprocess.run([sys.executable, "-c", PROBE, sys.executable, "-m", "quizgen", *argv],
                            capture_output=True, text=True, check=True, env={**os.environ, **(env or {})})
    seconds, peak_kb = result.stdout.split()
    return float(seconds), int(peak_kb) / 1024


def start_up() -> list[tuple]:
    rows = []
    for label, argv in (("quizgen --help", ["--help"]),
                        ("quizgen solve", ["solve", "conv2d", "--input", "7x9", "--kernel", "3", "--stride", "2"])):
        seconds, peak = probe(argv)
        rows.append((label, seconds, "s wall", peak, None))
    return rows


SMALL_BANK = """title: one question
questions:
  - id: size
    type: output_size
    image: {size: {min: 5, max: 40}}
    kernel: {size: [2, 3, 5]}
    stride: [1, 2, 3]
"""


def small_jobs(folder: Path) -> list[tuple]:
    """R/exams-sized jobs: wall time of a fresh `quizgen generate` of a one-question bank, cold and warm."""
    import os  # noqa: PLC0415

    bank = folder / "one.yaml"
    bank.write_text(SMALL_BANK)
    rows = []
    for variants in (100, 1000):
        os.environ["QUIZGEN_CACHE"] = str(folder / f"cache-{variants}")      # empty: nothing known yet
        for state in ("cold", "warm"):
            seconds, peak = probe(["generate", str(bank), "--versions", str(variants), "--format", "moodle",
                                   "--out", str(folder / f"small-{variants}-{state}")])
            rows.append((f"moodle, 1 question x {variants}, {state}", seconds, "s wall", peak, None))
    del os.environ["QUIZGEN_CACHE"]
    return rows


def printed_exams(folder: Path) -> list[tuple]:
    """Printed exams: PDF pages per second (one process, from drafts already rendered), and the wall time of
    a fresh `quizgen generate --format pdf` for 100 students (their problems and keys, and both booklets)."""
    import pypdf  # noqa: PLC0415

    bank = load_bank(str(BANK))
    renderer = Renderer()
    quizset = pipeline.build(bank, [f"v{n}" for n in range(1, 21)], bank.seed, bank.language, renderer)
    seconds, files = timed(FORMATS["pdf"].files, quizset, renderer)
    pages = sum(len(pypdf.PdfReader(io.BytesIO(content)).pages) for content in files.values())
    roster = folder / "roster-100.csv"
    roster.write_text("student_id\n" + "".join(f"s{n:03d}\n" for n in range(100)))
    rows = [("pdf pages", pages / seconds, "pages/s", pages / seconds, 1.0)]
    for jobs in ("1", "2"):
        wall, peak = probe(["generate", str(BANK), "--roster", str(roster), "--format", "pdf", "--jobs", jobs,
                            "--out", str(folder / f"pdf-100-{jobs}")])
        rows.append((f"pdf, 100 students, --jobs {jobs}", wall, "s wall", peak, None))
    return rows


def lab_notebooks(folder: Path) -> list[tuple]:
    """Lab notebooks written per second (one process, from versions already rendered), read back per second
    as submissions, and a fresh `quizgen grade` of a zip of 500 filled notebooks."""
    import json  # noqa: PLC0415
    import zipfile  # noqa: PLC0415
    from dataclasses import replace  # noqa: PLC0415

    from quizgen.core.signing import SigningKey  # noqa: PLC0415
    from quizgen.export.ipynb import build_notebook  # noqa: PLC0415
    from quizgen.grade.notebooks import NotebookSubmissions  # noqa: PLC0415

    bank = load_bank(str(BANK))
    renderer = Renderer()
    students = [f"s{n:03d}" for n in range(500)]
    key = SigningKey(bytes(range(32)), "bench")
    quizset = pipeline.build(bank, students, bank.seed, bank.language, renderer, roster=True)
    quizset = replace(quizset, signing=key.for_quiz(quizset.fingerprint.text()))
    seconds, files = timed(FORMATS["ipynb"].files, quizset, renderer)
    built = [build_notebook(quizset, v, renderer) for v in quizset.versions]
    floor, _ = timed(lambda: [json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) for nb in built])
    rows = [("ipynb written", len(files) / seconds, "notebooks/s", len(files) / floor, floor / seconds)]
    archive = folder / "labs.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for version, (name, content) in zip(quizset.versions, sorted(files.items())):
            nb = json.loads(content)
            for cell in nb["cells"]:
                role = cell["metadata"].get("quizgen", {})
                if "question" in role and "role" not in role:
                    answer = next(q for q in version.questions if q.id == role["question"]).answer["text"]
                    cell["source"] = f"respuesta = {answer!r}\n"
            z.writestr(f"{version.id}_assignsubmission_file_/{Path(name).name}", json.dumps(nb))
    ids = [q.id for q in bank.questions]
    seconds, read = timed(lambda: list(NotebookSubmissions(str(archive), ids, lambda fp: [key.for_quiz(fp)]).rows()))
    with zipfile.ZipFile(archive) as z:
        floor, _ = timed(lambda: [json.loads(z.read(name)) for name in z.namelist()])
    rows.append(("ipynb read as submissions", len(read) / seconds, "notebooks/s", len(read) / floor, floor / seconds))
    roster = folder / "roster-500.csv"
    roster.write_text("student_id\n" + "".join(f"{s}\n" for s in students))
    wall, peak = probe(["grade", str(BANK), str(archive), "--roster", str(roster), "--return-notebooks", "--out",
                        str(folder / "lab-grades")], env={"QUIZGEN_SIGNING_KEY": key.hex})
    rows.append(("grade 500 notebooks (zip)", wall, "s wall", peak, None))
    return rows


def million(folder: Path) -> list[tuple]:
    path = sheet(folder / "m", 20, 1_000_000)          # key.json beside the sheet
    seconds, peak = probe(["grade", "--key", str(folder / "m" / "key.json"), str(path), "--out", str(folder / "rm")])
    return [("grade 1,000,000 submissions", seconds, "s wall", peak, None)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=1000, help="versions to generate (10 questions each)")
    parser.add_argument("--students", type=int, default=2000, help="submissions to grade (10 answers each)")
    parser.add_argument("--million", action="store_true", help="also grade 1,000,000 submissions (slow)")
    args = parser.parse_args()
    tune_gc()    # as the command does
    print(f"quizgen benchmark · {time.strftime('%Y-%m-%d')} · {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        rows = generation(args.versions, Path(tmp)) + grading(args.students, Path(tmp)) + start_up() + \
            small_jobs(Path(tmp)) + printed_exams(Path(tmp)) + lab_notebooks(Path(tmp))
        if args.million:
            rows += million(Path(tmp))
    print(f"{'':32} {'rate':>12}  {'unit':14} {'floor':>12}  {'x floor':>8}")
    for label, rate, unit, floor, ratio in rows:
        if unit == "s wall":
            print(f"{label:32} {rate:12.3f}  {unit:14} {floor:9.0f} MB peak")
        else:
            print(f"{label:32} {rate:12,.0f}  {unit:14} {floor:12,.0f}  {ratio:8.1f}")


if __name__ == "__main__":
    main()
