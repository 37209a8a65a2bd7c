"""The vocabulary question types declare their bank fields with: each field gives its JSON Schema (what the
bank schema, `quizgen schema` and the published schemas are made of) and the integers each of its numeric
parts may take (``Bounds``), which the sampler checks on every candidate, however it was written (a
number, 'HxW', a list, a range, height and width), before anything is drawn.

A convolution's fields take one value per spatial dimension: height and width for conv2d, the length
alone for conv1d (``op``). Each such field declares both forms; the bank schema applies the one-dimensional
form to the questions whose ``op`` has one spatial dimension.

The limits are what torch and memory can hold and what a student can be asked: sizes up to 2^20 (shapes are
cross-checked on torch's meta device, never allocated), images whose values are asked up to 32x32 (a
student types the output), up to 65,536 channels.
"""
from __future__ import annotations

from dataclasses import dataclass, field

MAX = 1 << 20               # the largest size, stride, padding or dilation a bank may ask for
MAX_VALUES = 32             # the largest image or kernel whose values are computed and shown
MAX_CHANNELS = 1 << 16
MAX_VALUE = 10 ** 6         # the largest magnitude of a drawn image or kernel value


@dataclass(frozen=True)
class Bounds:
    """The integers a parameter may take: ``least`` to ``most``, both included."""
    least: int
    most: int

    def allows(self, value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and self.least <= value <= self.most

    def describe(self) -> str:
        return f"integers from {self.least} to {self.most}"

    def integer(self) -> dict:
        return {"type": "integer", "minimum": self.least, "maximum": self.most}


SIZE = Bounds(1, MAX)
VALUE_SIZE = Bounds(1, MAX_VALUES)
STRIDE = Bounds(1, MAX)
PADDING = Bounds(0, MAX)
DILATION = Bounds(1, MAX)
RULES = Bounds(-16, 64)            # validity questions draw what torch rejects too: small, for the rules
CHANNELS = Bounds(1, MAX_CHANNELS)


@dataclass(frozen=True)
class Field:
    """A bank field: its schema, and the bounds of its numeric parts by their path below the field ("":
    the field itself; "size": image.size; "in": channels.in; "*.kernel": every layer's kernel).
    ``one_d``: its schema where the question's operation has one spatial dimension (conv1d); None: the same."""
    schema: dict
    bounds: dict = field(default_factory=dict)
    one_d: dict | None = None


# The operations a convolution question may ask about (the ``op`` field), and their spatial dimensions.
OPS = {"conv2d": 2, "conv1d": 1}


def op_field(ops: tuple = ("conv2d", "conv1d")) -> Field:
    """Which convolution the question is about; the first is the default."""
    described = {"conv2d": "on an image, height x width (nn.Conv2d; nn.ConvTranspose2d in transposed questions)",
                 "conv1d": "on a sequence, its length (nn.Conv1d; nn.ConvTranspose1d in transposed questions)"}
    return Field({"enum": list(ops), "description": "the convolution: " + "; ".join(
        f"{op}: {described[op]}{' (the default)' if n == 0 else ''}" for n, op in enumerate(ops))})


def ndim_of(fields: dict, question_fields: dict) -> int:
    """How many spatial dimensions a question has: its ``op``'s (the type's first op by default); 2 for a
    type that declares no op."""
    if "op" not in fields:
        return 2
    return OPS[question_fields.get("op", fields["op"].schema["enum"][0])]


_SHAPE = {"type": "string", "pattern": r"^\s*-?\d+\s*x\s*-?\d+\s*$", "description": "a shape 'HxW', e.g. '4x6'"}


def int_space(bounds: Bounds, what: str = "") -> dict:
    """A parameter with one value: an integer, a list to choose from, or {min, max[, step]}."""
    number = bounds.integer()
    return {"description": f"{what + ': ' if what else ''}an integer, a list of integers to choose from, or "
                           f"{{min, max[, step]}}; {bounds.describe()}",
            "anyOf": [number, {"type": "array", "minItems": 1, "items": number},
                      {"type": "object", "additionalProperties": False, "required": ["min", "max"],
                       "properties": {"min": number, "max": number, "step": {"type": "integer", "minimum": 1}}}]}


def dim_space(bounds: Bounds, what: str, words: tuple = ()) -> Field:
    """A per-dimension parameter: one value for every dimension, 'HxW', a list to choose from, a range, or
    {height: ..., width: ...} drawn independently (and, for padding, named values such as 'same'); for one
    spatial dimension, an integer (or a word), a list of them, or a range."""
    number = bounds.integer()
    value = {"anyOf": [number, _SHAPE] + ([{"enum": list(words)}] if words else [])}
    extra = f", {' or '.join(repr(v) for v in words)}" if words else ""
    one = {"anyOf": [number] + ([{"enum": list(words)}] if words else [])}
    one_d = {"description": (f"{what} (one dimension): an integer{extra}, a list of these to choose from, or "
                             f"{{min, max[, step]}}; {bounds.describe()}"),
             "anyOf": [one, {"type": "array", "minItems": 1, "items": one}, int_space(bounds)["anyOf"][2]]}
    return Field({
        "description": (f"{what}: an integer (every dimension), 'HxW'{extra}, a list of these to choose from, "
                        f"{{min, max[, step]}}, or {{height: ..., width: ...}}; {bounds.describe()}"),
        "anyOf": [value, {"type": "array", "minItems": 1, "items": value},
                  int_space(bounds)["anyOf"][2],
                  {"type": "object", "additionalProperties": False, "required": ["height", "width"],
                   "properties": {"height": int_space(bounds), "width": int_space(bounds)}}],
    }, {"": bounds}, one_d)


def choice(values: tuple, what: str, several: bool = False) -> Field:
    """One of ``values`` (or, ``several``, a list of them to choose from)."""
    one = {"enum": list(values)}
    return Field({"description": f"{what}: {', '.join(map(str, values))}, or a list of them to choose from",
                  "anyOf": [one, {"type": "array", "minItems": 1, "items": one}]} if several else
                 {**one, "description": what})


def boolean(what: str, several: bool = False) -> Field:
    if not several:
        return Field({"type": "boolean", "description": what})
    return Field({"description": f"{what}: true, false, or [false, true] to draw either",
                  "anyOf": [{"type": "boolean"}, {"type": "array", "minItems": 1, "items": {"type": "boolean"}}]})


def _value_range(integers: bool) -> dict:
    number = {"type": "integer" if integers else "number", "minimum": -MAX_VALUE, "maximum": MAX_VALUE}
    properties = {"min": number, "max": number}
    if not integers:
        properties["decimals"] = {"type": "integer", "minimum": 0, "maximum": 4}
    return {"type": "object", "additionalProperties": False, "required": ["min", "max"], "properties": properties,
            "description": "{min, max}: integers drawn uniformly, both ends included" if integers else
            "{min, max, decimals}: decimals drawn uniformly on that grid"}


_SEQUENCE = {"type": "array", "minItems": 1, "maxItems": MAX_VALUES,
             "items": {"type": "number", "minimum": -MAX_VALUE, "maximum": MAX_VALUE},
             "description": f"an explicit sequence of numbers (at most {MAX_VALUES})"}
_MATRIX = {"type": "array", "minItems": 1, "maxItems": MAX_VALUES, "items": {**_SEQUENCE, "description": "a row"},
           "description": f"an explicit matrix, a list of rows of numbers (at most {MAX_VALUES}x{MAX_VALUES})"}
NAMED_KERNELS = ("ones", "zeros", "sobel-x", "sobel-y", "laplacian")


def _line(name: str) -> dict:
    return {"type": "object", "additionalProperties": False, "required": [name],
            "properties": {name: {"anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_VALUES - 1},
                                            {"const": "middle"}]}}}


