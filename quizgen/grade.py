"""The grading driver: a key (saved, or regenerated from bank + seed) and a submission file in; graded
students, rejected rows, item statistics and report files out. Every row read is either graded or rejected
with its reason; nothing is dropped.

It streams, so a course of a million students fits in memory: a first pass over the file accounts for
every row (graded, or rejected and why); a second grades the accepted rows in chunks, regenerating (and
checking with torch) the keys of a chunk's versions together, and hands each graded chunk to the reports.
With ``jobs`` > 1, chunks are graded by that many processes and taken back in order, so the reports are
byte for byte those of one process.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cached_property
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

from .bank import load_bank
from .caches import remember
from .errors import QuizgenError
from .grading import Marking, mark
from .itemstats import item_score
from .submissions import Submission, read_submissions

SAFE_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
CHUNK = 500             # rows graded together: their versions' keys are regenerated in one batch
VERSION_CACHE = 2_000   # regenerated versions kept for the rows that come after (each ~30 kB)
QUESTION_CACHE = 20_000  # rendered question records kept (versions share them)
MARK_CACHE = 100_000    # (question, answer) verdicts kept: many students write the same answer


@dataclass(frozen=True)
class ItemResult:
    question: dict          # the key's record of the question in the student's version
    text: str | None        # what the student wrote
    marking: Marking

    @cached_property
    def score(self) -> float:
        return item_score(self.marking.credit, self.question["points"])


@dataclass(frozen=True)
class StudentResult:
    submission: Submission
    version: dict           # the key's version record
    items: list[ItemResult]

    @property
    def student_id(self) -> str:
        return self.submission.student_id

    @cached_property
    def score(self) -> float:
        return round(sum(item.score for item in self.items), 6)

    @property
    def max_score(self) -> float:
        return self.version["max_score"]

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 2) if self.max_score else 0.0


@dataclass(frozen=True)
class Rejection:
    submission: Submission
    reason: str             # malformed_row, missing_student_id, missing_version, unknown_version, duplicate
    detail: str
    position: int = -1      # which row of the file (0, 1, ...): rows of a JSON file may share a line


class AnyVersion:
    """The versions of a key regenerated with neither --versions nor --roster: any version id, since
    each is reproducible from bank and seed."""

    def __contains__(self, version: str) -> bool:
        return bool(SAFE_VERSION.match(version))

    def describe(self) -> str:
        return "any version id made of letters, digits, '.', '_' and '-'"


def _known(versions) -> str:
    if hasattr(versions, "describe"):
        return versions.describe()
    shown = ", ".join(islice(versions, 5))     # not all of them: a roster may name a million
    return shown + (f", ... ({len(versions)} versions)" if len(versions) > 5 else "")


@dataclass
class Accounting:
    """The first pass: how many rows, how many are graded (every row not rejected), every rejection."""
    rows: int
    graded: int
    rejected: list[Rejection]


def account(rows: Iterable[Submission], versions) -> Accounting:
    """Which rows are graded, and why the others are not. A student who appears twice is graded on the
    last row (a correction typed later); the earlier rows are rejected naming the row used."""
    count, rejected, last, earlier = 0, [], {}, []
    for position, row in enumerate(rows):
        count += 1
        reason, detail = _rejected(row, versions)
        if reason:
            rejected.append(Rejection(_bare(row), reason, detail, position))
            continue
        if row.student_id in last:
            earlier.append((row.student_id, *last[row.student_id]))
        last[row.student_id] = (position, row.line, row.version)
    rejected += [Rejection(Submission(line, student, version, {}), "duplicate",
                           f"student {student!r} appears again on line {last[student][1]}; that later row was graded",
                           position)
                 for student, position, line, version in earlier]
    rejected.sort(key=lambda r: (r.submission.line, r.position))
    return Accounting(count, len(last), rejected)


def _rejected(row: Submission, versions) -> tuple[str, str]:
    """Why a row cannot be graded whatever the other rows say (("", "") if it can)."""
    if row.problem:
        return "malformed_row", row.problem
    if not row.student_id:
        return "missing_student_id", "the row has no student id"
    if not row.version:
        return "missing_version", "the row has no version"
    if row.version not in versions:
        return "unknown_version", f"version {row.version!r} is not in the key (known: {_known(versions)})"
    return "", ""


def _bare(row: Submission) -> Submission:
    """A rejected row without its answers (a rejection names the row; it need not keep what it says)."""
    return Submission(row.line, row.student_id, row.version, {}, row.problem)


def accepted_rows(rows: Iterable[Submission], accounting: Accounting) -> Iterator[Submission]:
    """The second pass: the rows to grade (every row not rejected), in file order. Only the rejected
    rows' positions are remembered between the passes, not every student."""
    rejected = {r.position for r in accounting.rejected}
    return (row for position, row in enumerate(rows) if position not in rejected)


