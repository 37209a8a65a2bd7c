"""The answer kinds: one registry that the grader, the exports and the practice page read, so that what a
kind accepts, how it is credited, how it is written and how an LMS asks it are said once.

Each kind gives:
- ``parse``: a typed text to its value (answers.parse; the practice page's script is its port, and both are
  tried on the same corpus: ``syntax`` of every kind, grown with every syntax added);
- ``parts_right``: how many of its parts are right, of how many (credit: answers.credit);
- ``text``: the answer as a student writes it (the key, the response sheet, feedback);
- ``notations``: the usual ways to write it, for LMS short answers that match text (GIFT);
- ``parts``: its numbers, each named, as LMS blanks ask them (export.lms); None: asked as a choice;
- ``decimals``: its parts may be decimals (the bank's tolerance applies), else integers, exact;
- ``whole_mistakes``: its known mistakes are made on the whole value (feedback per part all the same);
- ``shape``: the shape of a value whose shape a student can get wrong (a matrix's rows and columns, a
  sequence's length), which the grader compares before any part (None: the key's structure is imposed);
- ``grid``: how LMS blanks are laid out, (rows, columns), for kinds asked cell by cell (None: one line);
- ``summary``: what its value is, for the key.json schema;
- ``syntax``: an example of every accepted way of writing it, with the key it is read against.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from ..arithmetic.conv import DIM_NAMES, shape_text
from ..core.numbers import exact_text
from . import parse as P


@dataclass(frozen=True)
class AnswerKind:
    name: str
    parse: Callable
    parts_right: Callable
    text: Callable
    notations: Callable
    parts: Callable | None
    decimals: bool
    whole_mistakes: bool
    key: object                      # a key the syntax examples are read against
    syntax: tuple[str, ...]
    summary: str
    shape: Callable | None = None
    grid: Callable | None = None
    python: str = ""                 # the key written as a Python value (a lab notebook's answer cell)
    torch_size_tail: bool = False    # torch.Size([1, 1, H, W]) is read as its last sizes (a layer's output shape)


# --- how each kind is written ---------------------------------------------------------------------

# Short answers that match text (GIFT) accept a bounded set of spellings: the separators and brackets people
# use between sizes, each one a spelling the grader reads as the same value (tests/answers/test_parse.py).
SIZE_SEPARATORS = ("x", " x ", "×", " × ", "*", " * ", ",", ", ", " ")


def _sizes_notations(nums: list[str]) -> list[str]:
    """Sizes (a shape, a tensor's sizes, a padding per dimension): 6x6, 6 × 6, 6*6, 6,6, 6 6, (6, 6), [6,6]..."""
    return [sep.join(nums) for sep in SIZE_SEPARATORS] + [
        f"{open_}{sep.join(nums)}{close}" for open_, close in ("()", "[]") for sep in (", ", ",")]


def _shape_notations(value) -> list[str]:
    return _sizes_notations([exact_text(v) for v in value])


def _padding_text(value) -> str:
    if all(before == after for before, after in value):
        sides = [str(before) for before, _ in value]
        return sides[0] if len(set(sides)) == 1 else shape_text(sides)
    return "x".join(f"{before},{after}" for before, after in value)


def _padding_notations(value) -> list[str]:
    if len(value) == 1:   # a sequence's: one number, or before,after
        before, after = (exact_text(v) for v in value[0])
        pair = [f"{before},{after}", f"{before}, {after}", f"{before} {after}", f"({before}, {after})",
                f"[{before}, {after}]"]
        return [before] + pair if before == after else pair
    forms = [_padding_text(value)]
    if all(before == after for before, after in value):
        sides = [exact_text(before) for before, _ in value]
        forms += ([sides[0]] if len(set(sides)) == 1 else []) + _sizes_notations(sides)
    pairs = [(exact_text(b), exact_text(a)) for b, a in value]
    forms += [sep.join(f"{b}{inner}{a}" for b, a in pairs) for sep in ("x", " x ", "×", " × ") for inner in (",", ", ")]
    forms += ["[" + ", ".join(f"[{b}, {a}]" for b, a in pairs) + "]", "[" + ",".join(f"[{b},{a}]" for b, a in pairs) + "]",
              "(" + ", ".join(f"({b}, {a})" for b, a in pairs) + ")", ", ".join(f"({b}, {a})" for b, a in pairs)]
    return forms


def _matrix_text(value) -> str:
    return "[" + ", ".join("[" + ", ".join(exact_text(v) for v in row) + "]" for row in value) + "]"


def _sequence_text(value) -> str:
    return "[" + ", ".join(exact_text(v) for v in value) + "]"


def _matrix_shape(value) -> tuple:
    return (len(value), len(value[0]) if value else 0)


def _set_text(value) -> str:
    return ", ".join(exact_text(v) for v in value) if value else "none"


def _set_notations(value) -> list[str]:
    """A run of integers in increasing order (every set quizgen asks is one): listed, braced, or lo..hi."""
    nums = [exact_text(v) for v in value]
    if not nums:
        return ["none", "ninguno", "ninguna", "∅", "{}"]
    listed = [sep.join(nums) for sep in (", ", ",", " ", "; ", ";")]
    forms = listed + [f"{open_}{', '.join(nums)}{close}" for open_, close in ("{}", "[]")] + ["{" + ",".join(nums) + "}"]
    forms += [f"{nums[0]}..{nums[-1]}", f"{{{nums[0]}..{nums[-1]}}}"]
    return forms + [form + "." for form in listed]     # a list ended like a sentence: 5, 6, 7.


def _set_right(got, want, policy) -> tuple[int, int]:
    """Each value found counts, each value too many takes one back."""
    found = len(set(got) & {Fraction(w) for w in want})
    return max(0, found - (len(got) - found)), len(want) or int(bool(got))


# --- the registry ------------------------------------------------------------------------------------

SHAPE_SYNTAX = ("3x4", "3×4", "3 x 4", "3X4", "3*4", "(3, 4)", "[3,4]", "3 4", "3,4", "3, 4", "3;4",
                "torch.Size([3, 4])", "３ｘ４", "torch.Size([1, 1, 3, 4])", "torch.Size([1, 3, 4])")
KINDS: dict[str, AnswerKind] = {kind.name: kind for kind in (
    AnswerKind("shape", P.parse_shape, lambda g, w, p: (sum(a == b for a, b in zip(g, w)), len(w)),
               shape_text, _shape_notations,
               lambda v: [(name, size) for name, size in zip(("h", "w"), v)],
               decimals=False, whole_mistakes=False, key=[3, 4], syntax=SHAPE_SYNTAX,
               summary="[H, W]: an output's height and width", python="(3, 4)", torch_size_tail=True),
    AnswerKind("tensor_shape", P.parse_tensor_shape, lambda g, w, p: (sum(a == b for a, b in zip(g, w)), len(w)),
               shape_text, _shape_notations,
               lambda v: [(f"d{n + 1}", size) for n, size in enumerate(v)],
               decimals=False, whole_mistakes=False, key=[2, 8, 5, 5],
               syntax=("2x8x5x5", "2 × 8 × 5 × 5", "(2, 8, 5, 5)", "[2, 8, 5, 5]", "2 8 5 5",
                       "torch.Size([2, 8, 5, 5])"),
               summary="every size of a tensor: [N, C, H, W] (or [N, C, L]), or a weight's [C_out, C_in/groups, "
                       "K_h, K_w]", python="(2, 8, 5, 5)"),
    AnswerKind("matrix", P.parse_matrix,
               lambda g, w, p: (sum(p.close(a, b) for gr, wr in zip(g, w) for a, b in zip(gr, wr)),
                                sum(len(row) for row in w)),
               _matrix_text, lambda v: [_matrix_text(v)],
               lambda v: [(f"r{r + 1}c{c + 1}", x) for r, row in enumerate(v) for c, x in enumerate(row)],
               decimals=True, whole_mistakes=True, key=[[1, 2, 3], [4, 5, 6]],
               syntax=("[[1, 2, 3], [4, 5, 6]]", "((1, 2, 3), (4, 5, 6))", "[1 2 3; 4 5 6]", "1 2 3; 4 5 6",
                       "1 2 3\n4 5 6", "tensor([[1., 2., 3.], [4., 5., 6.]])",
                       "array([[1, 2, 3],\n       [4, 5, 6]])", "[[1,2,3],[4,5,6]]", "1,5 2 3; 4 5 6",
                       "tensor([[[[1., 2., 3.],\n          [4., 5., 6.]]]], grad_fn=<ConvolutionBackward0>)"),
               summary="a conv2d's output values: rows of numbers", shape=_matrix_shape, grid=_matrix_shape,
               python="[[1, 2, 3], [4, 5, 6]]"),
    AnswerKind("sequence", P.parse_sequence,
               lambda g, w, p: (sum(p.close(a, b) for a, b in zip(g, w)), len(w)),
               _sequence_text, lambda v: [_sequence_text(v)],
               lambda v: [(f"y{i + 1}", x) for i, x in enumerate(v)],
               decimals=True, whole_mistakes=True, key=[1, 2, 3],
               syntax=("[1, 2, 3]", "1 2 3", "1, 2, 3", "(1, 2, 3)", "tensor([1., 2., 3.])", "[1,2,3]",
                       "1\n2\n3", "1,5 2 3", "[[1, 2, 3]]", "array([1, 2, 3])"),
               summary="a conv1d's output values: one sequence of numbers", shape=lambda v: (len(v),),
               grid=lambda v: (1, len(v)), python="[1, 2, 3]"),
    AnswerKind("padding", P.parse_padding,
               lambda g, w, p: (sum(list(a) == list(b) for a, b in zip(g, w)), len(w)),
               _padding_text, _padding_notations,
               lambda v: [(f"{dim[0]}_{side}", v[d][s]) for d, dim in enumerate(DIM_NAMES[len(v)])
                          for s, side in enumerate(("before", "after"))],
               decimals=False, whole_mistakes=False, key=[[0, 1], [1, 1]],
               syntax=("1", "0,1x1,1", "[[0, 1], [1, 1]]", "1x2", "(1, 2)", "(0, 1), (1, 1)"),
               summary="[[before, after] per dimension]: the zeros on each side", python="[[0, 1], [1, 1]]"),
    AnswerKind("choice", P.parse_choice, lambda g, w, p: (int(g == w), 1), str, lambda v: [str(v)], None,
               decimals=False, whole_mistakes=False,
               key={"value": "kernel_too_large", "letter": "f",
                    "options": [{"letter": "a", "code": "valid", "text": "Valid: torch accepts it"},
                                {"letter": "b", "code": "output_too_small",
                                 "text": "Invalid: the output would be empty"},
                                {"letter": "f", "code": "kernel_too_large",
                                 "text": "Invalid: kernel larger than the padded input"}]},
               syntax=("f", "F", "f)", "(f)", "f.", "kernel_too_large", "kernel too large",
                       "Invalid: kernel larger than the padded input",
                       "f) Invalid: kernel larger than the padded input"),
               summary="a rule's code (or 'valid'), with the options offered", python='"f"'),
    AnswerKind("number", P.parse_number, lambda g, w, p: (int(p.close(g, w)), 1), exact_text, lambda v: [exact_text(v)],
               lambda v: [("n", v)], decimals=True, whole_mistakes=True, key=12,
               syntax=("12", "-4", "4.5", "4.", "4,5", ".5", "1e-3", "8/3", "tensor(12.)", "12.0"),
               summary="one number (a count, or a conv1d's output length)", python="12"),
    AnswerKind("set", P.parse_set, _set_right, _set_text, _set_notations,
               lambda v: [("smallest", min(v)), ("largest", max(v))] if v else [],
               decimals=False, whole_mistakes=True, key=[5, 6, 7],
               syntax=("5, 6, 7", "5,6,7", "5 6 7", "{5, 6, 7}", "[5, 6, 7]", "5..7", "none"),
               summary="the sorted list of every value that answers", python="[5, 6, 7]"),
)}


def answer_text(kind_name: str, value) -> str:
    """An answer as a student would write it: 3x3, [[4, 4], [4, 4]], 1 (or 1x2, or 0,1x1,1), b, 12, 5, 6, 7."""
    return KINDS[kind_name].text(value) if kind_name in KINDS else str(value)


def notations(answer: dict) -> list[str]:
    """The usual ways to write an answer ({kind, value}), for LMS short answers that match text."""
    return list(dict.fromkeys(KINDS[answer["kind"]].notations(answer["value"])))
