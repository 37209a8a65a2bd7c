"""Known mistakes as wrong answers: the one rule every question type's catalogue follows.

A catalogue is a list of (code, value) candidates in the order feedback should name them. A mistake is kept
only if its value differs from the answer and from every mistake kept before it: a wrong answer that two
mistakes give is named after the first, and a "mistake" that gives the right answer is no mistake.
"""
from __future__ import annotations

from typing import Callable, Iterable


def positive(value) -> bool:
    """A size a student could write: every dimension (or the number) above zero."""
    return min(value) > 0 if isinstance(value, list) else value > 0


def distinct_mistakes(answer, candidates: Iterable[tuple[str, object]], *,
                      per_dimension: bool | Callable[[str], bool] | None = None,
                      admissible: Callable[[object], bool] | None = None) -> list[dict]:
    """The candidates as mistake records ``{code, value[, per_dimension]}``, each distinct.

    ``per_dimension``: whether the mistake can be made in one dimension alone (credit and feedback per
    dimension), a bool for all or a function of the code; None leaves it out (values, choices).
    ``admissible``: values a student could write (``positive`` for sizes); others are dropped.
    """
    mistakes, seen = [], [answer]
    for code, value in candidates:
        if value in seen or (admissible is not None and not admissible(value)):
            continue
        seen.append(value)
        mistake = {"code": code, "value": value}
        if per_dimension is not None:
            mistake["per_dimension"] = per_dimension(code) if callable(per_dimension) else per_dimension
        mistakes.append(mistake)
    return mistakes
