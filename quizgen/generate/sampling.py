"""Stage 2: seeded sampling. Each (bank seed, version, question id) draws one configuration.

Every parameter space is finite (a value, a list, a range, or height x width of those), so a space is a
list of candidates: sampling is a seeded choice, and a space that no draw satisfies is enumerated to tell
"rare" from "impossible".
"""
from __future__ import annotations

import hashlib
import itertools
import math
import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..arithmetic import conv as ar
from ..core.errors import InvalidConfiguration
from .bank import Bank, QuestionSpec

MAX_RANGE = 10_000          # values in one range
DRAWS = 400                 # rejection-sampling attempts before enumerating
MAX_ENUMERATION = 300_000   # configurations we are willing to enumerate
MAX_VERDICTS = 100_000      # configurations whose verdict on the constraints is remembered, per question

NAMED_KERNELS = {
    "sobel-x": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
    "sobel-y": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
}


@dataclass(frozen=True)
class Config:
    """The drawn hyper-parameters of one question, one value per spatial dimension (height, width; a
    conv1d's length alone)."""

    input_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...] | str
    dilation: tuple[int, ...]

    @property
    def ndim(self) -> int:
        return len(self.input_shape)

    def reasons(self) -> list[str]:
        return ar.validity_reasons(self.input_shape, self.kernel_shape, self.stride, self.padding, self.dilation)

    def spec(self) -> ar.ConvSpec:
        return ar.conv_spec(self.input_shape, self.kernel_shape, self.stride, self.padding, self.dilation)

    def params(self) -> dict:
        return {"input_shape": list(self.input_shape), "kernel_shape": list(self.kernel_shape),
                "stride": list(self.stride),
                "padding": self.padding if isinstance(self.padding, str) else list(self.padding),
                "dilation": list(self.dilation)}


