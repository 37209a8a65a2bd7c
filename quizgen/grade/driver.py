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
import math
import os
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

from ..answers.credit import Marking, mark
from ..core.caches import remember
from ..core.errors import QuizgenError
from ..core.progress import progress
from ..core.signing import from_hex
from ..generate.bank import load_bank
from ..generate.fingerprint import Fingerprint, another_bank, changed_questions, difference
from .handed_out import HandedOut, is_numbered
from .itemstats import item_score
from .roster import read_roster, same_student
from .submissions import (
    Submission,
    SubmissionFile,
    TableSubmissions,
    read_submissions,
)
from .timestamps import later, shown

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
        return round(math.fsum(item.score for item in self.items), 10)

    @property
    def max_score(self) -> float:
        return self.version["max_score"]

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 10) if self.max_score else 0.0


@dataclass(frozen=True)
class Rejection:
    submission: Submission
    reason: str             # malformed_row, missing_student_id, other_quiz, unknown_student, wrong_version,
                            # missing_version, unknown_version, duplicate
    detail: str
    position: int = -1      # which row of the file (0, 1, ...): rows of a JSON file may share a line


READ_AS_KEPT = 1_000        # rows whose version was matched, listed one by one in the summary (the rest counted)


@dataclass
class Accounting:
    """The first pass: how many rows, how many are graded (every row not rejected), every rejection, and the
    rows whose version was read as another spelling of one handed out."""
    rows: int
    graded: int
    rejected: list[Rejection]
    read_as: list[tuple[Submission, str]] = field(default_factory=list)   # (the row, bare; how it was read)
    read_as_count: int = 0
    notes: list[str] = field(default_factory=list)
    unused: list[tuple[int, int]] = field(default_factory=list)     # (position, line): blank rows of a sheet
    missing: list[str] = field(default_factory=list)                # students of a roster with no row


ANONYMOUS = {"anonymous", "anónimo", "anonimo", "anónima", "anonima"}   # what Forms write for no sign-in


class Placer:
    """Where a row belongs: its version among those handed out (``handed_out.resolve``), its student (in a
    roster, a student of the roster, written as the roster writes the id, answering their own version), and
    whether it carries this quiz's fingerprint; or why the row cannot be graded. Pure and remembered, so
    the two passes over a file agree."""

    def __init__(self, handed: HandedOut, accepted: Fingerprint | None = None):
        self.handed, self.accepted = handed, accepted
        self._fingerprints: dict[str, str] = {}

    def place(self, row: Submission) -> tuple[Submission, str, str]:
        """(the row as graded, reason, detail): reason "" when it is graded; detail then says how its
        student or version was read ("" when written as handed out)."""
        if row.file and row.fingerprint and self.accepted is not None:
            other = self._other_quiz(row.fingerprint, "notebook")     # of another quiz: said before all else
            if other:
                return row, "other_quiz", other
        if row.problem:
            return row, row.reason or "malformed_row", row.problem
        if not row.student_id:
            return row, "missing_student_id", ("the notebook's student id cell is empty" if row.file else
                                               "the row has no student id")
        if row.student_id.casefold() in ANONYMOUS:
            return row, "missing_student_id", (f"an anonymous response ({row.student_id!r}: the form recorded no "
                                               "e-mail or name), which cannot be graded for a student")
        if row.fingerprint and self.accepted is not None:
            other = self._other_quiz(row.fingerprint, "notebook" if row.file else "row")
            if other:
                return row, "other_quiz", other
        if self.handed.per_student:
            return self._own_version(row)
        written = row.version or self.handed.single() or ""
        if not written:
            return row, "missing_version", "the row has no version"
        found = self.handed.resolve(written)
        if found.version is None:
            return row, "unknown_version", f"version {found.note}"
        if found.version == row.version:
            return row, "", ""
        return replace(row, version=found.version), "", f"version {found.note}" if row.version else ""

    def _own_version(self, row: Submission) -> tuple[Submission, str, str]:
        """In a roster each student answers their own version: the student must be one of the roster (matched
        as for versions: 123 is 00123), and a version written must be theirs."""
        who = self.handed.resolve(row.student_id)
        if who.version is None:
            return row, "unknown_student", f"student {row.student_id!r} is not in the roster ({self.handed.source})"
        notes = [f"student {who.note}"] if who.note else []
        if row.version and row.version != row.student_id:
            found = self.handed.resolve(row.version)
            if found.version is None:
                return row, "unknown_version", f"version {found.note}"
            if found.version != who.version:
                return row, "wrong_version", (f"student {who.version!r} was handed their own version, not "
                                              f"{found.version!r} (another student's)")
            if found.note:
                notes.append(f"version {found.note}")
        placed = replace(row, student_id=who.version, version=who.version)
        return (row if placed == row else placed), "", "; ".join(notes)

    def _other_quiz(self, text: str, noun: str) -> str:
        """Why a row's (a notebook's) fingerprint is not this quiz's ("" when it is)."""
        verdict = self._fingerprints.get((text, noun))
        if verdict is None:
            made = Fingerprint.parse(text)
            if made is None:
                verdict = f"the fingerprint cell is not a quiz fingerprint ({text[:40]!r}); leave it as written"
            elif made.same_quiz(self.accepted):
                verdict = ""
            else:
                verdict = f"the {noun} was made for another quiz (seed {made.seed}, bank {made.bank})"
            remember(self._fingerprints, (text, noun), verdict, 100)
        return verdict


