"""The one record of a generated question, as every format and the grader read it.

A Draft is what a question type builds (structured, language-free); the render stage turns it into a
Question by adding the texts. ``Question.to_dict()`` is the JSON contract (schemas/quizset.schema.json).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ..arithmetic.conv import Step


@dataclass(frozen=True)
class Check:
    """One thing torch must confirm: the shape (or rejection) of a conv, and optionally its values."""

    conv: Any                      # reference.Conv
    shape: tuple | None = None     # the formula's output shape, or None when it says torch rejects
    reason: str | None = None      # the formula's first reason when it says torch rejects
    image: list | None = None
    kernel: list | None = None
    values: list | None = None     # the exact values computed by definition


@dataclass
class Draft:
    id: str
    type: str
    version: str
    number: int
    points: float
    title: str | None
    params: dict
    answer: dict                   # kind, value (and options for choices)
    steps: list[Step]
    checks: list[Check]
    grading: dict                  # exact, tolerance {absolute, relative}, partial_credit
    lms: dict                      # how LMS exports ask it: multiple_choice
    picture: bool                  # problem sets show the (static) picture
    mistakes: list[dict] = field(default_factory=list)   # code, value (, per_dimension)
    context: dict = field(default_factory=dict)          # extra facts the prompt template needs


@dataclass(frozen=True)
class Question:
    id: str
    number: int
    type: str
    title: str | None
    points: float
    params: dict
    prompt: str
    instruction: str
    answer: dict
    steps: list[dict]
    mistakes: list[dict]
    grading: dict
    lms: dict
    picture: bool = False

    def to_dict(self) -> dict:
        # Shallow: the fields already hold plain JSON data (asdict's deep copy was the slowest step of a run).
        return {f.name: getattr(self, f.name) for f in fields(self)}


def answer_text(kind: str, value) -> str:
    """An answer as a student would write it: 3x3, [[4, 4], [4, 4]], 1 (or 1x2, or 0,1x1,1), b, 12, 5, 6, 7."""
    if kind in ("shape", "tensor_shape"):
        return "x".join(str(v) for v in value)
    if kind == "number":
        return _num(value)
    if kind == "set":
        return ", ".join(_num(v) for v in value) if value else "none"
    if kind == "matrix":
        return "[" + ", ".join("[" + ", ".join(_num(v) for v in row) + "]" for row in value) + "]"
    if kind == "padding":
        if all(before == after for before, after in value):
            sides = [str(before) for before, _ in value]
            return sides[0] if len(set(sides)) == 1 else "x".join(sides)
        return "x".join(f"{before},{after}" for before, after in value)
    return str(value)


def notations(answer: dict) -> list[str]:
    """The usual ways to write an answer ({kind, value}), for LMS short answers that match text:
    3x4, 3×4, 3 x 4, (3, 4), 3 4 for a shape; 1, 1x1, (1, 1) for a padding of 1; ..."""
    kind, value = answer["kind"], answer["value"]
    if kind in ("shape", "tensor_shape"):
        nums = [_num(v) for v in value]
        forms = ["x".join(nums), "×".join(nums), " x ".join(nums), f"({', '.join(nums)})", " ".join(nums)]
    elif kind == "set":
        nums = [_num(v) for v in value]
        forms = [", ".join(nums), ",".join(nums), " ".join(nums), "{" + ", ".join(nums) + "}"] if nums else ["none"]
    elif kind == "padding":
        forms = [answer_text(kind, value)]
        if all(before == after for before, after in value):
            sides = [_num(before) for before, _ in value]
            forms += ["x".join(sides), f"({', '.join(sides)})"]
        forms.append("[" + ", ".join(f"[{_num(b)}, {_num(a)}]" for b, a in value) + "]")
    else:
        forms = [answer_text(kind, value)]
    return list(dict.fromkeys(forms))


def _num(value) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