def chunks(rows: Iterable, size: int | None = None) -> Iterator[list]:
    """The rows in lists of ``size`` (default CHUNK)."""
    size, iterator = size or CHUNK, iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- keys ---------------------------------------------------------------------------------------------

class SavedKey:
    """A key.json written by ``quizgen generate --format json``."""

    def __init__(self, document: dict):
        self.title, self.language = document["title"], document["language"]
        self.versions = {v["version"]: v for v in document["versions"]}
        first = document["versions"][0]
        self.slots = [{"id": q["id"], "type": q["type"], "points": q["points"]} for q in first["questions"]]
        self.max_score = first["max_score"]

    @property
    def allowed(self):
        return self.versions

    def records(self, version_ids: list[str]) -> dict[str, dict]:
        return {v: self.versions[v] for v in version_ids}


class RegeneratedKey:
    """The key of the versions handed out, regenerated from bank and seed as grading needs them: a chunk's
    versions are drafted, checked by torch and rendered together, and recent ones are kept."""

    def __init__(self, bank, seed: int, language: str, renderer, allowed):
        from .pipeline import Drafter  # noqa: PLC0415
        from .reference import load_torch  # noqa: PLC0415

        load_torch()   # needed for every version; imported once here, before any grading process is forked
        self.bank, self.renderer, self.allowed = bank, renderer, allowed
        self.title, self.language = bank.title, language
        self.drafter = Drafter(bank, seed)
        self.slots = [{"id": q.id, "type": q.type, "points": q.points} for q in bank.questions]
        self.max_score = sum(q.points for q in bank.questions)
        self._versions: dict[str, dict] = {}
        self._questions: dict[int, tuple] = {}     # id(draft) -> (draft, its record): a shared draft once

    def records(self, version_ids: list[str]) -> dict[str, dict]:
        from . import solve  # noqa: PLC0415

        found = {v: self._versions[v] for v in version_ids if v in self._versions}
        drafted = [(version, self.drafter.version(version)) for version in dict.fromkeys(version_ids)
                   if version not in found]
        solve.cross_check(self.drafter.take_fresh(), self.bank.file)
        for version, drafts in drafted:
            questions = [self._record(draft) for draft in drafts]
            found[version] = {"version": version, "max_score": sum(q["points"] for q in questions),
                              "questions": questions}
            # (this may evict a version of this chunk from the cache: ``found`` keeps them all)
            remember(self._versions, version, found[version], VERSION_CACHE)
        return found

    def _record(self, draft) -> dict:
        cached = self._questions.get(id(draft))
        if cached is None or cached[0] is not draft:
            cached = (draft, self.renderer.question(draft, self.language).to_dict())
            remember(self._questions, id(draft), cached, QUESTION_CACHE)
        return cached[1]


