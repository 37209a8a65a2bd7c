"""Stage 1: read a YAML bank, validate it against the bank schema, and say exactly where it is wrong.

Every error names the file, the line, the field, what is wrong and what is allowed.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..core.errors import QuizgenError
from ..core.languages import DEFAULT as DEFAULT_LANGUAGE
from .schema import bank_schema

Path_ = tuple  # a path into the bank: keys and list indices


@dataclass(frozen=True)
class QuestionSpec:
    """One question slot of a bank, defaults applied; ``path`` locates it for error messages."""

    id: str
    type: str
    points: float
    fields: dict
    path: Path_
    title: str | None = None
    from_defaults: frozenset = frozenset()

    def path_of(self, key: str) -> Path_:
        """Where a field was written: in the question, or in the bank's defaults."""
        return ("defaults", key) if key in self.from_defaults else self.path + (key,)


@dataclass
class Bank:
    file: str
    title: str
    language: str
    seed: int
    instructions: str | None
    questions: list[QuestionSpec]
    sha256: str
    lines: dict = field(default_factory=dict, repr=False)
    paper: str = "a4"           # printed exams: a4 or letter
    torch_cells: bool = False   # lab notebooks: a cell building each question's tensors and layer in torch

    def line_of(self, path: Path_) -> int | None:
        """The line of the deepest node of ``path`` the bank has (1-based)."""
        for end in range(len(path), -1, -1):
            if tuple(path[:end]) in self.lines:
                return self.lines[tuple(path[:end])]
        return None

    def error(self, path: Path_, message: str) -> QuizgenError:
        return QuizgenError(message, file=self.file, line=self.line_of(path), field=field_name(path))


def field_name(path: Path_) -> str | None:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or None


# --------------------------------------------------------------------------------------------
# YAML with positions

