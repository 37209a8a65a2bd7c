"""Grading one answer: credit, partial credit, tolerance and the diagnosis of known mistakes. The questions
are real records from the pipeline; wrong answers are derived here from the definition of each mistake,
and values from torch."""
import textwrap

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.answers.credit import Policy, mark
from quizgen.generate.bank import load_bank
from quizgen.generate.pipeline import build
from quizgen.render.renderer import Renderer

BANK = """
title: Grading fixtures
language: en
seed: 11
questions:
  - id: size
    type: output_size
    image: {size: 8x12}
    kernel: {size: 3}
  - id: floor
    type: output_size
    image: {size: 8}
    kernel: {size: 3}
    stride: 2
  - id: values
    type: conv_values
    image: {size: 4, content: {random_int: {min: 0, max: 5}}}
    kernel: {size: 2, values: [[1, 2], [0, -1]]}
  - id: decimals
    type: conv_values
    image: {size: 3, content: {random_decimal: {min: 0, max: 1, decimals: 2}}}
    kernel: {size: 2, values: ones}
    grading: {tolerance: {absolute: 0.05}, partial_credit: all_or_nothing}
  - id: keep
    type: same_padding
    image: {size: 6}
    kernel: {size: 3x4}
  - id: rule
    type: validity
    image: {size: 3}
    kernel: {size: 5}
    constraints: {valid: false}
"""


@pytest.fixture(scope="module")
def questions(tmp_path_factory):
    path = tmp_path_factory.mktemp("bank") / "grading.yaml"
    path.write_text(textwrap.dedent(BANK))
    quizset = build(load_bank(path), ["v1"], 11, "en", Renderer())
    return {q["id"]: q for q in quizset.to_dict()["versions"][0]["questions"]}


def shape(values):
    return "x".join(str(v) for v in values)


def matrix(rows):
    return "; ".join(" ".join(str(v) for v in row) for row in rows)


def torch_values(question, kernel):
    image = torch.tensor(question["params"]["image"], dtype=torch.float64)[None, None]
    out = torch.nn.functional.conv2d(image, torch.tensor(kernel, dtype=torch.float64)[None, None])
    return [[int(v) if float(v).is_integer() else float(v) for v in row] for row in out[0, 0].tolist()]


@pytest.mark.parametrize("qid", ["size", "floor", "values", "decimals", "keep", "rule"])
def test_the_answer_as_the_key_writes_it_is_correct(questions, qid):
    question = questions[qid]
    verdict = mark(question, question["answer"]["text"])
    assert (verdict.status, verdict.credit) == ("correct", 1.0)


def test_sizes_are_graded_per_dimension_and_the_missing_plus_one_is_diagnosed(questions):
    question = questions["size"]
    h, w = 8 - 3 + 1, 12 - 3 + 1
    both = mark(question, shape([h - 1, w - 1]))
    assert (both.status, both.credit, both.mistakes) == ("wrong", 0.0, ["forgot_plus_one"])
    one = mark(question, shape([h, w - 1]))
    assert (one.status, one.credit, one.parts_right, one.mistakes) == ("partial", 0.5, 1, ["forgot_plus_one"])


def test_swapped_height_and_width_is_diagnosed_only_as_a_whole(questions):
    question = questions["size"]
    h, w = 8 - 3 + 1, 12 - 3 + 1
    assert mark(question, shape([w, h])).mistakes == ["swapped_dimensions"]
    assert mark(question, shape([w, w])).mistakes == []    # half a swap is not a swap


def test_the_non_integer_case_diagnoses_rounding_up_and_a_missing_floor(questions):
    question = questions["floor"]
    exact = (8 - 3) / 2 + 1
    assert mark(question, shape([int(exact) + 1] * 2)).mistakes == ["rounded_up"]
    assert mark(question, f"{exact}x{exact}").mistakes == ["no_floor"]
    assert mark(question, "3,5 x 3,5").mistakes == ["no_floor"]