def load_key(path: str) -> dict:
    """A key.json written by `quizgen generate --format json`, checked against its schema."""
    from jsonschema import Draft202012Validator  # noqa: PLC0415

    from .schema import OUTPUT_SCHEMA  # noqa: PLC0415

    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QuizgenError("no such file; --key needs the key.json that `quizgen generate --format json` "
                           "wrote", file=path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise QuizgenError(f"cannot read the key ({error.__class__.__name__})", file=path) from None
    try:
        key = json.loads(text)
    except json.JSONDecodeError as error:
        raise QuizgenError(f"JSON syntax error: {error.msg}", file=path, line=error.lineno) from None
    # The whole schema on the first version; the fields grading reads on every other one (a full check of
    # 100,000 versions would take minutes).
    first = {**key, "versions": key.get("versions", [])[:1]} if isinstance(key, dict) else key
    error = next(iter(Draft202012Validator(OUTPUT_SCHEMA).iter_errors(first)), None)
    if error is not None:
        where = "/".join(map(str, error.absolute_path)) or "top level"
        raise QuizgenError(f"not a quizgen key (quizgen-quizset/1): at {where}: {error.message[:200]}",
                           file=path)
    if not key["versions"]:
        raise QuizgenError("the key has no versions", file=path)
    for index, version in enumerate(key["versions"][1:], 1):
        missing = _missing_fields(version)
        if missing:
            raise QuizgenError(f"not a quizgen key (quizgen-quizset/1): at versions/{index}: {missing}", file=path)
    return key


def _missing_fields(version) -> str:
    """What grading needs of a version record that it lacks ("" if nothing)."""
    if not isinstance(version, dict) or not {"version", "max_score", "questions"} <= version.keys():
        return "a version needs version, max_score and questions"
    for question in version["questions"]:
        if not isinstance(question, dict) or not {"id", "points", "answer"} <= question.keys() or \
                not isinstance(question["answer"], dict) or not {"kind", "value", "text"} <= question["answer"].keys():
            return "a question needs id, points and answer {kind, value, text}"
    return ""


def regenerated_versions(roster: str | None, versions: int | None):
    """The versions handed out: v1..vN (--versions), the roster's ids (--roster), or else any version
    (each is reproducible from bank + seed)."""
    from .pipeline import read_roster  # noqa: PLC0415

    if roster:
        return dict.fromkeys(read_roster(roster))
    if versions:
        return {f"v{n}": None for n in range(1, versions + 1)}
    return AnyVersion()


def open_key(submissions_path: str, renderer, *, key_path: str | None, bank_path: str | None, seed: int | None,
             versions: int | None, roster: str | None, language: str | None):
    """The key to grade against and the submission file, read against its question ids."""
    if key_path:
        key = SavedKey(load_key(key_path))
        return key, read_submissions(submissions_path, [slot["id"] for slot in key.slots])
    bank = load_bank(bank_path)
    source = read_submissions(submissions_path, [q.id for q in bank.questions])
    allowed = regenerated_versions(roster, versions)
    key = RegeneratedKey(bank, bank.seed if seed is None else seed, language or bank.language, renderer, allowed)
    return key, source


def grade_chunk(key, rows: list[Submission]) -> list[StudentResult]:
    records = key.records([row.version for row in rows])
    return [grade_student(row, records[row.version]) for row in rows]


_MARKS: dict[tuple, tuple] = {}


def cached_mark(question: dict, text: str | None) -> Marking:
    """mark(), remembered per (question record, text): versions share records, students share answers."""
    found = _MARKS.get((id(question), text))
    if found is not None and found[0] is question:
        return found[1]
    marking = mark(question, text)
    remember(_MARKS, (id(question), text), (question, marking), MARK_CACHE)
    return marking


def grade_student(row: Submission, version: dict) -> StudentResult:
    items = [ItemResult(q, row.answers.get(q["id"]), cached_mark(q, row.answers.get(q["id"])))
             for q in version["questions"]]
    return StudentResult(row, version, items)


def grade(submissions_path: str, renderer, out_dir: str, *, key_path: str | None = None,
          bank_path: str | None = None, seed: int | None = None, versions: int | None = None,
          roster: str | None = None, language: str | None = None, canvas_id: str = "sis_user_id",
          jobs: int = 1) -> tuple[dict, int]:
    """Grade a submission file and write every report under out_dir (atomically); return the summary and
    how many files were written."""
    from .output import Staging  # noqa: PLC0415
    from .parallel import ordered_map  # noqa: PLC0415
    from .reports import ReportWriter  # noqa: PLC0415

    key, source = open_key(submissions_path, renderer, key_path=key_path, bank_path=bank_path, seed=seed,
                           versions=versions, roster=roster, language=language)
    accounting = account(source.rows(), key.allowed)
    with Staging(out_dir, owned_dirs=("feedback",)) as staging:
        reports = ReportWriter(staging, key, renderer, canvas_id)
        tasks = ((rows, reports.stems.stems(rows)) for rows in chunks(accepted_rows(source.rows(), accounting)))
        for report in ordered_map(_grade_and_report, (key, reports.context), tasks, jobs):
            reports.take(report)
        summary = reports.finish(accounting, source)
        pictures = staging.folder / "feedback" / "pictures"
        files = reports.feedback_files + (len(os.listdir(pictures)) if pictures.is_dir() else 0)
        written = staging.commit()
        return summary, files + len(written) - len(staging.owned_dirs)


def _grade_and_report(state, task):
    key, context = state
    rows, stems = task
    return context.report(grade_chunk(key, rows), stems)