def account(rows: Iterable[Submission], placer: Placer) -> Accounting:
    """Which rows are graded, and why the others are not. A student who appears twice is graded on the
    latest submission: a row with answers before an empty one, then by the time the file gives (a Forms
    timestamp), else the last row (a correction typed later); the other rows are rejected naming the row
    used. In a roster, the students with no row are listed."""
    count, rejected, last, earlier = 0, [], {}, []
    result = Accounting(0, 0, [])
    ambiguous = 0
    for position, row in enumerate(rows):
        count += 1
        if not row.student_id and not row.answers and not row.problem and not row.file:
            result.unused.append((position, row.line))      # a row of the sheet nobody filled in
            continue
        placed, reason, detail = placer.place(row)
        if reason:
            rejected.append(Rejection(_bare(row), reason, detail, position))
            continue
        if detail:
            result.read_as_count += 1
            if len(result.read_as) < READ_AS_KEPT:
                result.read_as.append((_bare(row), detail))
        student = same_student(placed.student_id)
        entry = (position, (row.line, row.file), placed.version, row.submitted, bool(row.answers), placed.student_id)
        if student in last:
            before = last[student]
            if entry[4] != before[4]:
                newer = entry[4]            # a row with answers counts over an empty one, wherever it is
            else:
                newer = later(row.submitted, before[3])
                if newer is None and row.submitted and before[3] and row.submitted[:2] != before[3][:2]:
                    ambiguous += 1
            if newer is False:          # the row already kept is the submission that counts
                earlier.append((student, *entry[:3], entry[4]))
                continue
            earlier.append((student, *before[:3], before[4]))
        last[student] = entry
    rejected += [Rejection(Submission(place[0], last[student][5], version, {}, file=place[1]),
                           "duplicate", _superseded(last[student], answered), position)
                 for student, position, place, version, answered in earlier]
    rejected.sort(key=lambda r: r.position)     # the order of the file's rows (or the folder's files)
    result.rows, result.graded, result.rejected = count, len(last), rejected
    if placer.handed.per_student:
        result.missing = [s for s in placer.handed.ids if same_student(s) not in last]
    if result.unused:
        lines = ", ".join(str(line) for _, line in result.unused[:10]) + (", ..." if len(result.unused) > 10 else "")
        result.notes.append(f"{len(result.unused)} row(s) with neither a student id nor an answer (unused rows of "
                            f"the sheet: line {lines}) were not graded")
    if ambiguous:
        result.notes.append(f"{ambiguous} pair(s) of submissions by one student have dates that read either as "
                            "day/month or month/day: the later row in the file was taken")
    return result


def _superseded(kept: tuple, answered: bool) -> str:
    """Why a row of a student is not the one graded: ``kept`` is the row graded."""
    _, (line, file), _, submitted, kept_answered, student = kept
    noun, where = ("notebook", f"file {file}") if file else ("row", f"line {line}")
    if kept_answered and not answered:
        return f"a {noun} of student {student!r} without answers; the {noun} with answers ({where}) was graded"
    if submitted:
        return f"student {student!r} submitted again at {shown(submitted)} ({where}); that submission was graded"
    if noun == "row":
        return f"student {student!r} appears again on {where}; that row was graded"
    return f"student {student!r} handed in another notebook ({where}); that notebook was graded"


def _bare(row: Submission) -> Submission:
    """A rejected row without its answers (a rejection names the row; it need not keep what it says)."""
    return Submission(row.line, row.student_id, row.version, {}, row.problem, file=row.file)


