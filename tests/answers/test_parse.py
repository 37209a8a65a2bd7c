"""Parsing what students type: every accepted syntax, the format errors, and no crash on any string."""
import re
from fractions import Fraction

import pytest
from answer_corpus import EXPECTED, OPTIONS, SYNTAX
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.answers.kinds import KINDS
from quizgen.answers.parse import BLANK, Malformed, Parsed, number, parse

SQUARE = [[1, 2], [3, 4]]


def value(kind, text, expected=None):
    result = parse(kind, text, expected)
    assert isinstance(result, Parsed), f"{text!r} -> {result}"
    return result.value


@pytest.mark.parametrize("text, expected", [
    ("4", 4), ("-4", -4), ("+4", 4), ("−4", -4), ("4.5", Fraction(9, 2)), ("4,5", Fraction(9, 2)),
    (".5", Fraction(1, 2)), ("1e-3", Fraction(1, 1000)), ("8/3", Fraction(8, 3)), (" 7 ", 7),
])
def test_numbers_are_read_exactly_with_a_decimal_point_or_a_spanish_comma(text, expected):
    assert number(text) == expected


@pytest.mark.parametrize("text", ["3x4", "3×4", "3 x 4", "3X4", "3*4", "(3, 4)", "[3,4]", "3 4", "3,4", "3; 4",
                                  " 3x4 \n", "torch.Size([3, 4])", "{3, 4}", "３ｘ４", "3Ｘ4", "3.x4."])
def test_a_shape_is_read_in_every_usual_notation(text):
    assert value("shape", text, [3, 4]) == [3, 4]


def test_a_shape_may_have_decimals_so_a_missing_floor_can_be_diagnosed():
    assert value("shape", "2,67x3", [2, 3]) == [Fraction(267, 100), 3]
    assert value("shape", "2.5 x 2.5", [2, 2]) == [Fraction(5, 2), Fraction(5, 2)]


@pytest.mark.parametrize("text, problem", [("3", "dimensions"), ("3x3x3", "dimensions"), ("tres", "not_a_number"),
                                           ("3xa", "not_a_number"), ("x", "missing_size"), ("3x4x", "missing_size"),
                                           ("x3x4", "missing_size"), ("3xx4", "missing_size")])
def test_a_shape_that_is_not_height_by_width_is_a_format_error(text, problem):
    assert parse("shape", text, [3, 3]).problem == problem


@pytest.mark.parametrize("text", ["[[1,2],[3,4]]", "[[1, 2], [3, 4]]", "1 2; 3 4", "1 2\n3 4", "1, 2\n3, 4",
                                  "[1 2; 3 4]", "((1, 2), (3, 4))", "[ [1,2] , [3,4] ]", "1 2 ;3 4;", "  1  2\r\n 3 4 ",
                                  "[[1., 2.], [3., 4.]]", "tensor([[1., 2.],\n        [3., 4.]], dtype=torch.float64)",
                                  "array([[1, 2], [3, 4]])", "[[１, ２], [３, ４]]"])
def test_a_matrix_is_read_as_json_as_rows_separated_by_semicolons_or_one_row_per_line(text):
    assert value("matrix", text, SQUARE) == SQUARE


def test_a_matrix_with_spanish_decimal_commas():
    assert value("matrix", "1,5 -2,25; 0 3", SQUARE) == [[Fraction(3, 2), Fraction(-9, 4)], [0, 3]]


def test_a_comma_between_digits_is_read_the_way_that_gives_the_expected_shape():
    assert value("matrix", "[[1,5]]", [[1.5]]) == [[Fraction(3, 2)]]
    assert value("matrix", "[[1,5]]", [[1, 5]]) == [[1, 5]]


def test_a_single_number_answers_a_one_by_one_matrix():
    assert value("matrix", "4", [[4]]) == [[4]]


@pytest.mark.parametrize("text, problem", [("1 2; 3", "ragged"), ("[[1,2],[3,4]", "unbalanced"),
                                           ("1 2; tres 4", "not_a_number"), ("<script>", "not_a_number")])
def test_a_matrix_that_cannot_be_read_is_a_format_error_naming_the_problem(text, problem):
    assert parse("matrix", text, SQUARE).problem == problem


