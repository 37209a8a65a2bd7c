"""Stage: grade one answer against one question record of the key. Pure functions: the tolerance and the
partial-credit policy are arguments (the key carries them, as the bank set them); nothing here reads a
file or knows a language. Format errors come from the parse stage and are kept apart from wrong answers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from .kinds import KINDS, answer_text
from .parse import Blank, Malformed, parse

DIAGNOSIS_TOLERANCE = 0.01   # how near a typed decimal must be to a non-integer mistake (2.67 for 8/3)


@dataclass(frozen=True)
class Policy:
    """How a question is graded: exact for integer data, else within absolute + relative * |answer|."""
    exact: bool = True
    absolute: float = 0.01
    relative: float = 0.0
    partial_credit: str = "proportional"   # or all_or_nothing

    @classmethod
    def of(cls, question: dict) -> "Policy":
        grading = question.get("grading") or {}
        tolerance = grading.get("tolerance", {})
        return cls(exact=grading.get("exact", True), absolute=tolerance.get("absolute", cls.absolute),
                   relative=tolerance.get("relative", cls.relative),
                   partial_credit=grading.get("partial_credit", cls.partial_credit))

    def close(self, got, want) -> bool:
        if self.exact:
            return Fraction(got) == Fraction(want)
        return abs(float(got) - float(want)) <= self.absolute + self.relative * abs(float(want)) + 1e-12


@dataclass(frozen=True)
class Marking:
    """The verdict on one answer. ``status``: correct, partial, wrong, blank or malformed."""
    status: str
    credit: float = 0.0                 # 0..1 of the question's points
    parts_right: int = 0                # dimensions or cells right
    parts: int = 0
    value: object = None                # the parsed answer, as plain numbers
    wrong_shape: list | None = None     # a matrix (or sequence) of another shape: its shape
    mistakes: list = field(default_factory=list)   # diagnosed mistake codes, most specific first
    problem: Malformed | None = None


def mark(question: dict, text) -> Marking:
    """Parse the student's text for this question and grade it."""
    answer = question["answer"]
    kind = answer["kind"]
    parsed = parse(kind, text, answer if kind == "choice" else answer["value"])
    if isinstance(parsed, Blank):
        return Marking("blank")
    if isinstance(parsed, Malformed):
        return Marking("malformed", problem=parsed)
    policy = Policy.of(question)
    got = parsed.value
    mistakes = question.get("mistakes", [])
    shape = KINDS[kind].shape
    if shape is not None and shape(got) != shape(answer["value"]):
        shape_mistakes = [m for m in mistakes if m.get("of") == "shape"]
        return Marking("wrong", value=plain(got), wrong_shape=list(shape(got)),
                       mistakes=diagnose(list(shape(got)), list(shape(answer["value"])), shape_mistakes, Policy()))
    right, parts = KINDS[kind].parts_right(got, answer["value"], policy)
    all_right = right == parts
    credit = 1.0 if all_right else (right / parts if policy.partial_credit == "proportional" else 0.0)
    status = "correct" if all_right else "partial" if credit > 0 else "wrong"
    answer_mistakes = [m for m in mistakes if m.get("of") is None]
    diagnosed = [] if all_right else diagnose(got, answer["value"], answer_mistakes, policy)
    return Marking(status, credit, right, parts, plain(got), mistakes=diagnosed)


def _same(got, value, policy: Policy) -> bool:
    """Does a part of the answer equal a part of a mistake? Structure first, then the numbers."""
    if isinstance(value, list):
        return isinstance(got, list) and len(got) == len(value) and all(
            _same(g, v, policy) for g, v in zip(got, value))
    if isinstance(value, str) or isinstance(got, str):
        return got == value
    if float(value).is_integer() and policy.exact:
        return Fraction(got) == Fraction(value)
    return abs(float(got) - float(value)) <= diagnosis_margin(value, policy) + 1e-12


def diagnosis_margin(value, policy: Policy) -> float:
    """How near a typed number must be to a known wrong value to count as that mistake: exactly for an
    integer of integer data; to DIAGNOSIS_TOLERANCE for a non-integer one there (2.67 for 8/3); within
    the bank's tolerance for decimal data. The LMS exports give the same margin to a mistake's answer."""
    if policy.exact:
        return 0.0 if float(value).is_integer() else DIAGNOSIS_TOLERANCE
    return policy.absolute + policy.relative * abs(float(value))


def diagnose(got, want, mistakes: list[dict], policy: Policy) -> list[str]:
    """Known mistakes the answer matches: the whole answer first; else, for mistakes that can be made in
    one dimension alone (per_dimension), every wrong dimension explained by one of them."""
    whole = [m["code"] for m in mistakes if _same(got, m["value"], policy)]
    if whole or not isinstance(want, list):
        return whole[:1]
    wrong = [d for d, (g, w) in enumerate(zip(got, want)) if not _same(g, w, policy)]
    explained = []
    for d in wrong:
        codes = [m["code"] for m in mistakes if m.get("per_dimension") and len(m["value"]) == len(want)
                 and not _same(m["value"][d], want[d], policy) and _same(got[d], m["value"][d], policy)]
        if not codes:
            return []
        explained.extend(c for c in codes[:1] if c not in explained)
    return explained


def written(question: dict, value) -> str:
    """A parsed answer written the way the key writes its answer (a choice by its letter); "" for none."""
    if value is None:
        return ""
    answer = question["answer"]
    if answer["kind"] == "choice":
        return next((o["letter"] for o in answer.get("options", []) if o["code"] == value), str(value))
    return answer_text(answer["kind"], plain(value))


def plain(value):
    """Fractions to ints or floats, for JSON and texts."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    return value
