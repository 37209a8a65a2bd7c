"""What every LMS export needs of a question, whatever its format: the blanks a student fills (each with its
value, its tolerance and the known wrong values with the mistake that gives them) or the choices offered
(each right or wrong, wrong ones naming their mistake). Formats (Moodle XML, GIFT, Canvas, QTI 2.1) only
write these down. Pure: no I/O, no language (mistakes are codes; templates give the words).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..answers.credit import Policy, diagnosis_margin
from ..answers.kinds import KINDS, answer_text
from ..arithmetic.conv import DIM_NAMES

MIN_CHOICES = 3   # fewer options give the answer away (or, in Moodle, are refused): blanks instead


@dataclass(frozen=True)
class NumberBlank:
    """One number to type. ``wrong``: (value, tolerance, mistake code) for the wrong values that get
    feedback of their own."""
    name: str                       # a short identifier: h, w, r1c2, h_before...
    value: float
    tolerance: float                # absolute; 0 is exact
    wrong: tuple = ()


@dataclass(frozen=True)
class Choice:
    text: str
    correct: bool
    mistake: str | None = None      # the mistake that leads to this wrong choice


@dataclass(frozen=True)
class Item:
    """A question as an LMS sees it. ``style``: numerical (one blank), blanks (several), or choice."""
    question: object                # the record (record.Question)
    style: str
    layout: str                     # the answer kind (shape, matrix, sequence, padding...), or choice
    blanks: list[NumberBlank] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    rows: int = 0                   # matrix and sequence layouts: rows x cols of blanks
    cols: int = 0

    @property
    def dims(self) -> tuple[str, ...]:
        """The dimensions a padding's blanks are for: height and width, or a conv1d's length."""
        return DIM_NAMES[len(self.blanks) // 2]

    @property
    def blank_mistakes(self) -> list[str]:
        """The mistakes some blank has feedback for, each once, in catalogue order."""
        return list(dict.fromkeys(code for b in self.blanks for _, _, code in b.wrong))


def item_of(question) -> Item:
    """The LMS form of a question record. With the bank's `lms: {multiple_choice: true}` the answer is
    offered among the wrong answers known mistakes give, instead of blanks."""
    kind = question.answer["kind"]
    if kind == "choice":
        return Item(question, "choice", "choice", choices=_options(question))
    choices = _mistake_choices(question) if question.lms.get("multiple_choice") else []
    if len(choices) >= MIN_CHOICES:
        return Item(question, "choice", kind, choices=choices)
    blanks = _blanks(question)
    grid = KINDS[kind].grid
    rows, cols = grid(question.answer["value"]) if grid is not None else (0, 0)
    return Item(question, "numerical" if len(blanks) == 1 else "blanks", kind, blanks, rows=rows, cols=cols)


def tolerance(question, value) -> float:
    """The bank's tolerance as one absolute margin (what LMSs store): 0 for integer data."""
    grading = question.grading
    if grading["exact"]:
        return 0.0
    return round(grading["tolerance"]["absolute"] + grading["tolerance"]["relative"] * abs(value), 12)


def _wrong_per_part(question, kind) -> dict:
    """Per part (dimension or cell, by name): the wrong values known mistakes give there, first mistake first."""
    policy = Policy.of({"grading": question.grading})
    right = dict(kind.parts(question.answer["value"]))
    per_part: dict = {}
    for mistake in question.mistakes:
        if mistake.get("of") or not (mistake.get("per_dimension") or kind.whole_mistakes):
            continue    # shapes of a matrix, and mistakes only recognisable whole (a swap), stay out
        for part, wrong in kind.parts(mistake["value"]):
            if part in right and wrong != right[part] and all(wrong != seen for seen, _, _ in per_part.get(part, [])):
                margin = round(diagnosis_margin(wrong, policy), 12)
                per_part.setdefault(part, []).append((wrong, margin, mistake["code"]))
    return per_part


def _blanks(question) -> list[NumberBlank]:
    """The blanks of a question, one per part of its answer kind (answers.kinds: a shape's height and width,
    a matrix's cells, a set's smallest and largest value...), integers exact, decimals within the bank's
    tolerance, each with the wrong values known mistakes give there."""
    kind = KINDS[question.answer["kind"]]
    value = question.answer["value"]
    if kind.name == "set" and value != list(range(value[0], value[-1] + 1)):
        # every set quizgen asks for is a run of consecutive integers (an output size is monotonic in each
        # parameter, and inverse candidates have no gaps): the smallest and the largest say it whole
        raise AssertionError(f"{question.id}: the set {value} is not a run of integers")   # a question-type bug
    wrong = _wrong_per_part(question, kind)
    return [NumberBlank(name, v, tolerance(question, v) if kind.decimals else 0.0, tuple(wrong.get(name, ())))
            for name, v in kind.parts(value)]


def _options(question) -> list[Choice]:
    answer = question.answer
    return [Choice(o["text"], o["code"] == answer["value"]) for o in answer["options"]]


def _mistake_choices(question) -> list[Choice]:
    """The answer and the distinct wrong answers of the catalogue, as a student would write them."""
    kind = question.answer["kind"]
    right = answer_text(kind, question.answer["value"])
    choices, seen = [Choice(right, True)], {right}
    for mistake in question.mistakes:
        if mistake.get("of"):
            continue
        text = answer_text(kind, mistake["value"])
        if text not in seen:
            seen.add(text)
            choices.append(Choice(text, False, mistake["code"]))
    return choices


@dataclass(frozen=True)
class Slot:
    """One question of the bank across every version: what an LMS draws one variant of per student
    (Moodle: a category; Canvas: a question group; QTI: a section with selection 1)."""
    number: int
    id: str
    title: str | None
    points: float
    variants: list            # (version id, Item)


def slots(quizset) -> list[Slot]:
    firsts = quizset.versions[0].questions
    items: dict[int, Item] = {}     # versions that share a question record share its item (and its texts)

    def item(question) -> Item:
        if id(question) not in items:
            items[id(question)] = item_of(question)
        return items[id(question)]
    return [Slot(q.number, q.id, q.title, q.points,
                 [(version.id, item(version.questions[index])) for version in quizset.versions])
            for index, q in enumerate(firsts)]


def warnings(quizset) -> list[str]:
    """What every LMS format says: multiple choice asked for where the catalogue has too few wrong answers."""
    fewer = sorted({f"{q.id} {v.id}" for v in quizset.versions for q in v.questions
                    if q.lms.get("multiple_choice") and q.answer["kind"] != "choice"
                    and item_of(q).style != "choice"})
    return [f"{', '.join(fewer)}: multiple choice needs the answer and at least {MIN_CHOICES - 1} known wrong "
            "answers; asked with blanks instead"] if fewer else []


def package_id(quizset) -> str:
    """A stable identifier for an export package: the same bank title and seed give the same one."""
    return "quizgen_" + hashlib.sha256(f"{quizset.title}|{quizset.seed}".encode()).hexdigest()[:12]


def per_blank_credit(quizset, format_name: str) -> list[str]:
    """The warning for formats that give credit per blank: all_or_nothing questions with several blanks."""
    names = sorted({q.id for v in quizset.versions for q in v.questions
                    if q.grading["partial_credit"] == "all_or_nothing" and item_of(q).style == "blanks"})
    return [f"{', '.join(names)}: all_or_nothing cannot be expressed in {format_name}; it gives credit per "
            "blank"] if names else []