def accepted_rows(rows: Iterable[Submission], accounting: Accounting, placer: Placer) -> Iterator[Submission]:
    """The second pass: the rows to grade (every row not rejected), in file order, as placed. Only the
    rejected rows' positions are remembered between the passes, not every student."""
    skipped = {r.position for r in accounting.rejected} | {position for position, _ in accounting.unused}
    return (placer.place(row)[0] for position, row in enumerate(rows) if position not in skipped)


def chunks(rows: Iterable, size: int | None = None) -> Iterator[list]:
    """The rows in lists of ``size`` (default CHUNK)."""
    size, iterator = size or CHUNK, iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- keys ---------------------------------------------------------------------------------------------

class SavedKey:
    """A key.json written by ``quizgen generate --format json``."""

    def __init__(self, document: dict, path: str):
        self.title, self.language = document["title"], document["language"]
        self.versions = {v["version"]: v for v in document["versions"]}
        first = document["versions"][0]
        self.slots = [{"id": q["id"], "type": q["type"], "points": q["points"]} for q in first["questions"]]
        self.max_score = first["max_score"]
        self.fingerprint = Fingerprint.parse(document.get("fingerprint", ""))
        self.name = Path(path).name
        signing = document.get("signing_key")
        self.signing = from_hex(signing["key"], f"{self.name}: signing_key") if signing else None

    def handed_out(self, made: Fingerprint | None = None) -> HandedOut:
        """The key's versions (only v1..vN when the sheet, ``made``, says those N were handed out); per
        student when the key was made for a roster (or, for a key from before fingerprints, when its versions
        are not v1..vN)."""
        ids = list(self.versions)
        if made is not None and made.version_count:
            ids = [v for v in ids if is_numbered(v) and int(v[1:]) <= made.version_count]
        if self.fingerprint is not None:
            per_student = self.fingerprint.roster is not None
        else:
            per_student = not all(map(is_numbered, ids))
        return HandedOut(ids=ids, source=self.name, per_student=per_student)

    def records(self, version_ids: list[str]) -> dict[str, dict]:
        return {v: self.versions[v] for v in version_ids}


class RegeneratedKey:
    """The key of the versions handed out, regenerated from bank and seed as grading needs them: a chunk's
    versions are drafted, checked by torch and rendered together, and recent ones are kept."""

    def __init__(self, bank, seed: int, language: str, renderer):
        from ..generate.pipeline import Drafter  # noqa: PLC0415

        # (torch is imported where a verdict is not yet known: generate.verdicts; often never)
        self.bank, self.renderer = bank, renderer
        self.title, self.language = bank.title, language
        self.drafter = Drafter(bank, seed)
        self.slots = [{"id": q.id, "type": q.type, "points": q.points} for q in bank.questions]
        self.max_score = sum(q.points for q in bank.questions)
        self._versions: dict[str, dict] = {}
        self._questions: dict[int, tuple] = {}     # id(draft) -> (draft, its record): a shared draft once

    def records(self, version_ids: list[str]) -> dict[str, dict]:
        from ..generate import crosscheck  # noqa: PLC0415

        found = {v: self._versions[v] for v in version_ids if v in self._versions}
        drafted = [(version, self.drafter.version(version)) for version in dict.fromkeys(version_ids)
                   if version not in found]
        crosscheck.cross_check(self.drafter.take_fresh(), self.bank.file)
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

    from ..generate.schema import output_schema  # noqa: PLC0415

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
    error = next(iter(Draft202012Validator(output_schema()).iter_errors(first)), None)
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


# --- what is graded against what -------------------------------------------------------------------

@dataclass
class Opened:
    """A grading run's inputs, checked against each other: the key, the submissions, where each row goes."""
    key: object                     # SavedKey or RegeneratedKey
    source: SubmissionFile
    placer: Placer
    notes: list[str]                # what the summary should say about how the file was read
    regraded: list[str]             # with --regrade: the questions changed since the sheet was made


