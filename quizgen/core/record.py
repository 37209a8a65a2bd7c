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
    context: dict = field(default_factory=dict, repr=False, compare=False)   # the prompt's facts (the draft's)

    def to_dict(self) -> dict:
        # Shallow: the fields already hold plain JSON data (asdict's deep copy was the slowest step of a run).
        # ``context`` is what the texts were made from, not part of the record grading reads.
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "context"}

    @property
    def lab(self) -> list[str]:
        """Python lines building the question's tensors and layer in torch (its type's ``lab``): made only when
        a lab notebook asks for them."""
        from ..questions import get  # noqa: PLC0415 - the types import this module

        return get(self.type).lab(self)
