"""What a grading run writes: grades, gradebooks for Moodle and Canvas, per-student feedback, item
statistics, the rejected rows and a summary. Written as students are graded, a chunk at a time, into a
staging folder that output.Staging moves into place at the end (atomic: a failed run leaves nothing).

Gradebook layouts (documented in the README):
- gradebook-moodle.csv: ``ID number,<title>,Feedback``. Moodle's "Import grades > CSV file" maps the first
  column to a user field (ID number, username or email), the second to a grade item, the third to its
  feedback.
- gradebook-canvas.csv: ``Student,ID,SIS User ID,SIS Login ID,Section,<title>``, a "Points Possible" row,
  then one row per student, the student id in the column chosen with --canvas-id (default SIS User ID).
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from ..answers.credit import written
from ..core.caches import remember
from ..core.filenames import SafeNames
from ..core.numbers import exact_number, format_number
from ..core.output import Staging, csv_bytes, json_bytes
from .itemstats import ItemStats

CANVAS_ID_COLUMNS = {"sis_user_id": "SIS User ID", "sis_login_id": "SIS Login ID", "id": "ID"}
SECTION_CACHE = 4_000     # feedback sections kept for reuse (an HTML one carries its animation: ~20 kB)
MISSING_KEPT = 1_000      # a roster's students without a graded row, named in the summary (the rest counted)
STREAMED = ("grades.csv", "answers.csv", "gradebook-moodle.csv", "gradebook-canvas.csv")


@dataclass
class ChunkReport:
    """The reports of one graded chunk: rows of the streamed CSV files, the feedback files written, and
    per student what the statistics and the summary need (a process grading chunks sends this back)."""
    rows: dict                  # streamed file name -> CSV text of these students' rows
    feedback: int               # feedback pages written into the staging folder (pictures apart)
    students: list[tuple]       # (student_id, score, max_score, statuses, credits, wrong, mistakes)


class ReportContext:
    """What rendering a chunk's reports needs (a grading process gets a copy)."""

    def __init__(self, folder: Path, key, renderer, canvas_id: str, returner=None):
        self.folder, self.renderer, self.returner = folder, renderer, returner
        self.title, self.lang = key.title, key.language
        self.words = renderer.words(key.language)
        self.canvas_column = canvas_columns(key.title).index(CANVAS_ID_COLUMNS[canvas_id])
        self._sections: dict[tuple, tuple] = {}
        self._pictures: set[str] = set()

    def section(self, ext: str, item) -> str:
        """One answer's part of the feedback, rendered once per (question record, typed text): it depends
        on nothing else, and the students of a course share questions and answers."""
        key = (ext, id(item.question), item.text)
        cached = self._sections.get(key)
        if cached is None or cached[0] is not item.question:
            text = self.renderer.render(f"feedback/item.{ext}.j2", item=item, w=self.words, lang=self.lang,
                                        picture_file=self.picture_file)
            cached = remember(self._sections, key, (item.question, Markup(text) if ext == "html" else text),
                              SECTION_CACHE)
        return cached[1]

    def picture_file(self, question: dict) -> str:
        """The question's animation as a file beside the feedback pages, named by its content and written
        once (inline, a page would carry ten animations: 200 kB a student); "" when it has none."""
        svg = str(self.renderer.svg(question, self.lang, True))
        if not svg:
            return ""
        name = f"pictures/{hashlib.sha256(svg.encode()).hexdigest()[:20]}.svg"
        if name not in self._pictures:
            path = self.folder / "feedback" / name
            if not path.exists():      # written by another grading process, or earlier and forgotten
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_name(f".{path.name}.{os.getpid()}")
                partial.write_text(svg, encoding="utf-8")
                os.replace(partial, path)
            if len(self._pictures) >= SECTION_CACHE:
                self._pictures.clear()
            self._pictures.add(name)
        return name

    def report(self, students, stems: list[str]) -> ChunkReport:
        rows = {name: io.StringIO() for name in STREAMED}
        writers = {name: csv.writer(buffer) for name, buffer in rows.items()}
        feedback, records = 0, []
        key = {"title": self.title, "language": self.lang}
        for student, stem in zip(students, stems):
            writers["grades.csv"].writerow(grade_row(student))
            writers["answers.csv"].writerows(answer_rows(student))
            line = self.renderer.render("feedback/gradebook.txt.j2", s=student, w=self.words).strip()
            writers["gradebook-moodle.csv"].writerow([student.student_id, exact_number(student.score),
                                                      " ".join(line.split())])
            canvas = [student.student_id, "", "", "", "", exact_number(student.score)]
            canvas[self.canvas_column] = student.student_id
            writers["gradebook-canvas.csv"].writerow(canvas)
            for ext in ("md", "html"):
                name = f"feedback/{stem}.{ext}"
                sections = [self.section(ext, item) for item in student.items]
                text = self.renderer.render(f"feedback/student.{ext}.j2", key=key, s=student, w=self.words,
                                            lang=self.lang, sections=sections)
                (self.folder / name).write_text(text, encoding="utf-8", newline="")
                feedback += 1
            records.append(statistics_record(student))
            if self.returner is not None:       # the student's notebook, with the feedback in it
                self.returner.write(self.folder, student, self.renderer, self.words, self.lang)
        return ChunkReport({name: buffer.getvalue() for name, buffer in rows.items()}, feedback, records)


