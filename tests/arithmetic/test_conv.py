"""The pure core: worked steps in the seed's style, number formatting, reasons; no torch involved."""
import subprocess
import sys

import pytest

from quizgen.arithmetic import conv as ar
from quizgen.core.errors import InvalidConfiguration


def maths(steps):
    return [s.text for s in steps]


def test_no_padding_unit_stride_is_the_seeds_m_minus_k_plus_1():
    steps = ar.size_steps(ar.conv_spec((4,), 2).dims[0])
    assert maths(steps) == ["M_new = M − K + 1", "M_new = 4 − 2 + 1", "M_new = 3"]


def test_non_integer_case_shows_the_fraction_then_the_floor():
    steps = ar.size_steps(ar.conv_spec((4,), 2, stride=3).dims[0])
    assert [s.kind for s in steps] == ["formula", "substitution", "non_integer", "result"]
    assert steps[2].text == "(4 − 2) / 3 + 1 = 1.67 → ⌊1.67⌋ = 1"
    assert steps[2].tex.endswith("\\lfloor 1.67 \\rfloor = 1")


def test_padding_first_pads_then_applies_the_formula_to_the_padded_size():
    steps = ar.size_steps(ar.conv_spec((4,), 2, stride=3, padding=1).dims[0])
    assert steps[0].text == "M' = M + 2·P = 4 + 2·1 = 6"
    assert steps[-1].text == "M_new = 2"


def test_dilation_step_gives_the_effective_kernel():
    steps = ar.size_steps(ar.conv_spec((9,), 3, dilation=2).dims[0])
    assert steps[0].text == "K' = D·(K − 1) + 1 = 2·(3 − 1) + 1 = 5"
    assert steps[-1].text == "M_new = 5"


def test_rectangular_input_is_worked_per_dimension_then_shaped():
    spec = ar.conv_spec((7, 9), (3, 5), (2, 3), (0, 1))
    steps = ar.shape_steps(spec)
    assert {s.dim for s in steps[:-1]} == {"height", "width"}
    assert steps[-1].kind == "shape" and steps[-1].text == "3 × 3"
    assert spec.output_shape == (3, 3)


def test_square_input_is_worked_once():
    steps = ar.shape_steps(ar.conv_spec((5, 5), 3))
    assert all(s.dim is None for s in steps)


@pytest.mark.parametrize("kwargs,reason,words", [
    (dict(input_shape=(3, 3), kernel_shape=4), ar.KERNEL_TOO_LARGE, "kernel 4 > padded input 3"),
    (dict(input_shape=(5, 5), kernel_shape=3, dilation=3), ar.KERNEL_TOO_LARGE, "dilated from 3 by 3"),
    (dict(input_shape=(5, 5), kernel_shape=3, stride=2, padding="same"), ar.SAME_WITH_STRIDE, "strided"),
    (dict(input_shape=(5, 5), kernel_shape=3, padding=-1), ar.NEGATIVE_PADDING, "negative padding"),
    (dict(input_shape=(5, 5), kernel_shape=3, stride=0), ar.NON_POSITIVE_STRIDE, "non-positive stride"),
    (dict(input_shape=(5, 5), kernel_shape=0), ar.NON_POSITIVE_KERNEL, "kernel size must be positive"),
    (dict(input_shape=(5, 5), kernel_shape=3, dilation=0), ar.NON_POSITIVE_DILATION, "dilation"),
])
def test_each_rejection_has_a_reason_code_and_a_clear_message(kwargs, reason, words):
    with pytest.raises(InvalidConfiguration) as caught:
        ar.conv_spec(**kwargs)
    assert caught.value.reason == reason
    assert words in caught.value.message and "\n" not in caught.value.message


def test_non_integer_size_is_not_rejected_but_floored():
    assert ar.conv_spec((4, 4), 2, 3).output_shape == (1, 1)


def test_even_kernel_same_padding_puts_the_extra_zero_after():
    assert ar.same_padding(2) == (0, 1)
    assert ar.same_padding(4, 1) == (1, 2)
    assert ar.same_padding(3, 2) == (2, 2)


def test_cross_correlation_does_not_flip_the_kernel():
    spec = ar.conv_spec((5, 5), 3)
    image = [[1 if c == 2 else 0 for c in range(5)] for _ in range(5)]
    assert ar.correlate(image, [[1, 0, -1], [2, 0, -2], [1, 0, -1]], spec)[0] == [-4, 0, 4]


def test_the_core_imports_no_torch():
    code = ("import sys, quizgen.arithmetic.conv, quizgen.arithmetic.layers, quizgen.generate.sampling, "
            "quizgen.generate.bank; assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