@pytest.mark.parametrize("text, expected", [
    ("1", [[1, 1], [1, 1]]), ("1x2", [[1, 1], [2, 2]]), ("(1, 2)", [[1, 1], [2, 2]]), ("1 2", [[1, 1], [2, 2]]),
    ("0,1x1,1", [[0, 1], [1, 1]]), ("[[0,1],[1,1]]", [[0, 1], [1, 1]]), ("((0, 1), (1, 1))", [[0, 1], [1, 1]]),
])
def test_a_padding_is_one_number_one_per_dimension_or_before_and_after_per_dimension(text, expected):
    assert value("padding", text, [[0, 0], [0, 0]]) == expected


def test_four_loose_numbers_are_not_a_padding_because_their_order_is_ambiguous():
    assert parse("padding", "0 1 0 1", [[0, 1], [0, 1]]).problem == "padding_layout"


@pytest.mark.parametrize("text", ["f", "F", "f)", "(f)", "f.", " F ", "kernel_too_large", "kernel too large",
                                  "Invalid: kernel larger than the padded input",
                                  "f) Invalid: kernel larger than the padded input"])
def test_a_choice_is_its_letter_its_code_or_its_text(text):
    assert value("choice", text, OPTIONS) == "kernel_too_large"


def test_a_letter_that_is_not_an_option_is_a_format_error_not_a_wrong_answer():
    assert parse("choice", "z", OPTIONS).problem == "unknown_option"
    assert parse("choice", "f) Valid: torch accepts it", OPTIONS).problem == "not_an_option"   # letter and text disagree


def test_a_full_width_minus_is_a_minus():
    assert value("matrix", "[[－1, 2], [3, 4]]", SQUARE) == [[-1, 2], [3, 4]]


@pytest.mark.parametrize("kind", ["shape", "matrix", "padding", "choice"])
@pytest.mark.parametrize("text", ["", "   ", "\n\t", None])
def test_an_empty_cell_is_no_answer(kind, text):
    assert parse(kind, text, OPTIONS if kind == "choice" else SQUARE) is BLANK


TYPED = st.text(alphabet="0123456789-+.,;:xX×*/eE[](){} \n\t\r−ab", max_size=40)


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from(sorted(EXPECTED)), text=st.one_of(st.text(max_size=60), TYPED))
def test_no_string_crashes_the_parser(kind, text):
    result = parse(kind, text, EXPECTED[kind])
    assert result is BLANK or isinstance(result, (Parsed, Malformed))
    if isinstance(result, Parsed) and kind in ("shape", "padding"):
        assert len(result.value) == len(EXPECTED[kind])
    if isinstance(result, Parsed) and kind == "matrix":
        assert len({len(row) for row in result.value}) == 1


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(st.integers(-999, 999), min_size=3, max_size=3), min_size=1, max_size=4),
       style=st.sampled_from(["json", "semicolons", "lines"]))
def test_every_written_integer_matrix_reads_back_as_itself(rows, style):
    text = {"json": str(rows), "semicolons": "; ".join(" ".join(map(str, r)) for r in rows),
            "lines": "\n".join(" ".join(map(str, r)) for r in rows)}[style]
    assert value("matrix", text, rows) == rows


@pytest.mark.parametrize("kind,text", SYNTAX)
def test_every_documented_way_of_writing_an_answer_is_read(kind, text):
    assert isinstance(parse(kind, text, EXPECTED[kind]), Parsed), (kind, text)