class ReportWriter:
    """Streams a run's reports into a Staging: ``take`` each chunk's report in order, then ``finish``."""

    def __init__(self, staging: Staging, key, renderer, canvas_id: str, by_file: bool = False, returner=None):
        self.staging, self.by_file = staging, by_file
        self.context = ReportContext(staging.folder, key, renderer, canvas_id, returner)
        where = "file" if by_file else "line"       # a row of a table, or a file (a notebook)
        self.files = {name: staging.open(name) for name in STREAMED}
        question_ids = [slot["id"] for slot in key.slots]
        heads = {
            "grades.csv": [["student_id", "version", "score", "max_score", "percent", *question_ids]],
            "answers.csv": [["student_id", "version", where, "question", "answer", "read_as", "status", "score",
                             "points", "mistakes", "format_problem", "correct_answer"]],
            "gradebook-moodle.csv": [["ID number", key.title, "Feedback"]],
            "gradebook-canvas.csv": [canvas_columns(key.title),
                                     ["Points Possible", "", "", "", "", _num(key.max_score)]],
        }
        for name, rows in heads.items():
            csv.writer(self.files[name]).writerows(rows)
        self.stats = ItemStats(key.slots)
        self.stems = FeedbackNames()
        self.graded = self.blank = self.format_errors = self.feedback_files = 0
        self.score_sum, self.max_score = 0.0, None
        self.with_format_errors: list[str] = []

    def take(self, report: ChunkReport) -> None:
        for name, text in report.rows.items():
            self.files[name].write(text)
        self.feedback_files += report.feedback
        for record in report.students:
            student_id, score, max_score, statuses = record[:4]
            self.graded += 1
            self.score_sum += score
            self.max_score = max_score if self.max_score is None else self.max_score
            self.blank += statuses.count("blank")
            if "malformed" in statuses:
                self.format_errors += statuses.count("malformed")
                self.with_format_errors.append(student_id)
            self.stats.add(record)

    def finish(self, accounting, source, regraded: list[str] = ()) -> dict:
        """Write the files that need every student; return the run's summary."""
        for handle in self.files.values():
            handle.close()
        where = "file" if self.by_file else "line"
        rejected = [[where, "student_id", "version", "reason", "detail"]]
        rejected += [[r.submission.file or r.submission.line, r.submission.student_id, r.submission.version, r.reason,
                      r.detail]
                     for r in accounting.rejected]
        self.staging.write("rejected.csv", csv_bytes(rejected))
        stats = self.stats.result()
        self.staging.write("item-stats.csv", item_stats_csv(stats))
        self.staging.write("item-stats.json", json_bytes(stats))
        summary = {
            "rows": accounting.rows,
            "graded": self.graded,
            "unused": len(accounting.unused),
            "rejected": [{where: r.submission.file or r.submission.line, "student_id": r.submission.student_id,
                          "version": r.submission.version, "reason": r.reason, "detail": r.detail}
                         for r in accounting.rejected],
            "format_errors": self.format_errors,
            "students_with_format_errors": self.with_format_errors,
            "blank_answers": self.blank,
            "mean_score": round(self.score_sum / self.graded, 10) if self.graded else None,
            "max_score": self.max_score,
            "ignored_columns": source.ignored_columns,
            "missing_questions": source.missing_questions,
            "notes": accounting.notes,
            "read_as": [{where: row.file or row.line, "how": how} for row, how in accounting.read_as],
            "read_as_count": accounting.read_as_count,
            "regraded": list(regraded),
            "missing_students": accounting.missing[:MISSING_KEPT],
            "missing_count": len(accounting.missing),
        }
        if self.by_file:
            summary["by_file"] = True                 # one submission per file (notebooks): rows are files
        if self.context.returner is not None:
            summary["returned"] = self.graded         # graded copies written (returned/, returned.zip)
        self.staging.write("summary.json", json_bytes(summary))
        return summary