def question_rng(seed: int, version: str, question_id: str) -> random.Random:
    """One generator per (seed, version, question): stable across machines and processes (no hash())."""
    digest = hashlib.sha256(f"quizgen|{seed}|{version}|{question_id}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


# --------------------------------------------------------------------------------------------
# Spaces

def _int_candidates(spec, bank: Bank, path) -> list[int]:
    if isinstance(spec, int):
        return [spec]
    if isinstance(spec, list):
        return list(spec)
    low, high, step = spec["min"], spec["max"], spec.get("step", 1)
    if low > high:
        raise bank.error(path, f"empty range: min {low} > max {high}; allowed: min <= max")
    if (high - low) // step + 1 > MAX_RANGE:
        raise bank.error(path, f"range of {(high - low) // step + 1} values; allowed: at most {MAX_RANGE}")
    return list(range(low, high + 1, step))


def _dim_value(value, ndim: int, bank: Bank, path):
    if isinstance(value, str) and "x" in value:
        if ndim == 1:
            raise bank.error(path, f"got {value!r}, but a conv1d has one dimension (its length); allowed: one "
                                   "integer, a list of integers, or {min, max}")
        height, width = (int(part) for part in value.split("x"))
        return height, width
    return value if isinstance(value, str) else (value,) * ndim


def dim_candidates(spec, bank: Bank, path, bounds=None, ndim: int = 2) -> list:
    """Candidates for a per-dimension parameter: tuples of one value per dimension ((h, w), or (length,) for
    a conv1d), or 'same'/'valid'/'full' for padding; each integer within ``bounds`` (the question type's
    declaration), however it was written, else a located error."""
    if isinstance(spec, dict) and "height" in spec and ndim == 1:
        raise bank.error(path, "height and width given, but a conv1d has one dimension (its length); allowed: one "
                               "integer, a list of integers, or {min, max}")
    if isinstance(spec, dict) and "height" in spec:
        heights = _int_candidates(spec["height"], bank, path + ("height",))
        widths = _int_candidates(spec["width"], bank, path + ("width",))
        candidates = list(itertools.product(heights, widths))
    elif isinstance(spec, dict):
        candidates = [(v,) * ndim for v in _int_candidates(spec, bank, path)]
    elif isinstance(spec, list):
        candidates = [_dim_value(v, ndim, bank, path) for v in spec]
    else:
        candidates = [_dim_value(spec, ndim, bank, path)]
    return within(candidates, bounds, bank, path)


def within(candidates: list, bounds, bank: Bank, path) -> list:
    """``candidates`` (integers, or per-dimension tuples of them), once each integer is known to be within
    ``bounds`` (None: no bounds); else the first out of them is a located error."""
    if bounds is not None:
        for candidate in candidates:
            for value in candidate if isinstance(candidate, tuple) else (candidate,):
                if not isinstance(value, str) and not bounds.allows(value):
                    raise bank.error(path, f"got {value}; allowed: {bounds.describe()}")
    return candidates


def matrix_of(values) -> list:
    """A YAML matrix (or a conv1d's sequence) with exact numbers: decimals as written, not as binary floats."""
    if values and not isinstance(values[0], list):
        return [Fraction(str(v)) if isinstance(v, float) else v for v in values]
    return [[Fraction(str(v)) if isinstance(v, float) else v for v in row] for row in values]


def _matrix_shape(matrix, bank: Bank, path, ndim: int = 2) -> tuple[int, ...]:
    if ndim == 1:
        if any(isinstance(v, list) for v in matrix):
            raise bank.error(path, "a matrix given, but a conv1d's input and kernel are sequences; allowed: a "
                                   "list of numbers")
        return (len(matrix),)
    if any(not isinstance(row, list) for row in matrix):
        raise bank.error(path, "a list of numbers given; allowed: a matrix, a list of rows (or op: conv1d for a "
                               "sequence)")
    widths = {len(row) for row in matrix}
    if len(widths) != 1:
        raise bank.error(path, f"rows of different lengths {sorted(widths)}; allowed: a rectangular matrix")
    return len(matrix), widths.pop()


@dataclass(frozen=True)
class Spaces:
    """The candidate lists of one question, and how to check a drawn configuration."""

    images: list
    kernels: list
    strides: list
    paddings: list
    dilations: list
    # A question type's own parameters (output_padding, ceil_mode, channels...), drawn after the five, in
    # order, and the Config class that takes them all.
    extras: tuple = ()
    make: Any = Config
    # A configuration's verdict on the constraints, remembered: versions draw the same ones again and again.
    verdicts: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def lists(self) -> list:
        return [self.images, self.kernels, self.strides, self.paddings, self.dilations] + [c for _, c in self.extras]

    def size(self) -> int:
        return math.prod(len(c) for c in self.lists)

    def draw(self, rng: random.Random) -> Config:
        return self.make(*(rng.choice(candidates) for candidates in self.lists))

    def every(self):
        for combo in itertools.product(*self.lists):
            yield self.make(*combo)


def spaces_of(question: QuestionSpec, bank: Bank, qtype) -> Spaces:
    """The candidates of a convolution's parameters, each within the bounds the question type declares."""
    fields = question.fields
    image, kernel = fields.get("image", {}), fields.get("kernel", {})
    ndim = qtype.ndim(question) if hasattr(qtype, "ndim") else 2

    def sizes(part, defaults_from, name):
        path = question.path_of(name) + ("size",)
        content = part.get("content" if name == "image" else "values")
        bounds = qtype.fields[name].bounds.get("size") if name in qtype.fields else None
        fixed = None
        if isinstance(content, list):
            where = question.path_of(name) + ("content" if name == "image" else "values",)
            fixed = within([_matrix_shape(content, bank, where, ndim)], bounds, bank, where)[0]
        elif isinstance(content, str) and content in NAMED_KERNELS:
            if ndim == 1:
                raise bank.error(question.path_of(name) + ("values",), f"{content!r} is a 3x3 kernel, but a conv1d's "
                                                                       "kernel is a sequence; allowed: ones, zeros, "
                                                                       "{random_int: ...} or a list of numbers")
            fixed = (3, 3)
        if "size" not in part:
            if fixed is None:
                if defaults_from is None:
                    raise bank.error(question.path_of(name), f"{name}.size is missing; allowed: a size, or an "
                                                             f"explicit matrix that implies it")
                return defaults_from
            return [fixed]
        candidates = dim_candidates(part["size"], bank, path, bounds, ndim)
        if fixed is not None and candidates != [fixed]:
            raise bank.error(path, f"size {ar.shape_text(candidates[0])} contradicts the {ar.shape_text(fixed)} "
                                   f"values given; allowed: omit size, or match the values")
        return candidates

    def param(name, default):
        if name not in fields:
            return [default]
        bounds = qtype.fields[name].bounds.get("") if name in qtype.fields else None
        return dim_candidates(fields[name], bank, question.path_of(name), bounds, ndim)

    spaces = Spaces(images=sizes(image, None, "image"), kernels=sizes(kernel, None, "kernel"),
                    strides=param("stride", (1,) * ndim), paddings=param("padding", (0,) * ndim),
                    dilations=param("dilation", (1,) * ndim))
    return spaces


# --------------------------------------------------------------------------------------------
# Constraints

def satisfies(config: Config, constraints: dict, qtype) -> bool:
    reasons = config.reasons()
    want_valid = constraints.get("valid", qtype.default_valid)
    if want_valid is True and reasons or want_valid is False and not reasons:
        return False
    if "square" in constraints and (config.input_shape[0] == config.input_shape[1]) != constraints["square"]:
        return False
    if not qtype.accepts(config, reasons):
        return False
    if reasons:
        return True  # size constraints mean nothing for a configuration torch rejects
    spec = config.spec()
    outputs = spec.output_shape
    if outputs and min(outputs) < constraints.get("min_output", 1):
        return False
    if "max_output" in constraints and max(outputs) > constraints["max_output"]:
        return False
    if "exact_division" in constraints:
        exact = all(d.exact for d in spec.dims)
        if constraints["exact_division"] != exact:
            return False
    return True


def why_not(config: Config) -> str:
    """Why one configuration fails: torch's objection, or the output it gives (for size constraints)."""
    if hasattr(config, "describe"):   # a question type's own configuration says it its own way
        return config.describe()
    try:
        spec = config.spec()
    except InvalidConfiguration as error:
        return f"e.g. {error.message}"
    image, kernel, output = (ar.shape_text(s) for s in (config.input_shape, config.kernel_shape, spec.output_shape))
    return f"e.g. image {image}, kernel {kernel} gives output {output}"


def check_constraints(question: QuestionSpec, bank: Bank, qtype) -> dict:
    """Constraints that contradict themselves or the question type, caught before any sampling."""
    constraints = question.fields.get("constraints", {})
    path = question.path_of("constraints")
    if constraints.get("min_output", 1) > constraints.get("max_output", math.inf):
        raise bank.error(path + ("min_output",), f"min_output {constraints['min_output']} > max_output "
                                                 f"{constraints['max_output']}; allowed: min_output <= max_output")
    if "square" in constraints and hasattr(qtype, "ndim") and qtype.ndim(question) == 1:
        raise bank.error(path + ("square",), "a conv1d's input is a sequence, neither square nor not; allowed: "
                                             "leave square out")
    if "valid" in constraints and constraints["valid"] is False and qtype.default_valid is True:
        raise bank.error(path + ("valid",), f"{question.type!r} questions need a configuration torch accepts; "
                                            "allowed: valid: true (valid: false only in validity questions)")
    return constraints


def check_picture(question: QuestionSpec, bank: Bank, qtype) -> None:
    """``picture: true`` on a question whose type draws no picture is a located error (in ``defaults`` it is
    not: a default applies to the questions that have one)."""
    if question.fields.get("picture") is True and getattr(qtype, "picture", "") is None \
            and "picture" not in question.from_defaults:
        from ..questions import TYPES  # noqa: PLC0415  (the registry imports this module)
        drawn = ", ".join(name for name, other in TYPES.items() if other.picture is not None)
        raise bank.error(question.path_of("picture"), f"{question.type!r} questions have no picture; allowed: "
                                                      f"false (or leave picture out), or a type with a picture: "
                                                      f"{drawn}")


def draw_config(question: QuestionSpec, bank: Bank, qtype, spaces: Spaces, rng: random.Random) -> Config:
    """A configuration from the question's spaces meeting its constraints, or a located error."""
    check_picture(question, bank, qtype)
    constraints = check_constraints(question, bank, qtype)
    verdicts = spaces.verdicts
    for _ in range(DRAWS):
        config = spaces.draw(rng)
        verdict = verdicts.get(config)
        if verdict is None:
            if len(verdicts) >= MAX_VERDICTS:
                verdicts.clear()
            verdict = verdicts[config] = satisfies(config, constraints, qtype)
        if verdict:
            return config
    total = spaces.size()
    where = question.path_of("constraints") if "constraints" in question.fields else question.path
    if total > MAX_ENUMERATION:
        raise bank.error(where, f"no configuration met the constraints in {DRAWS} draws from {total} "
                                f"possible; allowed: constraints that a fair share of the space meets")
    every = list(spaces.every())
    matching = [c for c in every if satisfies(c, constraints, qtype)]
    if not matching:
        raise bank.error(where, f"none of the {total} configurations of this parameter space meets the "
                                f"constraints{qtype.constraint_hint} ({why_not(every[0])}); widen the spaces "
                                f"or relax the constraints")
    return rng.choice(matching)


# --------------------------------------------------------------------------------------------
# Contents

def fill(content, shape: tuple[int, ...], rng: random.Random, bank: Bank, path) -> list:
    """The matrix (a sequence for a one-dimensional ``shape``) for an image content or kernel values spec
    (already schema-checked)."""
    if len(shape) == 1:
        if isinstance(content, dict) and "column" in content and content["column"] != "middle" \
                and content["column"] >= shape[0]:
            raise bank.error(path + ("column",), f"position {content['column']} is outside a sequence of length "
                                                 f"{shape[0]}; allowed: 0 to {shape[0] - 1} or 'middle'")
        return matrix_of(content) if isinstance(content, list) else fill(content, (1,) + shape, rng, bank, path)[0]
    rows, cols = shape
    if isinstance(content, list):
        return matrix_of(content)
    if isinstance(content, str) and content in NAMED_KERNELS:
        return [list(row) for row in NAMED_KERNELS[content]]
    if content in ("zeros", "ones"):
        return [[int(content == "ones")] * cols for _ in range(rows)]
    (kind, arg), = content.items()
    if kind in ("column", "row"):
        limit = cols if kind == "column" else rows
        index = limit // 2 if arg == "middle" else arg
        if index >= limit:
            raise bank.error(path + (kind,), f"{kind} {index} is outside a {rows}x{cols} image; allowed: 0 to "
                                             f"{limit - 1} or 'middle'")
        return [[int((c if kind == "column" else r) == index) for c in range(cols)] for r in range(rows)]
    if kind == "random_int":
        if arg["min"] > arg["max"]:
            raise bank.error(path + (kind,), f"min {arg['min']} > max {arg['max']}; allowed: min <= max")
        return [[rng.randint(arg["min"], arg["max"]) for _ in range(cols)] for _ in range(rows)]
    scale = 10 ** arg.get("decimals", 2)
    low, high = math.ceil(Fraction(str(arg["min"])) * scale), math.floor(Fraction(str(arg["max"])) * scale)
    if low > high:
        raise bank.error(path + (kind,), f"no {arg.get('decimals', 2)}-decimal value between min and max; "
                                         "allowed: min <= max")
    return [[Fraction(rng.randint(low, high), scale) for _ in range(cols)] for _ in range(rows)]


def plain_number(value) -> Any:
    """JSON-ready: ints stay ints, other values the float nearest the exact value (never rounded for
    display: a key must hold the answer itself)."""
    value = Fraction(value)
    return value.numerator if value.denominator == 1 else float(value)


def plain_matrix(matrix) -> list:
    """A matrix (or a sequence) JSON-ready."""
    if matrix and not isinstance(matrix[0], (list, tuple)):
        return [plain_number(v) for v in matrix]
    return [[plain_number(v) for v in row] for row in matrix]


def frozen(data) -> tuple:
    """A matrix or sequence as nested tuples (hashable: a version's content)."""
    return tuple(tuple(row) if isinstance(row, (list, tuple)) else row for row in data)


def thawed(data) -> list:
    """The nested lists of ``frozen`` data."""
    return [list(row) if isinstance(row, (list, tuple)) else row for row in data]


def cells(data):
    """Every value of a matrix or a sequence."""
    for row in data:
        yield from row if isinstance(row, (list, tuple)) else (row,)