MAX_DEPTH = 64              # nesting levels (a bank needs about 8)
MAX_NODES = 200_000         # values once every alias is expanded (a bank has a few thousand)


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses what a bank never needs and a hostile document uses: duplicate keys (YAML
    silently keeps the last one), keys that are not text, nesting deeper than MAX_DEPTH, an alias inside
    the node it names (a recursive structure), and aliases that expand beyond MAX_NODES values (a "billion
    laughs" of a few hundred bytes)."""

    def __init__(self, stream):
        super().__init__(stream)
        self.depth, self.open_anchors = 0, set()

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self.open_anchors:
                raise QuizgenError(f"the alias *{event.anchor} is inside the node &{event.anchor} names (a "
                                   "recursive structure); allowed: aliases to nodes already complete", line=line)
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuizgenError(f"nested more than {MAX_DEPTH} levels deep; allowed: a bank's fields (a few levels)",
                               line=line)
        anchor = getattr(event, "anchor", None)
        if anchor:
            self.open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1
            self.open_anchors.discard(anchor)


def _expanded_size(node, sizes: dict) -> int:
    """How many values ``node`` stands for once its aliases are expanded (shared nodes counted once each
    time they are used, computed once each)."""
    found = sizes.get(id(node))
    if found is None:
        children = (node.value if isinstance(node, yaml.SequenceNode) else
                    [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else [])
        found = sizes[id(node)] = 1 + sum(_expanded_size(child, sizes) for child in children)
    return found


def _construct_mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str" and \
                key_node.tag != "tag:yaml.org,2002:merge":
            shown = repr(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "a list or a mapping"
            raise QuizgenError(f"a key is {shown}, not text; allowed: field names (quote a key that looks like a "
                               "number or a value)", line=key_node.start_mark.line + 1)
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise QuizgenError(f"duplicate key {key!r} (first on line {seen[key]}); each key may appear once",
                               line=key_node.start_mark.line + 1, field=str(key))
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping_plain(node, deep=deep)


_Loader.construct_mapping_plain = yaml.SafeLoader.construct_mapping
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line_map(node, path=(), lines=None) -> dict:
    """Path -> line for every node; a mapping key's path points at the key's own line."""
    lines = {} if lines is None else lines
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = path + (key_node.value,)
            lines[key_path] = key_node.start_mark.line + 1
            _line_map(value_node, key_path, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, path + (index,), lines)
    return lines


def read_yaml(path: Path, what: str = "bank") -> tuple[Any, dict]:
    """Parse ``path`` (a YAML ``what``); return the data and its line map, or raise a located QuizgenError."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QuizgenError(f"no such file; give the path of a YAML {what}", file=file) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as error:
        raise QuizgenError(f"cannot read the {what} ({error.__class__.__name__}); a UTF-8 YAML file is needed",
                           file=file) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = None
        if node is not None:
            if _expanded_size(node, {}) > MAX_NODES:
                raise QuizgenError(f"its aliases expand to more than {MAX_NODES} values; allowed: a bank of "
                                   "fields (aliases to reuse a few)", line=1)
            data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, text, file) from None
    except yaml.YAMLError as error:
        raise QuizgenError(f"YAML error: {error}", file=file) from None
    except QuizgenError as error:
        raise error.located(file=file) from None
    except RecursionError:
        raise QuizgenError("nested too deeply to read", file=file, line=1) from None
    finally:
        loader.dispose()
    return data, (_line_map(node) if node is not None else {})


def _syntax_error(error: yaml.MarkedYAMLError, text: str, file: str) -> QuizgenError:
    """Locate a YAML error where the reader can fix it: an unclosed quote or bracket runs to the end of
    the file, so there the line where it opened is the useful one."""
    mark = error.problem_mark or error.context_mark
    if mark and error.context_mark and mark.line >= len(text.splitlines()):
        mark = error.context_mark
    problem = error.problem or error.context or "malformed YAML"
    if "\t" in problem or "\\t" in problem:
        problem += "; indent with spaces, not tabs"
    elif error.context:
        problem = f"{problem} ({error.context})"
    return QuizgenError(f"YAML syntax error: {problem}", file=file, line=mark.line + 1 if mark else None)


# --------------------------------------------------------------------------------------------
# Schema validation with readable messages

def _describe(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True).strip()
    text = text[:-4].strip() if text.endswith("...") else text
    return text if len(text) <= 60 else text[:57] + "..."


_ARTICLE = {"integer": "an integer", "number": "a number", "string": "a string", "boolean": "true or false",
            "object": "a mapping", "array": "a list"}


def _allowed(error) -> str:
    """What the schema allows where the error is: the rule broken first, then the field's description."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    description = schema.get("description")
    value = error.validator_value
    if error.validator == "type":
        kinds = value if isinstance(value, list) else [value]
        rule = " or ".join(_ARTICLE.get(k, k) for k in kinds)
    elif error.validator in ("minimum", "exclusiveMinimum", "maximum"):
        sign = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<="}[error.validator]
        rule = f"a number {sign} {value}"
    elif error.validator == "enum":
        rule = "one of " + ", ".join(map(str, value))
    elif error.validator == "minItems":
        rule = f"at least {value} item(s)"
    else:
        return description or error.message
    return f"{rule} ({description})" if description else rule


def _schema_error(error, data_lines: dict, file: str, path: tuple | None = None) -> QuizgenError:
    """``path``: where the error is in the bank, when not where the validator saw it (a default)."""
    path = tuple(error.absolute_path) if path is None else path
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        path = path + (unknown[0],)
        message = f"unknown field {unknown[0]!r}; allowed fields here: {', '.join(allowed)}"
    elif error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        message = f"missing required field {missing[0]!r}"
    else:
        message = f"got {_describe(error.instance)}; allowed: {_allowed(error)}"
    line = next((data_lines[path[:end]] for end in range(len(path), -1, -1) if path[:end] in data_lines), None)
    return QuizgenError(message, file=file, line=line, field=field_name(path))


def strict_validator(schema: dict):
    """A JSON Schema validator whose integers are integers: YAML's 5.0 is a float, not a size."""
    from jsonschema import Draft202012Validator, validators  # noqa: PLC0415 - only bank commands need it

    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool))
    return validators.extend(Draft202012Validator, type_checker=checker)(schema)


def validate_structure(data, lines: dict, file: str) -> None:
    if not isinstance(data, dict):
        raise QuizgenError("a bank is a YAML mapping with at least a 'questions' list", file=file,
                           line=lines.get((), 1))
    merged, defaulted = _with_defaults(data)
    errors = list(strict_validator(bank_schema()).iter_errors(merged))
    if errors:
        def located(error) -> tuple:
            """Where the error is in the file: a field a question took from the defaults is there."""
            path = tuple(error.absolute_path)
            if len(path) > 2 and path[0] == "questions" and path[2] in defaulted.get(path[1], ()):
                return ("defaults",) + path[2:]
            return path

        def position(error):
            path = located(error)
            line = next((lines[path[:e]] for e in range(len(path), -1, -1) if path[:e] in lines), 0)
            return line, -len(path)
        first = min(errors, key=position)
        raise _schema_error(first, lines, file, located(first))


def _with_defaults(data: dict) -> tuple[dict, dict]:
    """The bank with each question's defaults applied (the fields its type reads, where it does not set them),
    as it is validated: a default can make a question another one (op: conv1d takes one size, not two); and,
    per question index, the fields it took from the defaults."""
    from ..questions import TYPES  # noqa: PLC0415 - the types import this module
    from ..questions.fields import COMMON  # noqa: PLC0415

    defaults, questions = data.get("defaults"), data.get("questions")
    if not isinstance(defaults, dict) or not isinstance(questions, list):
        return data, {}
    merged, defaulted = [], {}
    for index, raw in enumerate(questions):
        qtype = TYPES.get(raw.get("type")) if isinstance(raw, dict) and isinstance(raw.get("type"), str) else None
        if qtype is None:
            merged.append(raw)
            continue
        given = {k: v for k, v in defaults.items() if k in set(COMMON) | set(qtype.fields) and k not in raw}
        merged.append({**given, **raw})
        defaulted[index] = set(given)
    return {**data, "questions": merged}, defaulted


# --------------------------------------------------------------------------------------------

def load_bank(path: str | Path) -> Bank:
    """Read, validate and normalise a bank. Semantic checks (ranges, feasibility) come with the spaces."""
    from ..questions import TYPES  # noqa: PLC0415 - the types import this module
    from ..questions.fields import COMMON  # noqa: PLC0415

    path = Path(path)
    data, lines = read_yaml(path)
    validate_structure(data, lines, str(path))
    defaults = data.get("defaults", {})
    bank = Bank(
        file=str(path),
        title=data.get("title", path.stem),
        language=data.get("language", DEFAULT_LANGUAGE),
        seed=data.get("seed", 0),
        instructions=data.get("instructions"),
        paper=data.get("paper", "a4"),
        torch_cells=data.get("notebook", {}).get("torch_cells", False),
        questions=[],
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        lines=lines,
    )
    seen: dict[str, int] = {}
    for index, raw in enumerate(data["questions"]):
        where = ("questions", index)
        if raw["id"] in seen:
            raise bank.error(where + ("id",), f"duplicate question id {raw['id']!r} (also question "
                                              f"{seen[raw['id']] + 1}); ids must be unique")
        seen[raw["id"]] = index
        # a default applies to the questions whose type reads it
        reads = set(COMMON) | set(TYPES[raw["type"]].fields)
        given = {k: v for k, v in defaults.items() if k in reads}
        fields = {**given, **raw}
        bank.questions.append(QuestionSpec(id=raw["id"], type=raw["type"], points=fields.get("points", 1),
                                           fields=fields, path=where, title=raw.get("title"),
                                           from_defaults=frozenset(set(given) - set(raw))))
    return bank
