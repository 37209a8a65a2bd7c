"""The grading driver: key (saved, or regenerated from bank + seed) + submissions -> graded students,
rejected rows, item statistics -> report files (written atomically). Every row read is either graded or
rejected with its reason; nothing is dropped.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .bank import load_bank
from .errors import QuizgenError
from .grading import Marking, mark
from .itemstats import item_statistics
from .submissions import Submission, SubmissionFile, read_submissions

SAFE_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class ItemResult:
    question: dict          # the key's record of the question in the student's version
    text: str | None        # what the student wrote
    marking: Marking

    @cached_property
    def score(self) -> float:
        return round(self.marking.credit * self.question["points"], 6)


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


@dataclass
class GradeRun:
    key: dict
    source: SubmissionFile
    students: list[StudentResult]
    rejected: list[Rejection]
    stats: list[dict] = field(default_factory=list)

    @property
    def question_ids(self) -> list[str]:
        return question_ids(self.key)

    def summary(self) -> dict:
        markings = [item.marking for s in self.students for item in s.items]
        malformed = [s.student_id for s in self.students if any(i.marking.status == "malformed" for i in s.items)]
        scores = [s.score for s in self.students]
        return {
            "rows": len(self.source.rows),
            "graded": len(self.students),
            "rejected": [{"line": r.submission.line, "student_id": r.submission.student_id,
                          "version": r.submission.version, "reason": r.reason, "detail": r.detail}
                         for r in self.rejected],
            "format_errors": sum(m.status == "malformed" for m in markings),
            "students_with_format_errors": malformed,
            "blank_answers": sum(m.status == "blank" for m in markings),
            "mean_score": round(sum(scores) / len(scores), 4) if scores else None,
            "max_score": self.students[0].max_score if self.students else None,
            "ignored_columns": self.source.ignored_columns,
            "missing_questions": self.source.missing_questions,
        }


def question_ids(key: dict) -> list[str]:
    """The bank's question ids, in order (every version has the same)."""
    return [q["id"] for q in key["versions"][0]["questions"]]


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


def regenerate_key(bank, submissions: SubmissionFile, renderer, *, seed: int | None, versions: int | None,
                   roster: str | None, language: str | None) -> dict:
    """The key of every version handed out: v1..vN (--versions), the roster's ids (--roster), or else
    every version the submissions name (versions are reproducible from bank + seed)."""
    from .pipeline import build, read_roster  # noqa: PLC0415 - torch comes with it

    if roster:
        version_ids = read_roster(roster)
    elif versions:
        version_ids = [f"v{n}" for n in range(1, versions + 1)]
    else:
        named = {row.version for row in submissions.rows if SAFE_VERSION.match(row.version)}
        version_ids = sorted(named, key=_natural) or ["v1"]
    quizset = build(bank, version_ids, bank.seed if seed is None else seed, language or bank.language, renderer)
    return quizset.to_dict()


def _natural(text: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def grade(submissions_path: str, renderer, *, key_path: str | None = None, bank_path: str | None = None,
          seed: int | None = None, versions: int | None = None, roster: str | None = None,
          language: str | None = None) -> GradeRun:
    if key_path:
        key = load_key(key_path)
        source = read_submissions(submissions_path, question_ids(key))
    else:
        bank = load_bank(bank_path)
        source = read_submissions(submissions_path, [q.id for q in bank.questions])
        key = regenerate_key(bank, source, renderer, seed=seed, versions=versions, roster=roster, language=language)
    accepted, rejected = account(source.rows, {v["version"]: v for v in key["versions"]})
    students = [grade_student(row, version) for row, version in accepted]
    run = GradeRun(key, source, students, rejected)
    run.stats = item_statistics(run)
    return run


def account(rows: list[Submission], versions: dict) -> tuple[list, list[Rejection]]:
    """Which rows are graded, and why the others are not. A student who appears twice is graded on the
    last row (a correction typed later); the earlier rows are rejected naming the row used."""
    rejected, valid = [], []
    for row in rows:
        if row.problem:
            rejected.append(Rejection(row, "malformed_row", row.problem))
        elif not row.student_id:
            rejected.append(Rejection(row, "missing_student_id", "the row has no student id"))
        elif not row.version:
            rejected.append(Rejection(row, "missing_version", "the row has no version"))
        elif row.version not in versions:
            known = list(versions)
            shown = ", ".join(known[:5]) + (f", ... ({len(known)} versions)" if len(known) > 5 else "")
            rejected.append(Rejection(row, "unknown_version",
                                      f"version {row.version!r} is not in the key (known: {shown})"))
        else:
            valid.append(row)
    last = {row.student_id: row for row in valid}
    accepted = []
    for row in valid:
        used = last[row.student_id]
        if used is row:
            accepted.append((row, versions[row.version]))
        else:
            rejected.append(Rejection(row, "duplicate", f"student {row.student_id!r} appears again on line "
                                                        f"{used.line}; that later row was graded"))
    rejected.sort(key=lambda r: r.submission.line)
    return accepted, rejected


def grade_student(row: Submission, version: dict) -> StudentResult:
    items = [ItemResult(q, row.answers.get(q["id"]), mark(q, row.answers.get(q["id"])))
             for q in version["questions"]]
    return StudentResult(row, version, items)
