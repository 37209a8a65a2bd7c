"""quizgen's benchmark: what this machine does per second, each figure beside its floor.

    .venv/bin/python bench/run.py [--versions 1000] [--students 2000]

- generation: questions/s written to JSON and to Moodle XML from the shipped randomized bank (10 questions
  per version), end to end in one process; floor: rendering the same records with the same templates,
  with no sampling and no solving.
- grading: submissions/s (10 answers each) with the key regenerated from bank and seed; floor: reading
  the same CSV with the csv module and nothing else. Scores only, and with every report (feedback files).
- start-up: wall time and peak memory of `quizgen --help` and `quizgen solve` in a fresh process.

Not part of the tests: timings belong here, not in assertions.
"""
from __future__ import annotations

import argparse
import csv
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quizgen import pipeline  # noqa: E402
from quizgen.bank import load_bank  # noqa: E402
from quizgen.formats import FORMATS  # noqa: E402
from quizgen.grade import grade  # noqa: E402
from quizgen.render import Renderer  # noqa: E402
from quizgen.reports import report_files  # noqa: E402

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
    rows = []
    for name in ("json", "moodle"):
        seconds, _ = timed(pipeline.generate, str(BANK), str(folder / name), [name], versions=versions)
        renderer = Renderer()
        drafts = pipeline.draft_all(bank, version_ids, bank.seed)

        def render_only():
            quizset = pipeline.QuizSet(bank, bank.seed, bank.language, [
                pipeline.Version(v, [renderer.question(d, bank.language) for d in drafts if d.version == v])
                for v in version_ids])
            return FORMATS[name].files(quizset, renderer)
        floor, _ = timed(render_only)
        rows.append((f"generate {name}", questions / seconds, "questions/s", questions / floor, seconds / floor))
    return rows


def grading(students: int, folder: Path) -> list[tuple]:
    pipeline.generate(str(BANK), str(folder / "key"), ["sheet"], versions=students)
    sheet = folder / "key" / "responses-key.csv"

    def read_only():
        with open(sheet, newline="", encoding="utf-8") as handle:
            return sum(1 for _ in csv.reader(handle))
    floor, _ = timed(read_only)
    renderer = Renderer()
    scores, run = timed(grade, str(sheet), renderer, bank_path=str(BANK))
    reports, _ = timed(report_files, run, renderer)
    return [("grade, scores only", students / scores, "submissions/s", students / floor, scores / floor),
            ("grade, with every report", students / (scores + reports), "submissions/s", students / floor,
             (scores + reports) / floor)]


# Run through a small Python that spawns the command and reads its peak memory: measured from this (large)
# process, the child's peak would include the memory it is forked with.
PROBE = """import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"""


def start_up() -> list[tuple]:
    rows = []
    for label, argv in (("quizgen --help", ["--help"]),
                        ("quizgen solve", ["solve", "conv2d", "--input", "7x9", "--kernel", "3", "--stride", "2"])):
        probe = subprocess.run([sys.executable, "-c", PROBE, sys.executable, "-m", "quizgen", *argv],
                               capture_output=True, text=True, check=True)
        seconds, peak_kb = probe.stdout.split()
        rows.append((label, float(seconds), "s wall", int(peak_kb) / 1024, None))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=1000, help="versions to generate (10 questions each)")
    parser.add_argument("--students", type=int, default=2000, help="submissions to grade (10 answers each)")
    args = parser.parse_args()
    print(f"quizgen benchmark · {time.strftime('%Y-%m-%d')} · {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, one process")
    with tempfile.TemporaryDirectory() as tmp:
        rows = generation(args.versions, Path(tmp)) + grading(args.students, Path(tmp)) + start_up()
    print(f"{'':28} {'rate':>12}  {'unit':14} {'floor':>12}  {'x floor':>8}")
    for label, rate, unit, floor, ratio in rows:
        if unit == "s wall":
            print(f"{label:28} {rate:12.3f}  {unit:14} {floor:9.0f} MB peak")
        else:
            print(f"{label:28} {rate:12,.0f}  {unit:14} {floor:12,.0f}  {ratio:8.1f}")


if __name__ == "__main__":
    main()
