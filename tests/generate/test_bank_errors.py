"""A malformed bank gets one line, ``file:line: field: what is wrong and what is allowed``, exit code 2, no
traceback, and nothing written: the --out directory is left exactly as it was.

Every test writes a small bank into tmp_path and runs the real CLI in a subprocess. Expected line numbers are
never typed by hand: ``line_of`` finds the offending line in the bank text the test wrote.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

EXIT_BAD_INPUT = 2

# Files that look like an earlier run's output: a run that wrongly wrote anything would overwrite them.
PREVIOUS_OUTPUT = {
    "key.json": b'{"from": "an earlier run"}\n',
    "v1/problems.md": b"# an earlier run\n",
    "notes.txt": b"the teacher's own notes, never to be touched\n",
}


# --------------------------------------------------------------------------------------------
# Helpers

def bank_text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line of ``text`` that contains ``needle``."""
    lines = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(lines) >= occurrence, f"the test bank has no line #{occurrence} containing {needle!r}"
    return lines[occurrence - 1]


def snapshot(root: Path) -> dict:
    """Every entry under ``root`` with its content, inode and mtime: any write, replace or create shows."""
    state = {}
    for path in sorted(root.rglob("*")):
        info = path.stat()
        content = None if path.is_dir() else path.read_bytes()
        state[str(path.relative_to(root))] = (path.is_dir(), content, info.st_ino, info.st_mtime_ns)
    return state