def statistics_record(student) -> tuple:
    items = student.items
    return (student.student_id, student.score, student.max_score,
            tuple(i.marking.status for i in items), tuple(i.marking.credit for i in items),
            tuple(written(i.question, i.marking.value) if i.marking.status in ("wrong", "partial") else None
                  for i in items),
            tuple(tuple(i.marking.mistakes) for i in items))


class FeedbackNames(SafeNames):
    """A feedback page's name per student (filenames.SafeNames: the id where it is a safe file name)."""

    def stems(self, students) -> list[str]:
        return [self.name(student.student_id) for student in students]


def _num(value) -> str:
    return "" if value is None else format_number(value)


def canvas_columns(title: str) -> list[str]:
    return ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title]


def grade_row(s) -> list:
    return [s.student_id, s.version["version"], exact_number(s.score), _num(s.max_score), exact_number(s.percent),
            *(exact_number(item.score) for item in s.items)]


def answer_rows(s) -> list[list]:
    """One row per answer: what was typed, how it was read, the verdict and the diagnosis."""
    rows = []
    for item in s.items:
        q, mk = item.question, item.marking
        rows.append([s.student_id, s.version["version"], s.submission.file or s.submission.line, q["id"],
                     _typed(item.text),
                     written(q, mk.value), mk.status, exact_number(item.score), _num(q["points"]),
                     " ".join(mk.mistakes), mk.problem.problem if mk.problem else "", q["answer"]["text"]])
    return rows


SHOWN_TYPED = 1_000      # characters of an answer answers.csv shows (a spreadsheet cell holds 32,767 at most)


def _typed(text: str | None) -> str:
    """What a student typed, as answers.csv shows it: whole, or its start and its length."""
    if not text:
        return ""
    return text if len(text) <= SHOWN_TYPED else f"{text[:SHOWN_TYPED]}… ({len(text):,} characters)"


def item_stats_csv(stats: list[dict]) -> bytes:
    header = ["question", "number", "type", "points", "count", "correct", "partial", "wrong", "blank",
              "malformed", "mean_score", "difficulty", "discrimination", "upper_lower", "frequent_wrong_answers",
              "mistakes"]
    rows = [header]
    for st in stats:
        wrong = "; ".join(f"{w['answer']} ({w['count']})" for w in st["frequent_wrong_answers"])
        mistakes = "; ".join(f"{m['code']} ({m['count']})" for m in st["mistakes"])
        rows.append([st["question"], st["number"], st["type"], _num(st["points"]), st["count"], st["correct"],
                     st["partial"], st["wrong"], st["blank"], st["malformed"], _num(st["mean_score"]),
                     _num(st["difficulty"]), _num(st["discrimination"]), _num(st["upper_lower"]), wrong, mistakes])
    return csv_bytes(rows)