_RANDOM = [{"type": "object", "additionalProperties": False, "required": ["random_int"],
            "properties": {"random_int": _value_range(True)}},
           {"type": "object", "additionalProperties": False, "required": ["random_decimal"],
            "properties": {"random_decimal": _value_range(False)}}]


def _part(what: str, bounds: Bounds, values: bool, name: str, one_d: bool) -> dict:
    """The schema of an image or a kernel: its size and, where values are asked, its values (``name``)."""
    size = dim_space(bounds, f"{what} size")
    properties = {"size": size.one_d if one_d else size.schema}
    if values and name == "content":
        properties["content"] = {
            "description": (f"{what} content: 'zeros', 'ones', " + (
                "{column: N|'middle'} (zeros with a one there), {random_int: {min, max}}, {random_decimal: {min, "
                "max, decimals}}, or an explicit sequence (at most " f"{MAX_VALUES} values)" if one_d else
                "{column: N|'middle'} (zeros with a column of ones), {row: N|'middle'}, {random_int: {min, max}}, "
                "{random_decimal: {min, max, decimals}}, or an explicit matrix (a list of rows, at most "
                f"{MAX_VALUES}x{MAX_VALUES}; a sequence needs op: conv1d)")),
            "anyOf": [{"enum": ["zeros", "ones"]}, _line("column"), *([] if one_d else [_line("row")]), *_RANDOM,
                      _SEQUENCE if one_d else _MATRIX]}
    elif values:
        properties["values"] = {
            "description": (f"{what} values: 'ones', 'zeros', " + (
                f"{{random_int: {{min, max}}}}, or an explicit sequence (at most {MAX_VALUES} values)" if one_d else
                "'sobel-x', 'sobel-y', 'laplacian' (3x3), {random_int: {min, max}}, or an explicit matrix (a list of "
                f"rows, at most {MAX_VALUES}x{MAX_VALUES}; a sequence needs op: conv1d)")),
            "anyOf": [{"enum": ["ones", "zeros"] if one_d else list(NAMED_KERNELS)}, _RANDOM[0],
                      _SEQUENCE if one_d else _MATRIX]}
    return {"type": "object", "additionalProperties": False, "properties": properties,
            "description": f"the {what}" + (f": its size and {name}" if values else ": its size")}


