"""JSON Schemas: the bank format (what `quizgen schema` prints) and the generated JSON (the contract).

The bank schema is the single source of truth for a bank's structure: banks are validated against it,
and editors (YAML language server) use it to validate and autocomplete. Descriptions double as the
"what is allowed" part of error messages, so every alternative (anyOf) says what it accepts.
"""
from __future__ import annotations

LANGUAGES = ["es", "en"]
QUESTION_TYPES_DOC = {
    "output_size": "output height x width of a convolution (no padding, stride, padding, dilation, floor case)",
    "conv_values": "output values of a convolution on a small image (and so its shape)",
    "same_padding": "which zero padding keeps the size (torch's padding='same')",
    "validity": "is this configuration valid for torch, and if not, which rule it breaks",
    "transposed_size": "output height x width of a transposed convolution (nn.ConvTranspose2d, output_padding)",
    "pool_size": "output height x width of max or average pooling (stride defaults to the kernel; ceil_mode)",
    "pool_values": "output values of max or average pooling on a small image",
    "channels": "nn.Conv2d with channels: output shape (N, C, H, W), weight shape, parameter count or MACs (ask)",
    "stack": "a stack of conv/pool layers: the output size or the receptive field (ask)",
    "flipped_values": "output values of a convolution in the textbook sense (kernel flipped), unlike torch",
    "inverse": "every value of one parameter (unknown) that gives the output size: graded as a set",
}

_INT_RANGE = {
    "type": "object",
    "description": "an inclusive integer range {min: a, max: b} with an optional step",
    "additionalProperties": False,
    "required": ["min", "max"],
    "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}, "step": {"type": "integer", "minimum": 1}},
}
_SHAPE = {"type": "string", "pattern": r"^\s*-?\d+\s*x\s*-?\d+\s*$", "description": "a shape 'HxW', e.g. '4x6'"}
_INT_SPACE_DOC = "an integer, a list of integers to choose from, or {min, max[, step]}"


def _dim_space(extra_values: list | None = None, what: str = "") -> dict:
    """A per-dimension parameter: one value for every dimension, 'HxW', a list to choose from, a range,
    or {height: ..., width: ...} drawn independently."""
    value = {"anyOf": [{"type": "integer"}, _SHAPE] + ([{"enum": extra_values}] if extra_values else [])}
    extra = f", {' or '.join(repr(v) for v in extra_values)}" if extra_values else ""
    return {
        "description": (f"{what}: an integer (every dimension), 'HxW'{extra}, a list of these to choose from, "
                        f"{{min, max[, step]}}, or {{height: ..., width: ...}}"),
        "anyOf": [
            value,
            {"type": "array", "minItems": 1, "items": value},
            {"$ref": "#/$defs/intRange"},
            {
                "type": "object", "additionalProperties": False, "required": ["height", "width"],
                "properties": {"height": {"$ref": "#/$defs/intSpace"}, "width": {"$ref": "#/$defs/intSpace"}},
            },
        ],
    }


_MATRIX = {"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 1, "items": {"type": "number"}},
           "description": "an explicit matrix, a list of rows of numbers"}