def _readme_rows() -> dict[str, str]:
    """The rows of the README's table of accepted answers, by kind (the first word of the first cell)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("### How answers are read", 1)[1].split("\n\n| kind |", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|") for line in table.splitlines()[2:]]
    return {cells[1].split()[0]: cells[2] for cells in rows}


def test_the_readme_table_has_a_row_for_every_kind_and_its_examples_are_read():
    rows = _readme_rows()
    assert sorted(rows) == sorted(KINDS)
    for kind, accepted in rows.items():
        examples = [e for e in re.findall(r"`([^`]+)`", accepted) if "..." not in e]
        assert examples, kind
        for text in examples:
            assert isinstance(parse(kind, text, EXPECTED[kind]), Parsed), (kind, text)


@pytest.mark.parametrize("text, value", [
    ("2,3", [[2, 3]]), ("2, 3", [[2, 3]]), ("2 3", [[2, 3]]), ("2;3", [[2, 3]]), ("(2; 3)", [[2, 3]]),
    ("(2, 3)", [[2, 3]]), ("[2, 3]", [[2, 3]]), ("[[2, 3]]", [[2, 3]]), ("3", [[3, 3]])])
def test_a_sequences_padding_is_one_number_or_before_after(text, value):
    assert parse("padding", text, [[2, 3]]) == Parsed(value)


@pytest.mark.parametrize("text", ["2x3", "2 × 3", "[[2], [3]]", "2,3x0,0", "2,3,4", "(2, 3), (1, 1)"])
def test_a_second_dimension_is_not_a_sequences_padding(text):
    """A newcomer found 2x3 graded right as before=2, after=3 on a sequence: a second dimension is refused."""
    assert parse("padding", text, [[2, 3]]).problem == "padding_layout"


def test_a_tensor_shape_with_a_size_too_few_names_the_tensors_dimensions_not_height_and_width():
    from quizgen.render.renderer import Renderer

    result = parse("tensor_shape", "4x12", [8, 16, 30])
    assert result.problem == "sizes"
    en, es = Renderer().words("en"), Renderer().words("es")
    assert "height" not in str(en.problem(result.problem, result.token))
    assert "8x16x30" in str(en.expected("tensor_shape", [], [8, 16, 30]))
    assert "(0,1)" in str(en.expected("padding", [], [[0, 1]])) and "1x2" not in str(en.expected("padding", [], [[0, 1]]))
    assert str(es.parts_right(2, 3, es.part_names["sequence"])) == "2 de 3 valores correctos"
    assert str(es.parts_right(3, 4, es.part_names["matrix"])) == "3 de 4 celdas correctas"


VALUES = [(name, kind.key) for name, kind in KINDS.items() if kind.parts is not None] + [
    ("padding", [[1, 2]]), ("padding", [[3, 3]]), ("padding", [[1, 1], [2, 2]]), ("shape", [5, 7]),
    ("sequence", [1, -2, 3]), ("tensor_shape", [2, 8, 30])]


@pytest.mark.parametrize("kind, value", VALUES, ids=lambda v: str(v))
def test_every_notation_an_lms_is_given_reads_back_as_the_value(kind, value):
    """The spellings a GIFT short answer accepts (answers.kinds notations) are each an answer quizgen's
    grader reads as that value: an LMS never marks right what quizgen would mark wrong."""
    for text in KINDS[kind].notations(value):
        read = parse(kind, text, value)
        assert isinstance(read, Parsed), (kind, text, read)
        assert read.value == value, (kind, text, read.value)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_python_example_in_an_answer_cell_reads_as_its_key(kind):
    """A lab notebook's answer cell shows the kind's Python example; written there, it is the kind's key."""
    from quizgen.grade.notebooks import answer_of

    example = KINDS[kind].python
    assert example, f"{kind} declares no Python example"
    text = answer_of(f"respuesta_1 = {example}", None, ("respuesta_1",))
    want = EXPECTED[kind]["value"] if kind == "choice" else EXPECTED[kind]
    assert value(kind, text, EXPECTED[kind]) == want


@pytest.mark.parametrize("text, expected", [
    ("torch.Size([1, 1, 3, 4])", [3, 4]), ("torch.Size([1, 3, 4])", [3, 4]), ("Size([1, 1, 3, 4])", [3, 4]),
])
def test_a_layer_output_shape_as_torch_prints_it_is_its_height_and_width(text, expected):
    assert value("shape", text, [3, 4]) == expected


@pytest.mark.parametrize("kind, text, key", [
    ("shape", "1x3x4", [3, 4]),                     # leading sizes are dropped inside torch.Size only
    ("shape", "(1, 1, 3, 4)", [3, 4]),
    ("shape", "torch.Size([2, 1, 3, 4])", [3, 4]),  # a batch of 2 is not one image
    ("tensor_shape", "torch.Size([1, 1, 3, 4])", [3, 4]),   # a tensor's shape is every size
])
def test_other_extra_sizes_are_still_a_format_error(kind, text, key):
    assert isinstance(parse(kind, text, key), Malformed)


def test_decimal_commas_in_a_shape_are_read_as_before():
    assert value("shape", ",7 ,2", [3, 4]) == [Fraction(7, 10), Fraction(1, 5)]