def open_key(submissions_path: str, renderer, *, key_path: str | None = None, bank_path: str | None = None,
             seed: int | None = None, versions: int | None = None, roster: str | None = None,
             language: str | None = None, columns: str | None = None, regrade: bool = False,
             id_column: str | None = None) -> Opened:
    """The key to grade against and the submission file, read against its question ids and checked: the file
    must be of this quiz (its fingerprint, where it carries one) and the versions handed out known (from the
    file's fingerprint, --versions, --roster or the key)."""
    from .submissions import read_column_map  # noqa: PLC0415

    column_map = read_column_map(columns) if columns else None
    name = Path(submissions_path).name
    if key_path:
        key = SavedKey(load_key(key_path), key_path)
        source = read_submissions(submissions_path, [slot["id"] for slot in key.slots], column_map,
                                  lambda: _signing_keys(key.signing))
        made, regraded, _ = _provenance(source, key.fingerprint, [s["id"] for s in key.slots],
                                        f"{key.name} was made with seed {getattr(key.fingerprint, 'seed', '?')}",
                                        regrade=False, seed_flag=False)
        _same_hand_out(made, key, source.called)
        handed = key.handed_out(made)
        notes = [f"{key.name} carries no fingerprint (made before quizgen had them): the sheet's could not be "
                 "checked against it"] if key.fingerprint is None and source.has_fingerprint else []
    else:
        bank = load_bank(bank_path)
        chosen = bank.seed if seed is None else seed
        expected = Fingerprint.of(bank, chosen)
        ids = [q.id for q in bank.questions]
        source = read_submissions(submissions_path, ids, column_map, lambda: _signing_keys())
        seed_now = f"you gave {chosen}" if seed is not None else f"the bank's seed is {chosen}"
        made, regraded, edited = _provenance(source, expected, ids, seed_now, regrade)
        handed = _handed_out(made, versions, roster, name, id_column)
        key, notes = None, [f"--regrade: {edited}"] if edited else []
    if not source.has_version and not handed.per_student and handed.single() is None:
        raise QuizgenError(f"no version column, and {len(handed)} versions were handed out ({handed.source}); "
                           "allowed: a version column (version, versión), or --columns mapping one",
                           file=submissions_path)
    if made is None:
        notes.append(f"{name} carries no quiz fingerprint: it was checked against the versions handed out "
                     f"({handed.source}), not against the quiz it was made for")
    if key is None:
        key = RegeneratedKey(bank, chosen, language or bank.language, renderer)
    return Opened(key, source, Placer(handed, made), notes + source.notes, regraded)


def _signing_keys(saved=None):
    """``keys_for(fingerprint)``: the keys a notebook of that quiz may be signed with: the saved key.json's,
    and this machine's key for that quiz (core/signing.py)."""
    from ..core.signing import machine_key  # noqa: PLC0415

    here = machine_key(create=False)

    def keys_for(fingerprint: str) -> list:
        keys = [saved] if saved is not None else []
        if here is not None:
            mine = here.for_quiz(fingerprint)
            keys += [mine] if all(k.id != mine.id for k in keys) else []
        return keys
    return keys_for


def _provenance(source: SubmissionFile, expected: Fingerprint | None, question_ids: list[str], seed_now: str,
                regrade: bool, seed_flag: bool = True) -> tuple[Fingerprint | None, list[str], str]:
    """The fingerprint the file's rows must carry (None: the file has none, or there is nothing to compare it
    with), and with --regrade the questions changed since the file was made and how the bank differs. A file
    made for another quiz is refused whole (exit 2): naming what differs."""
    counts = source.fingerprints()
    name = source.called         # the error is located at it
    if source.has_fingerprint and not counts and isinstance(source, TableSubmissions):
        raise QuizgenError("the fingerprint column is empty in every row (cleared?): the sheet cannot be checked "
                           "against the quiz it was made for; copy the column back from responses.csv, or delete "
                           "the column to grade it unchecked", file=source.path)
    parsed = [(Fingerprint.parse(text), n) for text, n in counts.most_common()]
    if counts and all(fp is None for fp, _ in parsed):
        text = counts.most_common(1)[0][0]
        raise QuizgenError(f"the fingerprint column holds no quiz fingerprint (e.g. {text[:40]!r}): {name} cannot "
                           "be checked against the quiz it was made for; copy the column back from responses.csv, "
                           "or delete it to grade the file unchecked", file=source.path)
    parsed = [(fp, n) for fp, n in parsed if fp is not None]
    if not parsed or expected is None:
        if regrade:
            raise QuizgenError(f"--regrade grades a sheet against an edited bank, and {name} carries no "
                               "fingerprint to compare the bank with; grade without --regrade", field="--regrade")
        return (parsed[0][0] if parsed else None), [], ""
    same = next((fp for fp, _ in parsed if fp.same_quiz(expected)), None)
    if same is not None:
        return same, [], ""
    made = parsed[0][0]
    why = difference(made, expected, question_ids, made_by=name, seed_now=seed_now)
    if regrade and (made.scheme, made.seed) == (expected.scheme, expected.seed) and not another_bank(made, expected):
        return made, changed_questions(made, expected, question_ids), why
    if made.seed != expected.seed or made.scheme != expected.scheme:
        hint = f"; grade with --seed {made.seed}" if seed_flag and made.bank == expected.bank else ""
        raise QuizgenError(f"{why}{hint}; nothing was graded", file=source.path)
    if another_bank(made, expected):
        raise QuizgenError(f"{why}; nothing was graded (grade it with its own bank or key"
                           + ("; --regrade is for a bank edited after the hand-out" if regrade else "") + ")",
                           file=source.path)
    fix = "regrade with --regrade" if seed_flag else "grade with the bank and --regrade"
    raise QuizgenError(f"{why}; nothing was graded (grade with the bank it was made from, or, if you fixed the "
                       f"bank on purpose, {fix})", file=source.path)