_QUESTION_PROPERTIES = {
    "id": {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9_-]*$",
           "description": "a unique id: a letter, then letters, digits, '_' or '-'"},
    "type": {"enum": sorted(QUESTION_TYPES_DOC),
             "description": "the question type: " + "; ".join(f"{k}: {v}" for k, v in sorted(QUESTION_TYPES_DOC.items()))},
    "title": {"type": "string", "description": "an optional heading shown above the question"},
    "points": {"type": "number", "exclusiveMinimum": 0, "description": "points for the question, a positive number"},
    "image": {
        "type": "object", "additionalProperties": False,
        "description": "the input image: its size and, when values matter, its content",
        "properties": {
            "size": _dim_space(what="image size"),
            "content": {
                "description": ("image content: 'zeros', 'ones', {column: N|'middle'} (zeros with a column of ones), "
                                "{row: N|'middle'}, {random_int: {min, max}}, {random_decimal: {min, max, decimals}}, "
                                "or an explicit matrix"),
                "anyOf": [
                    {"enum": ["zeros", "ones"]},
                    {"type": "object", "additionalProperties": False, "required": ["column"],
                     "properties": {"column": {"anyOf": [{"type": "integer", "minimum": 0}, {"const": "middle"}]}}},
                    {"type": "object", "additionalProperties": False, "required": ["row"],
                     "properties": {"row": {"anyOf": [{"type": "integer", "minimum": 0}, {"const": "middle"}]}}},
                    {"type": "object", "additionalProperties": False, "required": ["random_int"],
                     "properties": {"random_int": {"$ref": "#/$defs/valueRange"}}},
                    {"type": "object", "additionalProperties": False, "required": ["random_decimal"],
                     "properties": {"random_decimal": {"$ref": "#/$defs/decimalRange"}}},
                    _MATRIX,
                ],
            },
        },
    },
    "kernel": {
        "type": "object", "additionalProperties": False,
        "description": "the kernel: its size and, when values matter, its values",
        "properties": {
            "size": _dim_space(what="kernel size"),
            "values": {
                "description": ("kernel values: 'ones', 'zeros', 'sobel-x', 'sobel-y', 'laplacian' (3x3), "
                                "{random_int: {min, max}}, or an explicit matrix"),
                "anyOf": [
                    {"enum": ["ones", "zeros", "sobel-x", "sobel-y", "laplacian"]},
                    {"type": "object", "additionalProperties": False, "required": ["random_int"],
                     "properties": {"random_int": {"$ref": "#/$defs/valueRange"}}},
                    _MATRIX,
                ],
            },
        },
    },
    "stride": _dim_space(what="stride"),
    "padding": _dim_space(["same", "valid", "full"], what="zero padding per side ('full': k - 1 per side)"),
    "dilation": _dim_space(what="dilation"),
    "output_padding": _dim_space(what="output_padding (transposed_size): extra rows/columns on one side"),
    "pool": {"description": "pooling (pool_size, pool_values): 'max', 'avg', or a list to choose from",
             "anyOf": [{"enum": ["max", "avg"]},
                       {"type": "array", "minItems": 1, "items": {"enum": ["max", "avg"]}}]},
    "ceil_mode": {"description": "pooling's ceil_mode (pool_size, pool_values): true, false, or [false, true]",
                  "anyOf": [{"type": "boolean"}, {"type": "array", "minItems": 1, "items": {"type": "boolean"}}]},
    "channels": {
        "type": "object", "additionalProperties": False,
        "description": "channels (channels questions): batch, in, out, groups (each an integer space) and bias",
        "properties": {
            "batch": {"$ref": "#/$defs/intSpace"}, "in": {"$ref": "#/$defs/intSpace"},
            "out": {"$ref": "#/$defs/intSpace"}, "groups": {"$ref": "#/$defs/intSpace"},
            "bias": {"description": "true (torch's default), false, or [true, false]",
                     "anyOf": [{"type": "boolean"}, {"type": "array", "minItems": 1, "items": {"type": "boolean"}}]},
        },
    },
    "ask": {"enum": ["output_shape", "weight_shape", "params", "macs", "output_size", "receptive_field"],
            "description": ("what a channels question asks (output_shape, weight_shape, params, macs) or a stack "
                            "question (output_size, receptive_field)")},
    "layers": {
        "type": "array", "minItems": 1,
        "description": "the layers of a stack question, in order",
        "items": {
            "type": "object", "additionalProperties": False, "required": ["type", "kernel"],
            "description": "one square layer: type conv|maxpool|avgpool, kernel, stride, padding, dilation (integer spaces)",
            "properties": {"type": {"enum": ["conv", "maxpool", "avgpool"]}, "kernel": {"$ref": "#/$defs/intSpace"},
                           "stride": {"$ref": "#/$defs/intSpace"}, "padding": {"$ref": "#/$defs/intSpace"},
                           "dilation": {"$ref": "#/$defs/intSpace"}},
        },
    },
    "unknown": {"enum": ["input", "kernel", "stride", "padding", "dilation"],
                "description": "the parameter an inverse question asks for; its space lists the candidates"},
    "grading": {
        "type": "object", "additionalProperties": False,
        "description": "how answers are scored (by the grader and in LMS exports)",
        "properties": {
            "tolerance": {
                "type": "object", "additionalProperties": False,
                "description": ("for answers with decimals: right when |answer - key| <= absolute + relative * |key| "
                                "(default absolute 0.01, relative 0); integer answers are always exact"),
                "properties": {"absolute": {"type": "number", "minimum": 0, "description": "absolute tolerance"},
                               "relative": {"type": "number", "minimum": 0, "maximum": 1,
                                            "description": "relative tolerance, e.g. 0.01 for 1%"}},
            },
            "partial_credit": {"enum": ["proportional", "all_or_nothing"], "description": (
                "for matrices, shapes and paddings: 'proportional' (the share of cells or dimensions right, "
                "the default) or 'all_or_nothing'")},
        },
    },
    "picture": {"type": "boolean", "description": (
        "true: problem sets show a picture of the input and kernel (never the answer); keys always show the "
        "picture with the output and an animation of the sliding window")},
    "lms": {
        "type": "object", "additionalProperties": False,
        "description": "how LMS exports (moodle, gift, canvas, qti21) ask the question",
        "properties": {
            "multiple_choice": {"type": "boolean", "description": (
                "true: offer the answer among the wrong answers known mistakes lead to (each with feedback "
                "naming the mistake) instead of blanks to fill; false (default): blanks")},
        },
    },
    "constraints": {
        "type": "object", "additionalProperties": False,
        "description": "conditions every sampled configuration must meet",
        "properties": {
            "min_output": {"type": "integer", "minimum": 1, "description": "every output dimension at least this"},
            "max_output": {"type": "integer", "minimum": 1, "description": "every output dimension at most this"},
            "exact_division": {"type": "boolean", "description": (
                "true: the stride divides exactly in every dimension (integer-only sizes); "
                "false: at least one dimension needs the floor (the non-integer case)")},
            "valid": {"type": "boolean", "description": (
                "true: torch accepts the configuration (the default, and the only choice outside validity "
                "questions); false: it rejects it (validity questions)")},
            "square": {"type": "boolean", "description": "true: the image is square; false: it is not"},
        },
    },
}