def image(bounds: Bounds = SIZE, values: bool = False) -> Field:
    """The input (an image; a conv1d's sequence): its size (and, where values are asked, its content)."""
    return Field(_part("input", bounds, values, "content", False), {"size": bounds},
                 _part("input", bounds, values, "content", True))


def kernel(bounds: Bounds = SIZE, values: bool = False) -> Field:
    """The kernel: its size (and, where values are asked, its values)."""
    return Field(_part("kernel", bounds, values, "values", False), {"size": bounds},
                 _part("kernel", bounds, values, "values", True))


def channels_field() -> Field:
    parts = ("batch", "in", "out", "groups")
    return Field({"type": "object", "additionalProperties": False,
                  "description": "channels: batch, in, out, groups (each an integer space) and bias",
                  "properties": {**{p: int_space(CHANNELS, p) for p in parts},
                                 "bias": boolean("true (torch's default), false", several=True).schema}},
                 {p: CHANNELS for p in parts})


def layers_field() -> Field:
    layer = {"kernel": SIZE, "stride": STRIDE, "padding": PADDING, "dilation": DILATION}
    spaces = {n: int_space(b, n) for n, b in layer.items()}
    same = {"const": "same", "description": "'same' (a conv with stride 1: torch pads to keep the size)"}
    spaces["padding"] = {"description": spaces["padding"]["description"] + "; or 'same' (conv, stride 1)",
                         "anyOf": spaces["padding"]["anyOf"] + [same, {"type": "array", "minItems": 1, "items": {
                             "anyOf": [PADDING.integer(), same]}}]}
    return Field({"type": "array", "minItems": 1, "maxItems": 64,
                  "description": "the layers of the stack, in order",
                  "items": {"type": "object", "additionalProperties": False, "required": ["type", "kernel"],
                            "description": ("one square layer: type conv|maxpool|avgpool, kernel, stride, padding "
                                            "(or 'same'), dilation (integer spaces), ceil_mode (pooling)"),
                            "properties": {"type": {"enum": ["conv", "maxpool", "avgpool"]}, **spaces,
                                           "ceil_mode": boolean("pooling's ceil_mode", several=True).schema}}},
                 {f"*.{n}": b for n, b in layer.items()})


