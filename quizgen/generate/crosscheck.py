"""Stage 3: every answer, computed by the formula when drafted, is confirmed by torch here.

All checks of a run are batched: each distinct configuration runs once, and value checks that share
shapes run as one grouped conv2d. A disagreement is a hard error: quizgen never emits a doubtful key.
"""
from __future__ import annotations

from fractions import Fraction

from ..arithmetic.conv import shape_text
from ..core.errors import ReferenceMismatch
from ..core.record import Draft
from . import reference

RELATIVE_TOLERANCE = Fraction(1, 10**9)  # torch works in float64; exact decimals agree far below this


def cross_check(drafts: list[Draft], bank_file: str) -> int:
    """Confirm every draft's checks with torch; return how many checks ran."""
    pairs = [(draft, check) for draft in drafts for check in draft.checks]
    outcomes = reference.outcomes([check.conv for _, check in pairs])
    for (draft, check), got in zip(pairs, outcomes):
        expected = (tuple(check.shape) if check.shape is not None else None, check.reason)
        if (got.shape, got.reason) != expected:
            raise _mismatch(draft, bank_file, f"formula says {_say(*expected)}, torch says "
                                              f"{_say(got.shape, got.reason)} ({got.message or 'ok'})")
    valued = [(draft, check) for draft, check in pairs if check.values is not None]
    if valued:
        results = reference.values([(c.conv, c.image, c.kernel) for _, c in valued])
        for (draft, check), torch_values in zip(valued, results):
            if not _close(check.values, torch_values):
                raise _mismatch(draft, bank_file, f"values by definition {check.values} != torch {torch_values}")
    return len(pairs)


def _close(exact, computed) -> bool:
    """The same structure (a matrix's rows, or a conv1d's sequence), and every value within the tolerance."""
    if _structure(exact) != _structure(computed):
        return False
    exact, computed = _flat(exact), _flat(computed)
    scale = max([abs(Fraction(v)) for v in exact] + [Fraction(1)])
    return all(abs(Fraction(e) - Fraction(c)) <= RELATIVE_TOLERANCE * scale for e, c in zip(exact, computed))


def _structure(data) -> list:
    return [len(row) if isinstance(row, (list, tuple)) else None for row in data]


def _flat(data) -> list:
    return [v for row in data for v in (row if isinstance(row, (list, tuple)) else (row,))]


def _say(shape, reason) -> str:
    return f"output {shape_text(shape)}" if shape is not None else f"rejected ({reason})"


def _mismatch(draft: Draft, bank_file: str, detail: str) -> ReferenceMismatch:
    return ReferenceMismatch(f"question {draft.id!r}, version {draft.version}: formula and torch disagree: "
                             f"{detail}; no key was written", file=bank_file)