_DEFAULTABLE = {k: v for k, v in _QUESTION_PROPERTIES.items() if k not in ("id", "type", "title")}

BANK_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:quizgen:schema:bank:1",
    "title": "quizgen question bank",
    "description": "A YAML bank of convolution questions for quizgen.",
    "type": "object",
    "additionalProperties": False,
    "required": ["questions"],
    "properties": {
        "title": {"type": "string", "description": "the problem set's title"},
        "description": {"type": "string", "description": "a note for instructors, not shown to students"},
        "language": {"enum": LANGUAGES, "description": "the language of the texts: 'es' or 'en'"},
        "seed": {"type": "integer", "description": "the default seed when --seed is not given"},
        "instructions": {"type": "string", "description": "text shown under the title of every problem set"},
        "defaults": {"type": "object", "additionalProperties": False, "properties": _DEFAULTABLE,
                     "description": "fields applied to every question that does not set them"},
        "questions": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/question"},
                      "description": "the questions, in the order they appear in every version"},
    },
    "$defs": {
        "question": {
            "type": "object", "additionalProperties": False, "required": ["id", "type"],
            "description": "one question slot; every version draws its own parameters from the spaces given",
            "properties": _QUESTION_PROPERTIES,
        },
        "intRange": _INT_RANGE,
        "intSpace": {"description": _INT_SPACE_DOC, "anyOf": [
            {"type": "integer"}, {"type": "array", "minItems": 1, "items": {"type": "integer"}},
            {"$ref": "#/$defs/intRange"}]},
        "valueRange": {"type": "object", "additionalProperties": False, "required": ["min", "max"],
                       "description": "{min, max}: integers drawn uniformly, both ends included",
                       "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}}},
        "decimalRange": {"type": "object", "additionalProperties": False, "required": ["min", "max"],
                         "description": "{min, max, decimals}: decimals drawn uniformly on that grid",
                         "properties": {"min": {"type": "number"}, "max": {"type": "number"},
                                        "decimals": {"type": "integer", "minimum": 0, "maximum": 4}}},
    },
}

_NUMBER_MATRIX = {"type": "array", "items": {"type": "array", "items": {"type": "number"}}}
_STEP = {
    "type": "object", "additionalProperties": False, "required": ["kind", "dim", "math", "tex", "text"],
    "properties": {
        "kind": {"type": "string", "description": "what the step does: padded_size, effective_kernel, formula, "
                                                  "substitution, non_integer, result, shape, cell, ..."},
        "dim": {"type": ["string", "null"], "description": "height, width, length, or null for all dimensions"},
        "math": {"type": "string", "description": "the mathematics in Unicode"},
        "tex": {"type": "string", "description": "the same in TeX (without delimiters)"},
        "text": {"type": "string", "description": "the step as shown to students: label and mathematics"},
    },
}