# --- what every question has ----------------------------------------------------------------------

COMMON = {
    "id": Field({"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9_-]*$", "maxLength": 100,
                 "description": "a unique id: a letter, then letters, digits, '_' or '-'"}),
    "title": Field({"type": "string", "description": "an optional heading shown above the question"}),
    "points": Field({"type": "number", "exclusiveMinimum": 0, "maximum": 1000,
                     "description": "points for the question, a positive number (at most 1000)"}),
    "picture": boolean("true: problem sets show a picture of the input and kernel (never the answer); keys "
                       "always show the picture with the output and an animation of the sliding window"),
    "lms": Field({"type": "object", "additionalProperties": False,
                  "description": "how LMS exports (moodle, gift, canvas, qti21) ask the question",
                  "properties": {"multiple_choice": {"type": "boolean", "description": (
                      "true: offer the answer among the wrong answers known mistakes lead to (each with feedback "
                      "naming the mistake) instead of blanks to fill; false (default): blanks")}}}),
    "grading": Field({
        "type": "object", "additionalProperties": False,
        "description": "how answers are scored (by the grader and in LMS exports)",
        "properties": {
            "tolerance": {
                "type": "object", "additionalProperties": False,
                "description": ("for answers with decimals: right when |answer - key| <= absolute + relative * |key| "
                                "(default absolute 0.01, relative 0); integer answers are always exact"),
                "properties": {"absolute": {"type": "number", "minimum": 0, "maximum": MAX_VALUE,
                                            "description": "absolute tolerance"},
                               "relative": {"type": "number", "minimum": 0, "maximum": 1,
                                            "description": "relative tolerance, e.g. 0.01 for 1%"}}},
            "partial_credit": {"enum": ["proportional", "all_or_nothing"], "description": (
                "for matrices, shapes and paddings: 'proportional' (the share of cells or dimensions right, "
                "the default) or 'all_or_nothing'")}}}),
    "constraints": Field({
        "type": "object", "additionalProperties": False,
        "description": "conditions every sampled configuration must meet",
        "properties": {
            "min_output": {**SIZE.integer(), "description": "every output dimension at least this"},
            "max_output": {**SIZE.integer(), "description": "every output dimension at most this"},
            "exact_division": {"type": "boolean", "description": (
                "true: the stride divides exactly in every dimension (integer-only sizes); "
                "false: at least one dimension needs the floor (the non-integer case)")},
            "valid": {"type": "boolean", "description": (
                "true: torch accepts the configuration (the default, and the only choice outside validity "
                "questions); false: it rejects it (validity questions)")},
            "square": {"type": "boolean", "description": "true: the image is square; false: it is not"}}}),
}

PADDING_WORDS = ("same", "valid", "full")


def conv_fields(size: Bounds = SIZE, values: bool = False, kernel_size: Bounds | None = None,
                stride: Bounds = STRIDE, padding: Bounds = PADDING, dilation: Bounds = DILATION,
                padding_words: tuple = PADDING_WORDS, ops: tuple = ("conv2d", "conv1d")) -> dict[str, Field]:
    """The fields of a convolution: the operation (``ops``: the first is the default), image, kernel, stride,
    padding and dilation."""
    return {**({"op": op_field(ops)} if ops else {}), "image": image(size, values), "kernel": kernel(kernel_size or size, values),
            "stride": dim_space(stride, "stride"),
            "padding": dim_space(padding, "zero padding per side" + (" ('full': d(k - 1) per side)"
                                                                     if "full" in padding_words else ""),
                                 padding_words),
            "dilation": dim_space(dilation, "dilation")}