def _same_hand_out(made: Fingerprint | None, key: SavedKey, called: str = "the sheet") -> None:
    """A sheet handed out otherwise than the key's versions (per student against v1..vN, or more versions than
    the key has) is refused: its rows would all be of versions the key does not hold."""
    if made is None or key.fingerprint is None or not made.handed_out:
        return
    def said(fp):
        return f"a roster of {fp.roster[0]} students" if fp.roster else f"--versions {fp.version_count}"
    held = key.fingerprint
    if (made.roster is None) != (held.roster is None) or (made.version_count or 0) > (held.version_count or 0):
        raise QuizgenError(f"{called} was handed out for {said(made)}; {key.name} was made for {said(held)}: grade "
                           "with the key of the hand-out, or with the bank", field="--key")


def _handed_out(made: Fingerprint | None, versions: int | None, roster: str | None, name: str,
                id_column: str | None = None) -> HandedOut:
    """The versions handed out, from --roster or --versions, checked against what the file says it was made
    for; or from the file's fingerprint alone."""
    made_for = made.version_count if made else None
    made_roster = made.roster if made else None
    if roster:
        if made_for:
            raise QuizgenError(f"{name} was made with --versions {made_for}, not for a roster; leave --roster out",
                               field="--roster")
        students = read_roster(roster, id_column)
        if made_roster and made_roster[1] != students.digest():
            # A student's version depends on the id as written: 123 for 00123 would be another version.
            numbers = next((note for note in students.notes if "number cells" in note), "")
            raise QuizgenError(f"not the roster {name} was made for ({made_roster[0]} students then, "
                               f"{len(students.ids)} here; the ids differ: a student added or removed, another "
                               "id column, or ids a spreadsheet rewrote); give the roster (and --id-column) the "
                               "quiz was generated with, or grade with the key.json of a generate run with this "
                               "roster (--key)" + (f" ({numbers})" if numbers else ""),
                               file=roster, field="--roster")
        handed = HandedOut(ids=students.ids, source=Path(roster).name, per_student=True)
        handed.notes = [f"{Path(roster).name}: {note}" for note in students.notes]
        return handed
    if versions:
        if made_roster:
            raise QuizgenError(f"{name} was made for a roster of {made_roster[0]} students, not --versions "
                               f"{versions}; give the roster with --roster", field="--versions")
        if made_for and made_for != versions:
            raise QuizgenError(f"{name} was made with --versions {made_for}; you gave {versions} (leave --versions "
                               "out: it says which versions were handed out)", field="--versions")
        return HandedOut(count=versions, source=f"--versions {versions}")
    if made_for:
        return HandedOut(count=made_for, source=f"{name} (made with --versions {made_for})")
    if made_roster:
        raise QuizgenError(f"{name} was made for a roster of {made_roster[0]} students; give it with --roster "
                           "(or grade with --key key.json)", field="--roster")
    raise QuizgenError(f"which versions were handed out? {name} does not say (it is not what quizgen hands out: a "
                       "response sheet, or notebooks with quizgen metadata); give --versions N (v1..vN), --roster "
                       "students.csv, or --key key.json",
                       field="--versions")


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


