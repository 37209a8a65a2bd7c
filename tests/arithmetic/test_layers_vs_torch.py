"""The layers beyond conv2d (quizgen/arithmetic/layers.py) against torch over exhaustive small grids, rejected
configurations included: transposed convolution, max and average pooling (floor and ceil_mode), pooled
values, channels (shapes, parameters, multiply-accumulates), stacks (output size, receptive field)."""
import itertools
import random
from fractions import Fraction

import pytest

from quizgen.arithmetic import layers as L
from quizgen.core.errors import InvalidConfiguration
from quizgen.generate import reference as R


def formula(spec_of, *args):
    try:
        return spec_of(*args).output_shape, None
    except InvalidConfiguration as error:
        return None, error.reason


def torch_says(op):
    got = R.outcome(op)
    assert got.reason != "unknown", got.message
    return got.shape, got.reason


def mismatches(grid, ours, theirs):
    return [(case, a, b) for case in grid for a, b in [(ours(*case), theirs(*case))] if a != b]


TRANSPOSED_GRID = list(itertools.product(range(1, 5), range(-1, 4), range(-1, 4), range(-1, 3), range(-1, 3),
                                         range(-1, 3)))


def test_transposed_size_and_rejections_match_torch_on_every_small_configuration():
    bad = mismatches(TRANSPOSED_GRID,
                     lambda i, k, s, p, d, op: formula(L.transposed_spec, (i, i), k, s, p, d, op),
                     lambda i, k, s, p, d, op: torch_says(R.TransposedConv.of((i, i), k, s, p, d, op)))
    assert not bad, bad[:5]
    reasons = {formula(L.transposed_spec, (i, i), k, s, p, d, op)[1] for i, k, s, p, d, op in TRANSPOSED_GRID}
    assert reasons == {None, "negative_padding", "negative_output_padding", "non_positive_stride",
                       "non_positive_kernel", "non_positive_dilation", "output_padding_too_large",
                       "output_too_small"}


def test_transposed_output_padding_needs_only_one_of_stride_or_dilation_larger():
    assert L.transposed_spec((3, 3), 2, 1, 0, 2, 1).output_shape == R.outcome(
        R.TransposedConv.of((3, 3), 2, 1, 0, 2, 1)).shape == (6, 6)


def test_transposed_rectangular_configurations_match_torch_per_dimension():
    grid = list(itertools.product([(2, 3), (4, 1)], [(2, 3), (1, 2)], [(1, 2), (2, 1)], [(0, 1), (1, 0)],
                                  [(1, 2), (2, 1)], [(0, 1), (1, 0), (1, 1)]))
    bad = mismatches(grid, lambda *c: formula(L.transposed_spec, *c), lambda *c: torch_says(R.TransposedConv.of(*c)))
    assert not bad, bad[:5]


POOL_GRID = [(mode, i, k, s, p, d, c) for mode in ("max", "avg")
             for i, k, s, p, d, c in itertools.product(range(1, 7), range(-1, 4), [None, -1, 0, 1, 2, 3], range(-1, 3),
                                                      range(-1, 3) if mode == "max" else [1], [False, True])]


