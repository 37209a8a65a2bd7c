"""JSON Schemas: the bank format (what `quizgen schema` prints) and the generated JSON (the contract).

The bank schema is written from the question types' declarations (``questions.TYPES``: each type's bank
fields, with their ranges and choices, and the fields every question has): a question is checked against
its own type's fields, so a field its type does not read, a choice it does not offer (``ask``) or a value
out of its range is refused with the line it is on. Editors (YAML language server) use the same schema to
validate and autocomplete. Descriptions double as the "what is allowed" part of error messages.
"""
from __future__ import annotations

import json
from functools import lru_cache

from ..core.languages import LANGUAGES


class _Shared:
    """Field schemas written once under $defs and referenced wherever a type uses them (an image's schema is
    the same in a dozen types): the published schema stays small enough for an editor to load."""

    def __init__(self):
        self.defs: dict[str, dict] = {}
        self._names: dict[str, str] = {}

    def ref(self, key: str, schema: dict) -> dict:
        if not isinstance(schema, dict) or len(json.dumps(schema)) < 200:
            return schema   # a short schema reads better where it is used
        text = json.dumps(schema, sort_keys=True)
        if text not in self._names:
            name = f"field_{key}" if f"field_{key}" not in self.defs else f"field_{key}_{len(self.defs)}"
            self._names[text], self.defs[name] = name, schema
        return {"$ref": f"#/$defs/{self._names[text]}"}


def _question_def(name: str, qtype, common: dict, one_d_ops: list, one_d_default: bool, shared: _Shared) -> dict:
    """A question of one type: its fields (the type's and every question's). Where the type asks about an
    operation with one spatial dimension (op: conv1d), the fields that differ (sizes, contents) take their
    one-dimensional form when the question's op is such, or when it gives no op and the bank's default is
    one (``one_d_default``)."""
    fields = {k: shared.ref(k, f.schema) for k, f in {**common, **qtype.fields}.items()}
    definition = {"type": "object", "additionalProperties": False, "required": ["id", "type"],
                  "description": f"a {name} question: {qtype.summary}", "properties": {"type": {"const": name}, **fields}}
    one_d = [op for op in qtype.fields["op"].schema["enum"] if op in one_d_ops] if "op" in qtype.fields else []
    if one_d:
        both = {k: f for k, f in qtype.fields.items() if f.one_d is not None}
        definition["properties"].update({k: {"description": f.schema.get("description", k) + " (one value for a "
                                                            "conv1d)"} for k, f in both.items()})
        given = {"properties": {"op": {"enum": one_d}}, "required": ["op"]}
        definition["allOf"] = [{"if": {"anyOf": [given, {"not": {"required": ["op"]}}]} if one_d_default else given,
                                "then": {"properties": {k: shared.ref(k, f.one_d) for k, f in both.items()}},
                                "else": {"properties": {k: shared.ref(k, f.schema) for k, f in both.items()}}}]
    return definition


