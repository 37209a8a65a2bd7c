"""What every LMS export needs of a question, whatever its format: the blanks a student fills (each with its
value, its tolerance and the known wrong values with the mistake that gives them) or the choices offered
(each right or wrong, wrong ones naming their mistake). Formats (Moodle XML, GIFT, Canvas, QTI 2.1) only
write these down. Pure: no I/O, no language (mistakes are codes; templates give the words).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from ..answers.credit import Policy, diagnosis_margin
from ..answers.kinds import KINDS, answer_text, notations
from ..arithmetic.conv import DIM_NAMES

MIN_CHOICES = 3   # fewer options give the answer away (or, in Moodle, are refused): blanks instead


@dataclass(frozen=True)
class NumberBlank:
    """One number to type. ``wrong``: (value, tolerance, mistake code) for the wrong values that get
    feedback of their own. ``misread``: (value, tolerance) of what an LMS reads when a decimal comma is taken
    for a thousands separator (Moodle in English: 4,75 is 475), caught with feedback on the decimal mark."""
    name: str                       # a short identifier: h, w, r1c2, h_before...
    value: float
    tolerance: float                # absolute; 0 is exact
    wrong: tuple = ()
    misread: tuple = ()
    weight: int = 1                 # a Moodle cloze field's weight (cloze_weight)

    @property
    def decimal(self) -> bool:
        """Whether a student types this number with decimals (so the decimal mark matters)."""
        return self.tolerance > 0 or float(self.value) != int(self.value)


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
    def decimal(self) -> bool:
        """Whether some number of the answer is typed with decimals: the text says which decimal mark."""
        return any(b.decimal for b in self.blanks)

    @property
    def score_groups(self) -> list[list[NumberBlank]]:
        """The blanks that earn credit together, as quizgen's grader counts parts (answers.kinds parts_right):
        a padding per dimension (both sides right), every blank at once for all_or_nothing, else each blank.
        A set is scored by its own rule (set_rule)."""
        if self.question.grading["partial_credit"] == "all_or_nothing":
            return [list(self.blanks)]
        if self.layout == "padding":
            return [list(self.blanks[i:i + 2]) for i in range(0, len(self.blanks), 2)]
        return [[b] for b in self.blanks]

    @property
    def feedback_plan(self) -> tuple[list, list]:
        """The mistakes to name, as quizgen's grader diagnoses them (answers.credit.diagnose): (whole, dims).
        ``whole``: (code, [(blank, value, margin)] over every blank), the first that the whole response shows
        wins; ``dims``: per dimension of the answer, its blanks with their right values, and the per-dimension
        mistakes that differ there, (code, [(blank, value, margin)]): named when every wrong dimension is
        explained by one."""
        kind = KINDS[self.question.answer["kind"]]
        policy = Policy.of({"grading": self.question.grading})
        names = [b.name for b in self.blanks]
        by_name = {b.name: b for b in self.blanks}

        def spelled(value):
            try:
                parts = kind.parts(value)
            except (TypeError, ValueError):     # a mistake of another structure (a scalar for a matrix)
                return None
            if [n for n, _ in parts] != names:
                return None
            return [(by_name[n], v, round(diagnosis_margin(v, policy), 12)) for n, v in parts]
        whole, seen = [], set()
        for m in self.question.mistakes:
            terms = None if m.get("of") else spelled(m["value"])
            if terms and repr(m["value"]) not in seen:
                seen.add(repr(m["value"]))
                whole.append((m["code"], terms))
        want = self.question.answer["value"]
        per_dim = [m for m in self.question.mistakes if m.get("per_dimension") and isinstance(want, list)
                   and isinstance(m["value"], list) and len(m["value"]) == len(want) and spelled(m["value"])]
        if not per_dim or self.layout == "set" or len(self.blanks) % len(want):
            return whole, []
        width = len(self.blanks) // len(want)
        dims = []
        for d in range(len(want)):
            blanks = self.blanks[d * width:(d + 1) * width]
            options = []
            for m in per_dim:
                terms = spelled(m["value"])[d * width:(d + 1) * width]
                if any(abs(v - b.value) > 1e-12 for b, v, _ in terms):
                    options.append((m["code"], terms))
            dims.append((blanks, options))
        return whole, dims

    @property
    def blank_mistakes(self) -> list[str]:
        """The mistakes some blank has feedback for, each once, in catalogue order."""
        whole, dims = self.feedback_plan
        return list(dict.fromkeys([code for b in self.blanks for _, _, code in b.wrong] + [c for c, _ in whole]
                                  + [c for _, options in dims for c, _ in options]))


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
    item = Item(question, "numerical" if len(blanks) == 1 else "blanks", kind, blanks, rows=rows, cols=cols)
    weight = cloze_weight(item)
    return replace(item, blanks=[replace(b, weight=weight) for b in blanks]) if weight != 1 else item


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
    blanks = []
    for name, v in kind.parts(value):
        margin = tolerance(question, v) if kind.decimals else 0.0
        blank = NumberBlank(name, v, margin, tuple(wrong.get(name, ())))
        blanks.append(replace(blank, misread=misreadings(blank)) if blank.decimal else blank)
    return blanks


MISREAD_DECIMALS = 4   # a decimal comma misread as a thousands separator, for answers typed with 1 to 4 decimals
                       # (or with as many as the key has)


def misreadings(blank: NumberBlank) -> tuple:
    """What Moodle grades when a student types this number with a decimal comma in a site whose language
    writes decimals with a point: the comma is dropped as a thousands separator (Moodle's
    qtype_numerical_answer_processor::apply_units), so 4,75 is 475: the value times 10^k for k decimals
    typed, within the tolerance times 10^k. A range that holds the right value is left out (the first
    matching answer wins in Moodle and these come last, after the catalogued mistakes)."""
    from ..core.numbers import exact_text  # noqa: PLC0415

    text = exact_text(blank.value)
    typed = len(text.split(".")[1]) if "." in text else 0      # the decimals of the key, when typed in full
    out = []
    for k in range(1, max(MISREAD_DECIMALS, min(typed, 12)) + 1):
        centre, margin = round(blank.value * 10 ** k, 9), round(blank.tolerance * 10 ** k, 9)
        if abs(centre - blank.value) <= margin + blank.tolerance:
            continue
        out.append((centre, margin))
    return tuple(out)


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


# The grade fractions Moodle accepts for an answer (question_bank::fraction_options_full; an import with any
# other is refused): a partial credit is written only where it is one of these.
MOODLE_FRACTIONS = (1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
                    0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0)


def moodle_fraction(credit: float) -> float | None:
    """The fraction Moodle accepts that equals ``credit`` (to 1e-6), or None."""
    return next((f for f in MOODLE_FRACTIONS if abs(f - credit) < 1e-6), None)


def typed_answers(question) -> list[tuple[str, float, str | None]]:
    """A short answer as text matching (GIFT): (spelling, fraction, mistake code) for the right answer and each
    catalogued wrong answer, every spelling of answers.kinds' bounded set, with the credit quizgen's grader
    gives that answer (partial credit where Moodle has the fraction, else the largest it has below). The
    right answer's spellings come first: Moodle grades with the first answer that matches."""
    from ..answers.credit import mark  # noqa: PLC0415

    record = {"answer": question.answer, "mistakes": question.mistakes, "grading": question.grading}
    kind = question.answer["kind"]
    out, seen = [], set()
    for value, code in [(question.answer["value"], None)] + [(m["value"], m["code"]) for m in question.mistakes
                                                              if not m.get("of")]:
        credit = mark(record, answer_text(kind, value)).credit if code else 1.0
        fraction = moodle_fraction(credit)
        if fraction is None:
            fraction = max(f for f in MOODLE_FRACTIONS if f <= credit)
        for text in notations({"kind": kind, "value": value}):
            if text.lower() not in seen:     # Moodle's short answers ignore case
                seen.add(text.lower())
                out.append((text, fraction, code))
    return out