def test_pool_size_and_rejections_match_torch_with_floor_and_ceil_mode():
    bad = mismatches(POOL_GRID, lambda mode, i, *rest: formula(L.pool_spec, (i, i), *rest),
                     lambda mode, i, *rest: torch_says(R.Pool.of(mode, (i, i), *rest)))
    assert not bad, bad[:5]
    reasons = {formula(L.pool_spec, (i, i), *rest)[1] for _, i, *rest in POOL_GRID}
    assert reasons == {None, "zero_stride", "negative_padding", "pool_padding_too_large", "non_positive_kernel",
                       "non_positive_stride", "non_positive_dilation", "output_too_small"}
    # ceil_mode's last-window rule is exercised: a window dropped, and one kept that the floor loses
    dims = [L.PoolDim.of(i, k, s or k, p, d, True) for _, i, k, s, p, d, c in POOL_GRID
            if c and formula(L.pool_spec, (i, i), k, s, p, d, c)[1] is None]
    assert any(d.last_window_outside for d in dims) and any(d.output > d.span // d.stride + 1 for d in dims)


def test_pool_padding_is_compared_with_half_the_kernel_not_the_dilated_kernel():
    assert formula(L.pool_spec, (9, 9), 3, 1, 2, 2, False) == (None, "pool_padding_too_large")
    assert torch_says(R.Pool.of("max", (9, 9), 3, 1, 2, 2)) == (None, "pool_padding_too_large")


def test_ceil_mode_example_of_the_domain_reference():
    assert L.pool_spec((5, 5), 2, 3, 1, 1, True).output_shape == (2, 2) == torch_says(
        R.Pool.of("max", (5, 5), 2, 3, 1, 1, True))[0]


@pytest.mark.parametrize("mode, count_include_pad", [("max", True), ("avg", True), ("avg", False)])
def test_pooled_values_equal_torch_including_padding_and_ceil_mode(mode, count_include_pad):
    rng = random.Random(5)
    checked = 0
    for i, k, s, p, d, c in itertools.product(range(2, 6), range(1, 4), [None, 1, 2, 3], range(0, 2),
                                              [1, 2] if mode == "max" else [1], [False, True]):
        try:
            spec = L.pool_spec((i, i + 1), k, s, p, d, c)
        except InvalidConfiguration:
            continue
        image = [[rng.randint(-9, 9) for _ in range(i + 1)] for _ in range(i)]
        op = R.Pool.of(mode, (i, i + 1), k, s, p, d, c, count_include_pad)
        got = R.values([(op, image, None)])[0]
        want = L.pool_values(image, spec, mode, count_include_pad)
        assert [[Fraction(v).limit_denominator(1000) for v in row] for row in got] == want, (i, k, s, p, d, c)
        checked += 1
    assert checked > 100


CHANNEL_GRID = list(itertools.product([1, 3], [2, 4, 6], [2, 6], [1, 2], [False, True], [(5, 5), (6, 4)], [1, 3],
                                      [1, 2], [0, 1]))


@pytest.mark.parametrize("measure", ["output_shape", "weight_shape", "params", "macs"])
def test_channel_shapes_parameters_and_macs_match_torch(measure):
    checked = 0
    for n, c_in, c_out, g, bias, size, k, s, p in CHANNEL_GRID:
        if c_in % g or c_out % g or (measure == "macs" and n != 1):
            continue
        spec = L.channel_spec(n, c_in, c_out, g, bias, L.conv_spec(size, k, s, p))
        want = {"output_shape": spec.output_shape, "weight_shape": spec.weight_shape, "params": (spec.params,),
                "macs": (spec.macs,)}[measure]
        got = R.outcome(R.ChannelConv(measure, n, c_in, c_out, g, bias, R.Conv.of(size, k, s, p)))
        assert got.shape == want, (n, c_in, c_out, g, bias, size, k, s, p, got)
        checked += 1
    assert checked > 50


def test_groups_that_do_not_divide_the_channels_are_rejected_like_torch():
    with pytest.raises(InvalidConfiguration):
        L.channel_spec(1, 4, 6, 4, True, L.conv_spec((5, 5), 3))
    assert R.outcome(R.ChannelConv("params", 1, 4, 6, 4, True, R.Conv.of((5, 5), 3))).reason is not None


LAYERS = [L.Layer("conv", 3, 1, 1), L.Layer("conv", 3, 2, 0), L.Layer("maxpool", 2, 2), L.Layer("conv", 3, 1, 2, 2),
          L.Layer("avgpool", 3, 2, 1), L.Layer("conv", 5, 3, 2), L.Layer("maxpool", 3, 1, 1, 2),
          # what real networks use: pooling that rounds up, and 'same' convolutions (even kernels, dilated)
          L.Layer("maxpool", 3, 2, 0, 1, True), L.Layer("avgpool", 2, 2, 1, 1, True), L.Layer("conv", 4, 1, "same"),
          L.Layer("conv", 3, 1, "same", 2)]


def as_tuple(layers):
    return tuple(layer.torch_args for layer in layers)


def test_stack_output_sizes_match_torch_for_every_stack_of_up_to_three_layers():
    checked = rejected = 0
    for depth in (1, 2, 3):
        for layers in itertools.product(LAYERS, repeat=depth):
            for size in (6, 11, 16):
                try:
                    want = (L.stack_sizes(size, layers)[-1],) * 2
                except InvalidConfiguration as error:
                    got = R.outcome(R.Stack("output_size", size, as_tuple(layers)))
                    assert got.reason == error.reason, (size, layers, got)
                    rejected += 1
                    continue
                assert R.outcome(R.Stack("output_size", size, as_tuple(layers))).shape == want, (size, layers)
                checked += 1
    assert checked > 500 and rejected > 10


def test_receptive_field_equals_the_reach_of_torch_gradients():
    for depth in (1, 2, 3):
        for layers in itertools.product(LAYERS, repeat=depth):
            got = R.outcome(R.Stack("receptive_field", 1, as_tuple(layers))).shape
            assert got == (L.receptive_field(layers),) * 2, layers


def test_flipped_convolution_is_torch_conv2d_of_the_flipped_kernel():
    from quizgen.arithmetic import conv as ar
    image = [[1, 2, 0, 3], [4, 1, 1, 0], [0, 2, 5, 1], [3, 0, 1, 2]]
    kernel = [[1, 0, -1], [2, 0, -2], [1, 0, -2]]
    spec = ar.conv_spec((4, 4), 3)
    flipped = [row[::-1] for row in kernel[::-1]]
    got = R.values([(R.FlippedConv.of((4, 4), 3), image, kernel)])[0]
    assert got == ar.correlate(image, flipped, spec) != ar.correlate(image, kernel, spec)


def test_transposed_length_and_rejections_match_torch_conv_transpose1d():
    grid = [((i,), k, s, p, d, op) for i, k, s, p, d, op in TRANSPOSED_GRID]
    bad = mismatches(grid, lambda *c: formula(L.transposed_spec, *c), lambda *c: torch_says(R.TransposedConv.of(*c)))
    assert not bad, bad[:5]


def test_transposed_1d_against_torch_itself_on_random_configurations():
    """Independent of quizgen's probe: nn.ConvTranspose1d run on a real tensor."""
    torch = pytest.importorskip("torch")
    rng = random.Random("conv-transpose-1d")
    for _ in range(200):
        i, k, s, p, d = rng.randint(1, 12), rng.randint(1, 5), rng.randint(1, 4), rng.randint(0, 3), rng.randint(1, 3)
        op = rng.randint(0, max(s, d) - 1)
        try:
            ours = L.transposed_spec((i,), k, s, p, d, op).output_shape
        except InvalidConfiguration:
            ours = None
        try:
            layer = torch.nn.ConvTranspose1d(1, 1, k, stride=s, padding=p, dilation=d, output_padding=op)
            theirs = tuple(layer(torch.zeros(1, 1, i)).shape[2:])
        except RuntimeError:
            theirs = None
        assert ours == theirs, (i, k, s, p, d, op)



def test_avg_pool_divisors_are_torchs_where_padding_or_ceil_mode_cut_the_window():
    """Ones through avg_pool2d show torch's divisor at every position: the window's cells inside the padded
    input (count_include_pad=True, a ceil_mode window hanging past the padding counts fewer), or inside the
    input (False); the worked step says why wherever it is not K_h·K_w."""
    torch = pytest.importorskip("torch")
    checked = 0
    for i, k, s, p, c, include in itertools.product(range(2, 7), range(2, 4), [1, 2, 3], range(0, 2),
                                                     [False, True], [True, False]):
        try:
            spec = L.pool_spec((i, i), k, s, p, 1, c)
        except InvalidConfiguration:
            continue
        ones = torch.nn.functional.avg_pool2d(torch.ones(1, 1, i, i, dtype=torch.float64), k, s, p, ceil_mode=c,
                                              count_include_pad=include)[0, 0]
        dh, dw = (L.avg_divisors(d, include) for d in spec.dims)
        for r in range(ones.shape[0]):
            for col in range(ones.shape[1]):
                inside = len(L.pool_windows(spec.dims[0])[r]) * len(L.pool_windows(spec.dims[1])[col])
                assert inside / (dh[r] * dw[col]) == pytest.approx(float(ones[r, col])), (i, k, s, p, c, include)
                step = L.pool_divisor_step(spec, r, col, include)
                assert (step is not None and step.kind != "divisor_counts_padding") == (dh[r] * dw[col] != k * k)
                assert (step is not None and step.kind == "divisor_counts_padding") == (
                    include and dh[r] * dw[col] == k * k and inside < k * k)
                checked += 1
    assert checked > 500