def _dispatch(types: dict, suffix: str, common: dict, summaries: str) -> dict:
    return {"type": "object", "required": ["id", "type"],
            "description": "one question slot; every version draws its own parameters from the spaces given",
            "properties": {"id": common["id"].schema,
                           "type": {"enum": list(types), "description": "the question type: " + summaries}},
            "allOf": [{"if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                       "then": {"$ref": f"#/$defs/question_{name}{suffix}"}} for name in types]}


@lru_cache(maxsize=None)
def bank_schema() -> dict:
    """The bank schema, from the registered question types (imported here: the types import the bank)."""
    from ..questions import TYPES  # noqa: PLC0415
    from ..questions.fields import COMMON, OPS  # noqa: PLC0415

    types = dict(sorted(TYPES.items()))
    summaries = "; ".join(f"{name}: {qtype.summary}" for name, qtype in types.items())
    one_d_ops = [op for op, ndim in OPS.items() if ndim == 1]
    shared = _Shared()
    per_type = {f"question_{name}": _question_def(name, qtype, COMMON, one_d_ops, False, shared)
                for name, qtype in types.items()}
    # the same, in a bank whose defaults give a one-dimensional op (defaults: {op: conv1d})
    per_type.update({f"question_{name}_1d": _question_def(name, qtype, COMMON, one_d_ops, True, shared)
                     for name, qtype in types.items()})

    defaultable: dict[str, list] = {}
    for qtype in types.values():
        for key, field in {**COMMON, **qtype.fields}.items():
            for schema in (field.schema, field.one_d) if "op" in qtype.fields else (field.schema,):
                if key not in ("id", "title") and schema is not None and schema not in defaultable.setdefault(key, []):
                    defaultable[key].append(schema)
    defaults = {key: shared.ref(key, schemas[0]) if len(schemas) == 1 else {
        "description": schemas[0].get("description", key) + " (as each question's type allows)",
        "anyOf": [shared.ref(key, schema) for schema in schemas]}
        for key, schemas in sorted(defaultable.items())}
    return {
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
            "language": {"enum": list(LANGUAGES),
                         "description": "the language of the texts: " + " or ".join(map(repr, LANGUAGES))},
            "seed": {"type": "integer", "minimum": -(2 ** 63), "maximum": 2 ** 63 - 1,
                     "description": "the default seed when --seed is not given"},
            "instructions": {"type": "string", "description": "text shown under the title of every problem set"},
            "paper": {"enum": ["a4", "letter"], "description": "the paper size of printed exams (--format pdf): "
                                                              "'a4' (default) or 'letter'"},
            "notebook": {"type": "object", "additionalProperties": False, "description": "lab notebooks (--format ipynb)",
                         "properties": {"torch_cells": {
                             "type": "boolean",
                             "description": "before each answer cell, a cell that builds the question's input x and "
                                            "its layer in torch, for labs worked in torch (default false)"}}},
            "defaults": {"type": "object", "additionalProperties": False, "properties": defaults,
                         "description": "fields applied to every question that does not set them (and whose "
                                        "type reads them)"},
            "questions": {"type": "array", "minItems": 1, "maxItems": 500,
                          "description": "the questions, in the order they appear in every version"},
        },
        "allOf": [{"if": {"properties": {"defaults": {"properties": {"op": {"enum": one_d_ops}}, "required": ["op"]}},
                          "required": ["defaults"]},
                   "then": {"properties": {"questions": {"items": {"$ref": "#/$defs/question_1d"}}}},
                   "else": {"properties": {"questions": {"items": {"$ref": "#/$defs/question"}}}}}],
        "$defs": {
            "question": _dispatch(types, "", COMMON, summaries),
            "question_1d": _dispatch(types, "_1d", COMMON, summaries),
            **per_type,
            **shared.defs,
        },
    }


_VALUES = {"description": "a matrix (rows of numbers), or a conv1d's sequence of numbers",
           "anyOf": [{"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
                     {"type": "array", "items": {"type": "number"}}]}
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

@lru_cache(maxsize=None)
def output_schema() -> dict:
    """The schema of key.json: the contract grading and the LMS exports read."""
    from ..answers.kinds import KINDS  # noqa: PLC0415
    from ..questions import TYPES  # noqa: PLC0415

    return {
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
            "signing_key": {"type": "object", "additionalProperties": False, "required": ["id", "key"],
                            "description": ("the key the lab notebooks of this quiz were signed with (--format "
                                            "ipynb; derived from the instructor's key and the quiz's fingerprint): "
                                            "grading verifies them with it; keep it as private as the answers"),
                            "properties": {"id": {"type": "string", "pattern": "^[0-9a-f]{12}$"},
                                           "key": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}},
            "title": {"type": "string"},
            "seed": {"type": "integer"},
            "language": {"enum": list(LANGUAGES)},
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
                    "type": {"enum": sorted(TYPES)},
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
                            "image": _VALUES,
                            "kernel": _VALUES,
                        },
                        "required": ["input_shape"],
                    },
                    "prompt": {"type": "string", "description": "the question"},
                    "instruction": {"type": "string", "description": (
                        "how to write the answer down (e.g. 'Answer as height × width, e.g. 3x3.'): shown with "
                        "the prompt where answers are typed")},
                    "answer": {
                        "type": "object", "required": ["kind", "value", "text"],
                        "description": "; ".join(f"kind {k.name}: value {k.summary}" for k in KINDS.values()),
                        "properties": {
                            "kind": {"enum": list(KINDS)},
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
