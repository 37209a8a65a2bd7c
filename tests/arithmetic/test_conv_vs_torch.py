"""The arithmetic core against torch over exhaustive grids of small configurations, rejected ones included."""
import itertools

import pytest

from quizgen.arithmetic import conv as ar
from quizgen.core.errors import InvalidConfiguration
from quizgen.generate import reference


def formula(input_shape, kernel, stride, padding, dilation):
    """(output shape, None) or (None, first reason), from the pure core."""
    try:
        return ar.conv_spec(input_shape, kernel, stride, padding, dilation).output_shape, None
    except InvalidConfiguration as error:
        return None, error.reason


def torch_says(input_shape, kernel, stride, padding, dilation):
    got = reference.outcome(reference.Conv.of(input_shape, kernel, stride, padding, dilation))
    if padding == "same" and got.reason and (min(ar.per_dim(kernel, len(input_shape), "k")) == 0
                                            or min(ar.per_dim(dilation, len(input_shape), "d")) < 0):
        # torch derives a negative 'same' padding from a zero-size kernel or a negative dilation and then
        # fails in varying ways; that it rejects is what matters, and we name the root cause.
        return None, formula(input_shape, kernel, stride, padding, dilation)[1]
    assert got.reason != "unknown", got.message
    return got.shape, got.reason


CONV1D_GRID = list(itertools.product(range(1, 8), range(0, 6), range(-1, 4),
                                     [-1, 0, 1, 2, 3, "same", "valid"], range(-1, 4)))


def test_conv1d_grid_matches_torch_shape_and_rejection_reason():
    mismatches = []
    for i, k, s, p, d in CONV1D_GRID:
        ours, theirs = formula((i,), k, s, p, d), torch_says((i,), k, s, p, d)
        if ours != theirs:
            mismatches.append(((i, k, s, p, d), ours, theirs))
    assert not mismatches, mismatches[:10]
    # The grid really covers both sides of every rule.
    reasons = {formula((i,), k, s, p, d)[1] for i, k, s, p, d in CONV1D_GRID}
    assert reasons == {None, *ar.REASONS}


CONV2D_GRID = list(itertools.product(
    itertools.product(range(1, 6), range(1, 6)),
    itertools.product(range(1, 5), range(1, 5)),
    [1, (2, 1), (1, 3), (0, 1)],
    [0, (1, 0), (0, 2), (-1, 1), "same", "valid"],
    [1, (2, 1), (1, 0), (-1, 1)],
))


def test_conv2d_rectangular_grid_matches_torch_per_dimension():
    mismatches = []
    for shape, kernel, s, p, d in CONV2D_GRID:
        ours, theirs = formula(shape, kernel, s, p, d), torch_says(shape, kernel, s, p, d)
        if ours != theirs:
            mismatches.append(((shape, kernel, s, p, d), ours, theirs))
    assert not mismatches, mismatches[:10]


@pytest.mark.parametrize("kernel,dilation", [(k, d) for k in range(1, 7) for d in range(1, 4)])
def test_same_padding_split_matches_torch_values(kernel, dilation):
    """'same' pads d*(k-1) in total, the extra one on the right: compare values, not only shapes."""
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F
    x = torch.arange(1.0, 1 + 9 * 8, dtype=torch.float64).reshape(1, 1, 9, 8)
    w = torch.arange(1.0, 1 + kernel * kernel, dtype=torch.float64).reshape(1, 1, kernel, kernel)
    expected = F.conv2d(x, w, padding="same", dilation=dilation)
    spec = ar.conv_spec((9, 8), kernel, 1, "same", dilation)
    assert spec.output_shape == (9, 8)
    ours = ar.correlate(x[0, 0].tolist(), w[0, 0].tolist(), spec)
    assert ours == expected[0, 0].tolist()


def test_sequence_values_match_torch_conv1d_on_random_configurations():
    """Held-out conv1d configurations (lengths, kernels, strides, paddings incl. 'same', dilations) with random
    integer values: the pure core's correlate (and its flip, for the textbook convolution) against
    torch.nn.functional.conv1d itself."""
    torch = pytest.importorskip("torch")
    import random

    import torch.nn.functional as F
    rng = random.Random("conv1d-values")
    checked = 0
    while checked < 300:
        length, k, s, d = rng.randint(1, 16), rng.randint(1, 6), rng.randint(1, 4), rng.randint(1, 3)
        p = rng.choice([0, 1, 2, 3, "same", "valid"])
        if p == "same":
            s = 1      # torch: 'same' is not supported for strided convolutions
        try:
            spec = ar.conv_spec((length,), k, s, p, d)
        except InvalidConfiguration:
            continue
        x = [rng.randint(-9, 9) for _ in range(length)]
        w = [rng.randint(-3, 3) for _ in range(k)]
        t = F.conv1d(torch.tensor([[x]], dtype=torch.float64), torch.tensor([[w]], dtype=torch.float64),
                     stride=s, padding=p, dilation=d)[0, 0].tolist()
        assert ar.correlate(x, w, spec) == t, (length, k, s, p, d)
        flipped = F.conv1d(torch.tensor([[x]], dtype=torch.float64),
                           torch.flip(torch.tensor([[w]], dtype=torch.float64), dims=(-1,)),
                           stride=s, padding=p, dilation=d)[0, 0].tolist()
        assert ar.correlate(x, w[::-1], spec) == flipped
        assert len(t) == spec.output_shape[0]
        checked += 1