def quizgen(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "QUIZGEN_DEBUG"}  # the user's view: no traceback
    return subprocess.run([sys.executable, "-m", "quizgen", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


class Workspace:
    """A tmp_path with a bank and an --out directory holding a previous run's files."""

    def __init__(self, root: Path):
        self.root = root
        self.bank = root / "bank.yaml"
        self.out = root / "out"
        for name, content in PREVIOUS_OUTPUT.items():
            (self.out / name).parent.mkdir(parents=True, exist_ok=True)
            (self.out / name).write_bytes(content)

    def write(self, text: str) -> str:
        self.bank.write_text(text, encoding="utf-8")
        return text

    def generate(self, *extra, bank: Path | None = None) -> subprocess.CompletedProcess:
        before = snapshot(self.root)
        result = quizgen("generate", bank or self.bank, "--out", self.out, *extra, cwd=self.root)
        assert snapshot(self.root) == before, (f"the run changed files under {self.root} (out dir or beside "
                                               f"it); stderr: {result.stderr}")
        assert {str(p.relative_to(self.out)): p.read_bytes() for p in self.out.rglob("*") if p.is_file()} \
            == PREVIOUS_OUTPUT
        return result

    def check(self, *extra, bank: Path | None = None) -> subprocess.CompletedProcess:
        before = snapshot(self.root)
        result = quizgen("check", bank or self.bank, *extra, cwd=self.root)
        assert snapshot(self.root) == before, f"check wrote files; stderr: {result.stderr}"
        return result


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace(tmp_path)


def assert_bank_error(result, bank: Path, line: int | None, field, *phrases: str) -> str:
    """Exit 2, empty stdout, one stderr line ``quizgen: error: bank[:line]: [field: ]message`` whose
    message contains every phrase; ``field`` is a name, a tuple of acceptable names, or None."""
    stderr = result.stderr
    assert "Traceback" not in stderr, stderr
    assert result.returncode == EXIT_BAD_INPUT, f"exit {result.returncode}; stderr: {stderr}"
    assert stderr.endswith("\n") and stderr.count("\n") == 1, f"not exactly one line: {stderr!r}"
    assert result.stdout == "", f"stdout: {result.stdout!r}"
    location = f"quizgen: error: {bank}" + (f":{line}" if line is not None else "") + ": "
    assert stderr.startswith(location), f"expected the prefix {location!r}, got {stderr!r}"
    rest = stderr[len(location):].rstrip("\n")
    if field is not None:
        fields = (field,) if isinstance(field, str) else field
        assert any(rest.startswith(f"{name}: ") for name in fields), f"field not {fields}: {stderr!r}"
    for phrase in phrases:
        assert phrase in rest, f"{phrase!r} missing from {stderr!r}"
    return rest


# --------------------------------------------------------------------------------------------
# YAML that does not parse

UNCLOSED_LIST_BANK = bank_text("""
    title: Broken list
    questions:
      - id: size
        type: output_size
        image: {size: [3, 4}
        kernel: {size: 2}
    """)


@pytest.mark.parametrize("text, offending", [
    pytest.param(bank_text("""
        questions:
          - id: size: big
            type: output_size
            image: {size: 6}
            kernel: {size: 3}
        """), "id: size: big", id="colon-inside-a-plain-value"),
    pytest.param(UNCLOSED_LIST_BANK, "{size: [3, 4}", id="unclosed-flow-list"),
    pytest.param(bank_text("""
        title: "Bank errors
        questions:
          - id: size
            type: output_size
            image: {size: 6}
            kernel: {size: 3}
        """), 'title: "Bank errors', id="unclosed-quote"),
])
def test_yaml_syntax_error_is_reported_at_the_broken_line(ws, text, offending):
    ws.write(text)
    assert_bank_error(ws.generate(), ws.bank, line_of(text, offending), None, "YAML syntax error")


TAB_BANK = bank_text("""
    questions:
      - id: size
        type: output_size
        image:
        \tsize: 6
        kernel: {size: 3}
    """)


@pytest.mark.parametrize("text, offending", [
    pytest.param(TAB_BANK, "\t", id="tab"),
    pytest.param(bank_text("""
        questions:
          - id: size
            type: output_size
           image: {size: 6}
            kernel: {size: 3}
        """), "   image: {size: 6}", id="key-indented-one-space-less"),
])
def test_bad_indentation_is_reported_at_the_misindented_line(ws, text, offending):
    ws.write(text)
    assert_bank_error(ws.generate(), ws.bank, line_of(text, offending), None, "YAML syntax error")


def test_tab_indentation_error_says_to_indent_with_spaces(ws):
    ws.write(TAB_BANK)
    assert_bank_error(ws.generate(), ws.bank, line_of(TAB_BANK, "\t"), None, "space")


@pytest.mark.parametrize("text, key, field", [
    pytest.param(bank_text("""
        title: First title
        questions:
          - id: size
            type: output_size
            image: {size: 6}
            kernel: {size: 3}
        title: Second title
        """), "title:", "title", id="top-level"),
    pytest.param(bank_text("""
        questions:
          - id: size
            type: output_size
            image: {size: 6}
            kernel: {size: 3}
            type: conv_values
        """), "type:", ("questions[0].type", "type"), id="inside-a-question"),
])
def test_duplicate_key_is_reported_at_its_second_occurrence(ws, text, key, field):
    ws.write(text)
    assert_bank_error(ws.generate(), ws.bank, line_of(text, key, occurrence=2), field,
                      "duplicate key", f"first on line {line_of(text, key)}", "each key may appear once")


# --------------------------------------------------------------------------------------------
# Structure: the bank schema

UNKNOWN_FIELD_BANK = bank_text("""
    title: Unknown field
    questions:
      - id: size
        type: output_size
        image: {size: 6}
        kernel: {size: 3}
        strid: 2
    """)


@pytest.mark.parametrize("text, offending, field, allowed", [
    pytest.param(bank_text("""
        titel: Misspelt title
        questions:
          - id: size
            type: output_size
            image: {size: 6}
            kernel: {size: 3}
        """), "titel:", "titel", "title", id="top-level"),
    pytest.param(UNKNOWN_FIELD_BANK, "strid:", "questions[0].strid", "stride", id="in-a-question"),
    pytest.param(bank_text("""
        defaults:
          pionts: 2
        questions:
          - id: size
            type: output_size
            image: {size: 6}
            kernel: {size: 3}
        """), "pionts:", "defaults.pionts", "points", id="in-defaults"),
    pytest.param(bank_text("""
        questions:
          - id: size
            type: output_size
            image:
              size: 6
              colour: red
            kernel: {size: 3}
        """), "colour:", "questions[0].image.colour", "size", id="in-the-image"),
])
def test_unknown_field_is_named_with_the_fields_allowed_there(ws, text, offending, field, allowed):
    ws.write(text)
    unknown = field.rsplit(".", 1)[-1]
    rest = assert_bank_error(ws.generate(), ws.bank, line_of(text, offending), field,
                             f"unknown field {unknown!r}", "allowed fields here:")
    assert allowed in rest.split("allowed fields here:")[1]


WRONG_TYPE_BANK = bank_text("""
    seed: 1
    questions:
      - id: size
        type: output_size
        image: {size: 6}
        kernel: {size: 3}
        stride: 1
    """)


@pytest.mark.parametrize("good, bad, field, allowed", [
    pytest.param("stride: 1", 'stride: "abc"', "questions[0].stride", "an integer", id="stride-string"),
    pytest.param("stride: 1", "points: two", "questions[0].points", "a positive number", id="points-string"),
    pytest.param("stride: 1", "padding: same_ish", "questions[0].padding", "'same' or 'valid'",
                 id="padding-unknown-word"),
    pytest.param("seed: 1", "seed: abc", "seed", "integer", id="seed-string"),
])
def test_wrong_type_names_the_field_and_what_is_allowed(ws, good, bad, field, allowed):
    text = ws.write(WRONG_TYPE_BANK.replace(good, bad))
    rest = assert_bank_error(ws.generate(), ws.bank, line_of(text, bad), field, "got ", "allowed: ")
    assert allowed in rest.split("allowed: ", 1)[1], rest


def test_unknown_question_type_lists_the_known_types(ws):
    text = ws.write(bank_text("""
        questions:
          - id: size
            type: output_size
            image: {size: 6}
            kernel: {size: 3}
          - id: conv
            type: convolution
            image: {size: 6}
            kernel: {size: 3}
        """))
    assert_bank_error(ws.generate(), ws.bank, line_of(text, "type: convolution"), "questions[1].type",
                      "got convolution", "allowed:", "output_size", "conv_values", "same_padding", "validity")


@pytest.mark.parametrize("text, offending, field, missing", [
    pytest.param(bank_text("""
        questions:
          - id: size
            type: output_size
            image: {size: 6}
            kernel: {size: 3}
          - type: output_size
            image: {size: 7}
            kernel: {size: 2}
        """), "- type: output_size", "questions[1]", "id", id="question-id"),
    pytest.param(bank_text("""
        title: No questions
        seed: 3
        """), "title: No questions", None, "questions", id="top-level-questions"),
])
def test_missing_required_field_is_named_at_the_mapping_that_lacks_it(ws, text, offending, field, missing):
    ws.write(text)
    assert_bank_error(ws.generate(), ws.bank, line_of(text, offending), field, f"missing required field {missing!r}")


def test_duplicate_question_id_is_reported_at_the_second_question(ws):
    text = ws.write(bank_text("""
        questions:
          - id: size
            type: output_size
            image: {size: 6}
            kernel: {size: 3}
          - id: size
            type: output_size
            image: {size: 8}
            kernel: {size: 3}
        """))
    assert_bank_error(ws.generate(), ws.bank, line_of(text, "- id: size", occurrence=2), "questions[1].id",
                      "duplicate question id 'size'", "ids must be unique")


# --------------------------------------------------------------------------------------------
# Meaning: ranges, constraints and contents

EMPTY_RANGE_BANK = bank_text("""
    questions:
      - id: size
        type: output_size
        image:
          size: {min: 9, max: 4}
        kernel: {size: 3}
    """)


@pytest.mark.parametrize("text, offending, field, wrong", [
    pytest.param(EMPTY_RANGE_BANK, "{min: 9, max: 4}", "questions[0].image.size", "min 9 > max 4", id="image-size"),
    pytest.param(bank_text("""
        questions:
          - id: size
            type: output_size
            image: {size: 9}
            kernel:
              size:
                height: 3
                width: {min: 5, max: 2}
        """), "width:", "questions[0].kernel.size.width", "min 5 > max 2", id="kernel-width"),
    pytest.param(bank_text("""
        questions:
          - id: values
            type: conv_values
            image:
              size: 3
              content: {random_int: {min: 3, max: 1}}
            kernel: {size: 2}
        """), "random_int:", "questions[0].image.content.random_int", "min 3 > max 1", id="random-image-values"),
])
def test_empty_range_is_reported_with_min_le_max_allowed(ws, text, offending, field, wrong):
    ws.write(text)
    assert_bank_error(ws.generate(), ws.bank, line_of(text, offending), field, wrong, "allowed: min <= max")


IMPOSSIBLE_CONSTRAINT_BANK = bank_text("""
    questions:
      - id: size
        type: output_size
        image: {size: 9}
        kernel: {size: 2}
        constraints:
          min_output: 5
          max_output: 2
    """)


@pytest.mark.parametrize("text, offending, field", [
    pytest.param(IMPOSSIBLE_CONSTRAINT_BANK, "min_output: 5", "questions[0].constraints.min_output",
                 id="in-a-question"),
    pytest.param(bank_text("""
        defaults:
          constraints: {min_output: 5, max_output: 2}
        questions:
          - id: size
            type: output_size
            image: {size: 9}
            kernel: {size: 2}
        """), "constraints:", "defaults.constraints.min_output", id="in-defaults"),
])
def test_min_output_above_max_output_is_reported_where_it_was_written(ws, text, offending, field):
    ws.write(text)
    assert_bank_error(ws.generate(), ws.bank, line_of(text, offending), field,
                      "min_output 5 > max_output 2", "allowed: min_output <= max_output")


@pytest.mark.parametrize("image, kernel, count", [
    pytest.param("{size: 3}", "{size: 5}", 1, id="kernel-larger-than-image"),
    pytest.param("{size: {min: 2, max: 4}}", "{size: [5, 7]}", 6, id="every-kernel-larger-than-every-image"),
])
def test_parameter_space_without_a_valid_configuration_is_reported_at_the_question(ws, image, kernel, count):
    text = ws.write(bank_text(f"""
        questions:
          - id: fine
            type: output_size
            image: {{size: 6}}
            kernel: {{size: 3}}
          - id: tiny
            type: output_size
            image: {image}
            kernel: {kernel}
        """))
    # no constraints field, so the question itself (its first line) is the place to point at
    assert_bank_error(ws.generate(), ws.bank, line_of(text, "- id: tiny"), "questions[1]",
                      f"none of the {count} configurations", "widen the spaces or relax the constraints")


@pytest.mark.parametrize("text, field", [
    pytest.param(bank_text("""
        questions:
          - id: size
            type: output_size
            image: {size: 6}
            kernel: {size: 3}
            constraints:
              valid: false
        """), "questions[0].constraints.valid", id="in-the-question"),
    pytest.param(bank_text("""
        defaults:
          constraints: {valid: false}
        questions:
          - id: size
            type: output_size
            image: {size: 6}
            kernel: {size: 3}
        """), "defaults.constraints.valid", id="in-defaults"),
])
def test_valid_false_on_an_output_size_question_says_only_valid_true_is_allowed(ws, text, field):
    ws.write(text)
    assert_bank_error(ws.generate(), ws.bank, line_of(text, "valid: false"), field,
                      "'output_size' questions need a configuration torch accepts", "allowed: valid: true")


@pytest.mark.parametrize("part, key, field", [
    pytest.param("image", "content", "questions[0].image.content", id="image-content"),
    pytest.param("kernel", "values", "questions[0].kernel.values", id="kernel-values"),
])
def test_ragged_explicit_matrix_says_a_rectangular_matrix_is_allowed(ws, part, key, field):
    image = "{content: [[1, 2], [3]]}" if part == "image" else "{size: 4, content: ones}"
    kernel = "{values: [[1, 2], [3]]}" if part == "kernel" else "{size: 2, values: ones}"
    text = ws.write(f"questions:\n  - id: values\n    type: conv_values\n    image: {image}\n    kernel: {kernel}\n")
    assert_bank_error(ws.generate(), ws.bank, line_of(text, "[[1, 2], [3]]"), field,
                      "rows of different lengths [1, 2]", "allowed: a rectangular matrix")


COLUMN_OUTSIDE_BANK = bank_text("""
    questions:
      - id: values
        type: conv_values
        image:
          size: 4
          content:
            column: 7
        kernel: {size: 2}
    """)


@pytest.mark.parametrize("text, offending, field, phrases, versions", [
    pytest.param(COLUMN_OUTSIDE_BANK, "column: 7", "questions[0].image.content.column",
                 ["column 7 is outside a 4x4 image", "allowed: 0 to 3 or 'middle'"], 1, id="column"),
    pytest.param(COLUMN_OUTSIDE_BANK.replace("column: 7", "row: 4"), "row: 4", "questions[0].image.content.row",
                 ["row 4 is outside a 4x4 image", "allowed: 0 to 3 or 'middle'"], 1, id="row"),
    # sizes 5 and 6 have a column 4, sizes 2 to 4 do not: some of ten versions are fine, the run still fails whole
    pytest.param(COLUMN_OUTSIDE_BANK.replace("size: 4", "size: {min: 2, max: 6}").replace("column: 7", "column: 4"),
                 "column: 4", "questions[0].image.content.column", ["column 4 is outside a", "allowed: 0 to"], 10,
                 id="column-outside-only-some-drawn-sizes"),
    pytest.param(COLUMN_OUTSIDE_BANK.replace("size: 4\n", "size: 5\n").replace("type: conv_values",
                                                                               "type: conv_values\n    op: conv1d"),
                 "column: 7", "questions[0].image.content.column",
                 ["position 7 is outside a sequence of length 5", "allowed: 0 to 4 or 'middle'"], 1, id="sequence"),
])
def test_image_index_outside_the_image_says_which_indices_are_allowed(ws, text, offending, field, phrases,
                                                                      versions):
    ws.write(text)
    assert_bank_error(ws.generate("--versions", versions), ws.bank, line_of(text, offending), field, *phrases)


# --------------------------------------------------------------------------------------------
# Not a bank at all

def test_missing_bank_file_is_reported_with_its_path_and_no_line(ws):
    missing = ws.root / "no-such-bank.yaml"
    assert_bank_error(ws.generate(bank=missing), missing, None, None, "no such file",
                      "give the path of a YAML bank")


@pytest.mark.parametrize("text, offending", [
    pytest.param("- id: size\n  type: output_size\n- id: other\n", "- id: size", id="a-list"),
    pytest.param("just some words\n", "just some words", id="a-plain-string"),
    pytest.param("", None, id="an-empty-file"),
    pytest.param("# yaml-language-server: $schema=../schemas/bank.schema.json\n# A comment header as in banks/\n"
                 "- id: size\n  type: output_size\n", "- id: size", id="a-list-after-a-comment-header"),
])
def test_bank_that_is_not_a_mapping_says_a_mapping_with_questions_is_needed(ws, text, offending):
    ws.write(text)
    line = line_of(text, offending) if offending else 1  # an empty file: its first (only) line
    assert_bank_error(ws.generate(), ws.bank, line, None, "a bank is a YAML mapping", "'questions' list")


# --------------------------------------------------------------------------------------------
# `check` reports the same as `generate`, and writes nothing either

@pytest.mark.parametrize("text", [
    pytest.param(UNCLOSED_LIST_BANK, id="yaml-syntax"),
    pytest.param(UNKNOWN_FIELD_BANK, id="unknown-field"),
    pytest.param(EMPTY_RANGE_BANK, id="empty-range"),
    pytest.param(IMPOSSIBLE_CONSTRAINT_BANK, id="impossible-constraint"),
    pytest.param(COLUMN_OUTSIDE_BANK, id="column-outside-image"),
    pytest.param(None, id="missing-file"),
])
def test_check_reports_the_same_one_line_error_as_generate(ws, text):
    bank = ws.bank if text is not None else ws.root / "no-such-bank.yaml"
    if text is not None:
        ws.write(text)
    checked, generated = ws.check("--versions", 2, bank=bank), ws.generate(bank=bank)
    assert_bank_error(checked, bank, None if text is None else _line_in(generated.stderr, bank), None)
    assert checked.stderr == generated.stderr


def _line_in(stderr: str, bank: Path) -> int:
    """The line generate reported (each kind's own test checks it is the right one)."""
    return int(stderr.removeprefix(f"quizgen: error: {bank}:").split(":", 1)[0])


# --------------------------------------------------------------------------------------------
# A field the question's type has no use for

@pytest.mark.parametrize("text", [
    pytest.param(bank_text("""
        questions:
          - id: size
            type: output_size
            image: {size: 6}
            kernel: {size: 3}
          - id: rules
            type: validity
            image: {size: 6}
            kernel: {size: 3}
            picture: true
        """), id="validity"),
    pytest.param(bank_text("""
        questions:
          - id: layers
            type: stack
            image: {size: 32}
            picture: true
            layers: [{type: conv, kernel: 3}]
        """), id="stack"),
])
def test_picture_true_on_a_type_without_a_picture_is_reported_at_its_line(ws, text):
    ws.write(text)
    index = 1 if "validity" in text else 0
    for result in (ws.check("--versions", 2), ws.generate()):
        assert_bank_error(result, ws.bank, line_of(text, "picture: true"), f"questions[{index}].picture",
                          "questions have no picture", "allowed: false (or leave picture out)", "output_size")


def test_picture_true_in_defaults_draws_the_questions_that_have_a_picture_and_is_no_error(ws):
    ws.write(bank_text("""
        defaults:
          picture: true
        questions:
          - id: size
            type: output_size
            image: {size: 6}
            kernel: {size: 3}
          - id: rules
            type: validity
            image: {size: 6}
            kernel: {size: 3}
        """))
    result = ws.check("--versions", 2)
    assert result.returncode == 0, result.stderr


def test_an_error_prints_non_ascii_text_as_text(ws):
    """An id 'tamaño' was printed as "tama\\xF1o"."""
    text = ws.write("questions:\n  - id: tamaño\n    type: output_size\n    image: {size: 5}\n    kernel: {size: 3}\n")
    result = ws.generate()
    assert result.returncode == 2 and "got tamaño;" in result.stderr and "\\x" not in result.stderr
    assert text