def grade(submissions_path: str, renderer, out_dir: str, *, jobs: int = 1, canvas_id: str = "sis_user_id",
          return_notebooks: bool = False, **inputs) -> tuple[dict, int]:
    """Grade a submission file (or a folder or zip of notebooks) and write every report under out_dir
    (atomically); return the summary and how many files were written. ``inputs`` are open_key's (key_path or
    bank_path, seed, versions, roster, language, columns, regrade); ``return_notebooks``: a graded copy of each
    notebook (returned/ and returned.zip). A file of which no row can be graded is an error: nothing is
    written."""
    from ..core.output import Staging  # noqa: PLC0415
    from ..core.parallel import ordered_map  # noqa: PLC0415
    from .notebooks import NotebookReturner, zip_folder  # noqa: PLC0415
    from .reports import ReportWriter  # noqa: PLC0415

    if os.path.isdir(submissions_path) and Path(out_dir).resolve().is_relative_to(Path(submissions_path).resolve()):
        raise QuizgenError(f"{out_dir!r} is inside the folder of submissions being graded; allowed: a folder outside "
                           f"it (its reports would be read as submissions next time)", field="--out")
    before = _stamp(submissions_path)
    opened = open_key(submissions_path, renderer, **inputs)
    key, source, placer = opened.key, opened.source, opened.placer
    accounting = account(progress(source.rows(), None, "reading", "row"), placer)
    accounting.notes[:0] = opened.notes + placer.handed.notes
    repeated = sorted(getattr(source, "repeated_headers", ()))
    if repeated:
        accounting.notes.append(f"line {', '.join(map(str, repeated[:10]))}: the header row again (sheets pasted "
                                "one below the other?), skipped")
    if return_notebooks and source.unit != "file":
        raise QuizgenError("graded copies are made of notebooks; these submissions are a table",
                           field="--return-notebooks")
    if not accounting.graded:
        raise NothingGraded(source.path, accounting, source.unit)
    owned = ("feedback", NotebookReturner.FOLDER) if return_notebooks else ("feedback",)
    with Staging(out_dir, owned_dirs=owned, command="grade") as staging:
        returner = NotebookReturner(source.source) if return_notebooks else None
        reports = ReportWriter(staging, key, renderer, canvas_id, by_file=source.unit == "file", returner=returner)
        tasks = ((rows, reports.stems.stems(rows))
                 for rows in chunks(accepted_rows(source.rows(), accounting, placer)))
        graded = ordered_map(_grade_and_report, (key, reports.context), tasks, jobs)
        for report in progress(graded, -(-accounting.graded // CHUNK), "grading", "chunk"):
            reports.take(report)
        summary = reports.finish(accounting, source, opened.regraded)
        if _stamp(submissions_path) != before:      # the passes would not have read the same rows
            raise QuizgenError("changed while it was being graded (saved again, or synced?); nothing was written: "
                               "grade it again", file=submissions_path)
        if reports.graded != accounting.graded:
            raise RuntimeError(f"graded {reports.graded} rows where the first pass accepted {accounting.graded}")
        pictures = staging.folder / "feedback" / "pictures"
        files = reports.feedback_files + (len(os.listdir(pictures)) if pictures.is_dir() else 0)
        if returner is not None:
            returned = staging.folder / NotebookReturner.FOLDER
            files += sum(1 for p in returned.rglob("*") if p.is_file())
            zip_folder(returned, staging.path("returned.zip"))
        written = staging.commit()
        return summary, files + len(written) - len(staging.owned_dirs)


def _stamp(path: str) -> tuple | None:
    """What changes when the submissions are saved again: the file's size and time; a folder's files' (a
    folder's own time changes only when a file is added or removed)."""
    try:
        status = os.stat(path)
    except OSError:
        return None             # (open_key says why)
    if not os.path.isdir(path):
        return status.st_size, status.st_mtime_ns
    found = []
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                inside = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            found.append((folder, name, inside.st_size, inside.st_mtime_ns))
    return tuple(sorted(found))


class NothingGraded(QuizgenError):
    """Not one row of the file could be graded: the reasons, and nothing written."""

    def __init__(self, path: str, accounting: Accounting, unit: str = "row"):
        reasons = Counter(r.reason for r in accounting.rejected)
        first = accounting.rejected[0] if accounting.rejected else None
        example = f"; {first.submission.where}: {first.reason}: {first.detail}" if first else ""
        counted = ", ".join(f"{n} {reason}" for reason, n in reasons.most_common())
        units = unit + ("" if accounting.rows == 1 else "s")
        super().__init__(f"no {unit} could be graded ({accounting.rows} {units}: {counted or 'none'}){example}; "
                         "nothing was written", file=path)
        self.accounting = accounting


def _grade_and_report(state, task):
    key, context = state
    rows, stems = task
    return context.report(grade_chunk(key, rows), stems)