def cloze_weight(item) -> int:
    """Each field's weight in a Moodle cloze question: a cloze question's mark is the sum of its fields'
    weights (qtype_multianswer; <defaultgrade> is ignored) and weights are integers, so the mark equals the
    bank's points where they divide evenly among the fields; else 1 (and generate says what to set)."""
    points, fields = item.question.points, len(item.blanks)
    return int(points // fields) if points >= fields and float(points) % fields == 0 else 1


def moodle_marks(quizset) -> list[str]:
    """What a Moodle teacher must set by hand, in one line: a cloze question is worth the sum of its fields'
    weights, which equals its points only where they divide evenly (cloze_weight); and a quiz made of random
    questions makes every slot worth 1 (quiz_add_random_questions), whatever the question's mark."""
    every = slots(quizset)
    direct = sorted({(s.number, s.id, s.points, len(i.blanks)) for s in every for _, i in s.variants
                     if i.style == "blanks" and cloze_weight(i) * len(i.blanks) != s.points})
    randoms = [s for s in every if s.points != 1]
    parts = []
    if direct:
        parts.append("added to a quiz one by one, a cloze question is worth its number of fields: set "
                     + ", ".join(f"{n:02d} {qid} to {exact_points(p)} (Moodle makes it {f})" for n, qid, p, f in direct))
    if randoms:
        parts.append("drawn as a random question per category, every slot is worth 1: set "
                     + ", ".join(f"slot {s.number:02d} {s.id} to {exact_points(s.points)}" for s in randoms))
    return [f"marks to set in the Moodle quiz (Questions > maximum mark) so that its total is the bank's "
            f"{exact_points(sum(s.points for s in every))}: " + "; ".join(parts)] if parts else []


def exact_points(points) -> str:
    from ..core.numbers import exact_text  # noqa: PLC0415
    return exact_text(points)