def test_a_matrix_earns_per_cell_credit_and_a_flipped_kernel_is_diagnosed(questions):
    question = questions["values"]
    right = torch_values(question, [[1, 2], [0, -1]])
    one_off = [row[:] for row in right]
    one_off[0][0] += 1
    verdict = mark(question, matrix(one_off))
    cells = len(right) * len(right[0])
    assert (verdict.status, verdict.credit, verdict.parts_right) == ("partial", (cells - 1) / cells, cells - 1)
    flipped = torch_values(question, [[-1, 0], [2, 1]])
    assert mark(question, matrix(flipped)).mistakes == ["flipped_kernel"]


def test_a_matrix_of_another_shape_scores_zero_and_says_which_size_mistake_gives_it(questions):
    question = questions["values"]
    right = torch_values(question, [[1, 2], [0, -1]])
    verdict = mark(question, matrix(right[:-1]))
    assert (verdict.status, verdict.credit) == ("wrong", 0.0)
    assert verdict.wrong_shape == [len(right) - 1, len(right[0])]
    assert verdict.mistakes == ["forgot_plus_one"]


def test_decimals_are_right_within_the_banks_tolerance_and_all_or_nothing_is_honoured(questions):
    question = questions["decimals"]
    right = torch_values(question, [[1, 1], [1, 1]])
    near = [[v + 0.04 for v in row] for row in right]
    far = [row[:] for row in right]
    far[0][0] += 0.06
    assert mark(question, matrix(near)).status == "correct"
    assert (mark(question, matrix(far)).status, mark(question, matrix(far)).credit) == ("wrong", 0.0)
    spanish = "; ".join(" ".join(str(v).replace(".", ",") for v in row) for row in right)
    assert mark(question, spanish).status == "correct"


def test_integer_data_is_graded_exactly(questions):
    question = questions["values"]
    right = torch_values(question, [[1, 2], [0, -1]])
    near = [[v + 0.001 for v in row] for row in right]
    assert mark(question, matrix(near)).status == "wrong"


def test_a_padding_is_graded_per_dimension_and_the_whole_total_on_each_side_is_diagnosed(questions):
    question = questions["keep"]    # kernel 3x4: height 1 and 1, width 1 before and 2 after
    assert question["answer"]["value"] == [[1, 1], [1, 2]]
    symmetric = mark(question, "1")
    assert (symmetric.status, symmetric.credit) == ("partial", 0.5)
    assert mark(question, "2,2x3,3").mistakes == ["total_on_each_side"]


def test_a_choice_is_all_or_nothing(questions):
    question = questions["rule"]
    other = next(o["letter"] for o in question["answer"]["options"] if o["code"] != question["answer"]["value"])
    assert mark(question, question["answer"]["letter"]).credit == 1.0
    assert (mark(question, other).status, mark(question, other).credit) == ("wrong", 0.0)


@pytest.mark.parametrize("qid", ["size", "values", "keep", "rule"])
def test_no_answer_and_a_format_error_earn_nothing_and_are_told_apart(questions, qid):
    assert (mark(questions[qid], "").status, mark(questions[qid], "").credit) == ("blank", 0.0)
    garbled = mark(questions[qid], "tres por tres")
    assert (garbled.status, garbled.credit) == ("malformed", 0.0)
    assert garbled.problem is not None


@settings(max_examples=300, deadline=None)
@given(qid=st.sampled_from(["size", "floor", "values", "decimals", "keep", "rule"]),
       text=st.one_of(st.text(max_size=50), st.text(alphabet="0123456789-.,;xe[]() \n", max_size=50)))
def test_no_answer_string_crashes_the_grader(questions, qid, text):
    verdict = mark(questions[qid], text)
    assert verdict.status in ("correct", "partial", "wrong", "blank", "malformed")
    assert 0.0 <= verdict.credit <= 1.0


def test_relative_tolerance_scales_with_the_answer():
    policy = Policy(exact=False, absolute=0.0, relative=0.01)
    assert policy.close(101, 100) and not policy.close(1.02, 1)