OUTPUT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:quizgen:schema:quizset:1",
    "title": "quizgen generated problem sets with their keys",
    "type": "object",
    "additionalProperties": False,
    "required": ["format", "generator", "bank", "title", "seed", "language", "versions"],
    "properties": {
        "format": {"const": "quizgen-quizset/1"},
        "generator": {"type": "string", "description": "quizgen and its version"},
        "bank": {"type": "string", "description": "the bank's file name"},
        "bank_sha256": {"type": "string", "description": "the bank file's SHA-256: regrading needs the same bank"},
        "fingerprint": {"type": "string", "pattern": "^quizgen:[0-9]+ ",
                        "description": ("the quiz's fingerprint (seed, the bank's content, the versions handed "
                                        "out), as the response sheet carries it: grading refuses a sheet of "
                                        "another quiz")},
        "title": {"type": "string"},
        "seed": {"type": "integer"},
        "language": {"enum": LANGUAGES},
        "versions": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["version", "questions", "max_score"],
            "properties": {
                "version": {"type": "string", "description": "v1, v2, ... or the student id from the roster"},
                "folder": {"type": "string", "description": (
                    "the version's folder under handout/ and keys/ (the id where it is a safe file name)")},
                "max_score": {"type": "number"},
                "questions": {"type": "array", "items": {"$ref": "#/$defs/question"}},
            },
        }},
    },
    "$defs": {
        "question": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "number", "type", "points", "params", "prompt", "answer", "steps", "mistakes",
                         "grading"],
            "properties": {
                "id": {"type": "string", "description": "the bank's question id, the same in every version"},
                "number": {"type": "integer", "minimum": 1},
                "type": {"enum": sorted(QUESTION_TYPES_DOC)},
                "title": {"type": ["string", "null"]},
                "points": {"type": "number"},
                "params": {
                    "type": "object",
                    "description": ("every parameter of the drawn configuration (each question type adds its "
                                    "own: output_padding, pool, ceil_mode, channels, layers, unknown, ...)"),
                    "properties": {
                        "input_shape": {"type": "array", "items": {"type": "integer"}},
                        "kernel_shape": {"type": "array", "items": {"type": "integer"}},
                        "stride": {"type": "array", "items": {"type": "integer"}},
                        "padding": {"anyOf": [{"type": "array", "items": {"type": "integer"}},
                                              {"enum": ["same", "valid", "full"]}]},
                        "dilation": {"type": "array", "items": {"type": "integer"}},
                        "image": _NUMBER_MATRIX,
                        "kernel": _NUMBER_MATRIX,
                    },
                    "required": ["input_shape"],
                },
                "prompt": {"type": "string", "description": "the question"},
                "instruction": {"type": "string", "description": (
                    "how to write the answer down (e.g. 'Answer as height × width, e.g. 3x3.'): shown with "
                    "the prompt where answers are typed")},
                "answer": {
                    "type": "object", "required": ["kind", "value", "text"],
                    "description": ("kind shape: value [H, W]; tensor_shape: value [N, C, H, W] or a weight's "
                                    "[C_out, C_in/groups, K_h, K_w]; matrix: value rows of numbers; padding: value "
                                    "[[before, after] per dimension]; choice: value a reason code, with options; "
                                    "number: one number; set: the sorted list of every value that answers"),
                    "properties": {
                        "kind": {"enum": ["shape", "tensor_shape", "matrix", "padding", "choice", "number", "set"]},
                        "value": {},
                        "text": {"type": "string", "description": "the answer as a student would write it"},
                        "options": {"type": "array", "items": {
                            "type": "object", "required": ["letter", "code", "text"],
                            "properties": {"letter": {"type": "string"}, "code": {"type": "string"},
                                           "text": {"type": "string"}}}},
                    },
                },
                "steps": {"type": "array", "items": _STEP},
                "mistakes": {"type": "array", "description": "wrong answers a known mistake leads to", "items": {
                    "type": "object", "required": ["code", "value", "text"],
                    "properties": {"code": {"type": "string"}, "value": {}, "text": {"type": "string"},
                                   "per_dimension": {"type": "boolean", "description": (
                                       "the mistake can be made in one dimension alone (the grader then "
                                       "also recognises it per dimension)")},
                                   "of": {"const": "shape", "description": (
                                       "present when the value is the shape the mistake gives to a matrix "
                                       "answer, not the answer itself")}}}},
                "picture": {"type": "boolean", "description": "problem sets show the picture (the bank's picture)"},
                "lms": {"type": "object", "description": "how LMS exports ask it (the bank's lms settings)",
                        "properties": {"multiple_choice": {"type": "boolean"}}},
                "grading": {
                    "type": "object", "additionalProperties": False,
                    "required": ["exact", "tolerance", "partial_credit"],
                    "description": "how answers are scored: the bank's grading settings, resolved",
                    "properties": {
                        "exact": {"type": "boolean", "description": "true: integer data, numbers compared exactly"},
                        "tolerance": {"type": "object", "required": ["absolute", "relative"], "properties": {
                            "absolute": {"type": "number"}, "relative": {"type": "number"}},
                            "description": "when not exact: right if |answer - key| <= absolute + relative*|key|"},
                        "partial_credit": {"enum": ["proportional", "all_or_nothing"]},
                    },
                },
            },
        },
    },
}
