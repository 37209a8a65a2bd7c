"""What a grading run writes: grades, gradebooks for Moodle and Canvas, per-student feedback, item
statistics, the rejected rows and a summary. Rendered in memory, written by output.write_files (atomic).

Gradebook layouts (documented in the README):
- gradebook-moodle.csv: ``ID number,<title>,Feedback``. Moodle's "Import grades > CSV file" maps the first
  column to a user field (ID number, username or email), the second to a grade item, the third to its
  feedback.
- gradebook-canvas.csv: ``Student,ID,SIS User ID,SIS Login ID,Section,<title>``, a "Points Possible" row,
  then one row per student, the student id in the column chosen with --canvas-id (default SIS User ID).
"""
from __future__ import annotations

import hashlib
import re

from .arithmetic import format_number
from .grading import written
from .output import csv_bytes, json_bytes

CANVAS_ID_COLUMNS = {"sis_user_id": "SIS User ID", "sis_login_id": "SIS Login ID", "id": "ID"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]")
MAX_STEM = 100


def report_files(run, renderer, canvas_id: str = "sis_user_id") -> dict[str, bytes]:
    files = {
        "grades.csv": grades_csv(run),
        "answers.csv": answers_csv(run),
        "rejected.csv": rejected_csv(run),
        "gradebook-moodle.csv": moodle_gradebook(run, renderer),
        "gradebook-canvas.csv": canvas_gradebook(run, canvas_id),
        "item-stats.csv": item_stats_csv(run),
        "item-stats.json": json_bytes(run.stats),
        "summary.json": json_bytes(run.summary()),
    }
    lang = run.key["language"]
    words = renderer.words(lang)
    for student, stem in zip(run.students, feedback_stems(run.students)):
        for ext in ("md", "html"):
            text = renderer.render(f"feedback/student.{ext}.j2", key=run.key, s=student, w=words, lang=lang)
            files[f"feedback/{stem}.{ext}"] = text.encode("utf-8")
    return files


def feedback_stems(students) -> list[str]:
    """A file name per student: the id where it is safe, made safe, short and unique where it is not."""
    stems, taken = [], set()
    for student in students:
        stem = _UNSAFE.sub("_", student.student_id).lstrip(".") or "student"
        if len(stem) > MAX_STEM:   # file systems stop at 255 bytes; keep the start readable, the end unique
            stem = stem[:MAX_STEM - 9] + "-" + hashlib.sha256(student.student_id.encode()).hexdigest()[:8]
        base, n = stem, 1
        while stem.lower() in taken:
            n += 1
            stem = f"{base}-{n}"
        taken.add(stem.lower())
        stems.append(stem)
    return stems


def _num(value) -> str:
    return "" if value is None else format_number(value)


def grades_csv(run) -> bytes:
    header = ["student_id", "version", "score", "max_score", "percent", *run.question_ids]
    rows = [[s.student_id, s.version["version"], _num(s.score), _num(s.max_score), _num(s.percent),
             *(_num(item.score) for item in s.items)] for s in run.students]
    return csv_bytes([header, *rows])


def answers_csv(run) -> bytes:
    """One row per answer: what was typed, how it was read, the verdict and the diagnosis."""
    header = ["student_id", "version", "line", "question", "answer", "read_as", "status", "score", "points",
              "mistakes", "format_problem", "correct_answer"]
    rows = [header]
    for s in run.students:
        for item in s.items:
            q, mk = item.question, item.marking
            read = written(q, mk.value)
            rows.append([s.student_id, s.version["version"], s.submission.line, q["id"], item.text or "", read,
                         mk.status, _num(item.score), _num(q["points"]), " ".join(mk.mistakes),
                         mk.problem.problem if mk.problem else "", q["answer"]["text"]])
    return csv_bytes(rows)


def rejected_csv(run) -> bytes:
    rows = [["line", "student_id", "version", "reason", "detail"]]
    rows += [[r.submission.line, r.submission.student_id, r.submission.version, r.reason, r.detail]
             for r in run.rejected]
    return csv_bytes(rows)


def moodle_gradebook(run, renderer) -> bytes:
    words = renderer.words(run.key["language"])
    rows = [["ID number", run.key["title"], "Feedback"]]
    for s in run.students:
        line = renderer.render("feedback/gradebook.txt.j2", s=s, w=words).strip()
        rows.append([s.student_id, _num(s.score), " ".join(line.split())])
    return csv_bytes(rows)


def canvas_gradebook(run, canvas_id: str) -> bytes:
    columns = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", run.key["title"]]
    id_column = columns.index(CANVAS_ID_COLUMNS[canvas_id])
    max_score = run.students[0].max_score if run.students else run.key["versions"][0]["max_score"]
    rows = [columns, ["Points Possible", "", "", "", "", _num(max_score)]]
    for s in run.students:
        row = [s.student_id, "", "", "", "", _num(s.score)]
        row[id_column] = s.student_id
        rows.append(row)
    return csv_bytes(rows)


def item_stats_csv(run) -> bytes:
    header = ["question", "number", "type", "points", "count", "correct", "partial", "wrong", "blank",
              "malformed", "mean_score", "difficulty", "discrimination", "upper_lower", "frequent_wrong_answers",
              "mistakes"]
    rows = [header]
    for st in run.stats:
        wrong = "; ".join(f"{w['answer']} ({w['count']})" for w in st["frequent_wrong_answers"])
        mistakes = "; ".join(f"{m['code']} ({m['count']})" for m in st["mistakes"])
        rows.append([st["question"], st["number"], st["type"], _num(st["points"]), st["count"], st["correct"],
                     st["partial"], st["wrong"], st["blank"], st["malformed"], _num(st["mean_score"]),
                     _num(st["difficulty"]), _num(st["discrimination"]), _num(st["upper_lower"]), wrong, mistakes])
    return csv_bytes(rows)
