"""Arithmetic of the layers beyond a plain convolution: transposed convolution, pooling, channels and
parameters, stacks (output size and receptive field), and inverse questions. Pure functions over ints,
no torch, no I/O; each rule is checked against torch over exhaustive grids (tests/arithmetic/test_layers_vs_torch.py).

Notation per spatial dimension as in the domain reference: i input, k kernel, s stride, p padding per
side, d dilation, o output. Every per-dimension class has the interface the samplers and the question
types read from arithmetic.ConvDim: ``size``, ``output`` and ``exact``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Sequence

from ..core.errors import InvalidConfiguration
from ..core.numbers import format_number
from .conv import (
    DIM_NAMES,
    NEGATIVE_PADDING,
    NON_POSITIVE_DILATION,
    NON_POSITIVE_KERNEL,
    NON_POSITIVE_STRIDE,
    ConvDim,
    ConvSpec,
    Step,
    conv_spec,
    effective_kernel,
    per_dim,
    sizes_text,
)
from .mistakes import distinct_mistakes, positive

# Reason codes of the new rules (the shared ones come from arithmetic).
NEGATIVE_OUTPUT_PADDING = "negative_output_padding"
OUTPUT_PADDING_TOO_LARGE = "output_padding_too_large"
OUTPUT_TOO_SMALL = "output_too_small"
ZERO_STRIDE = "zero_stride"
POOL_PADDING_TOO_LARGE = "pool_padding_too_large"


def _expand(ndim: int, **values) -> dict:
    return {name: per_dim(value, ndim, name) for name, value in values.items()}


def _first(checks) -> list[str]:
    """The codes of the broken rules, in the order given (torch's), each once."""
    reasons = []
    for reason, broken in checks:
        if broken and reason not in reasons:
            reasons.append(reason)
    return reasons


# ----------------------------------------------------------------------------------------------
# Transposed convolution: o = (i - 1)*s - 2p + d*(k - 1) + output_padding + 1

@dataclass(frozen=True)
class TransposedDim:
    size: int
    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    output_padding: int = 0
    exact = True   # no floor anywhere: a transposed convolution's size is always an integer

    @property
    def effective_kernel(self) -> int:
        return effective_kernel(self.kernel, self.dilation)

    @property
    def stretched(self) -> int:
        """(i - 1)*s + 1: the input with s - 1 zeros between its cells."""
        return (self.size - 1) * self.stride + 1

    @property
    def output(self) -> int:
        return self.stretched - 1 - 2 * self.padding + self.effective_kernel - 1 + self.output_padding + 1


def transposed_reasons(input_shape, kernel, stride=1, padding=0, dilation=1, output_padding=0) -> list[str]:
    """Every rule of torch's conv_transpose this configuration breaks, in torch's order."""
    ndim = len(input_shape)
    v = _expand(ndim, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                output_padding=output_padding)
    broken_earlier = (any(p < 0 for p in v["padding"]) or any(s <= 0 for s in v["stride"])
                      or any(k <= 0 for k in v["kernel"]) or any(d <= 0 for d in v["dilation"]))
    too_large = not broken_earlier and any(op >= s and op >= d for op, s, d in
                                           zip(v["output_padding"], v["stride"], v["dilation"]))
    too_small = not (broken_earlier or too_large) and any(
        TransposedDim(*dims).output <= 0 for dims in zip(input_shape, *v.values()))
    return _first([
        (NEGATIVE_PADDING, any(p < 0 for p in v["padding"])),
        (NEGATIVE_OUTPUT_PADDING, any(op < 0 for op in v["output_padding"])),
        (NON_POSITIVE_STRIDE, any(s <= 0 for s in v["stride"])),
        (NON_POSITIVE_DILATION, any(d < 0 for d in v["dilation"])),   # as in conv2d: a negative one early,
        (NON_POSITIVE_KERNEL, any(k <= 0 for k in v["kernel"])),
        (NON_POSITIVE_DILATION, any(d == 0 for d in v["dilation"])),  # a zero one after the kernel
        (OUTPUT_PADDING_TOO_LARGE, too_large),
        (OUTPUT_TOO_SMALL, too_small),
    ])


def transposed_spec(input_shape, kernel, stride=1, padding=0, dilation=1, output_padding=0) -> ConvSpec:
    """Resolve and validate a transposed convolution like torch; raise InvalidConfiguration with its reason."""
    ndim = len(input_shape)
    v = _expand(ndim, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                output_padding=output_padding)
    reasons = transposed_reasons(input_shape, *v.values())
    if reasons:
        raise InvalidConfiguration(reasons[0], _explain(reasons[0], input_shape, v, TransposedDim))
    return ConvSpec(tuple(TransposedDim(*dims) for dims in zip(input_shape, *v.values())))


def _explain(reason: str, input_shape, v: dict, dim_class) -> str:
    """One line in the words of torch's own error, with the numbers that break the rule."""
    fixed = {
        NEGATIVE_PADDING: f"negative padding is not supported (padding {sizes_text(v['padding'])})",
        NEGATIVE_OUTPUT_PADDING: f"negative output_padding is not supported (output_padding "
                                 f"{sizes_text(v.get('output_padding', (0,)))})",
        NON_POSITIVE_STRIDE: f"non-positive stride is not supported (stride {sizes_text(v['stride'])})",
        ZERO_STRIDE: "stride should not be zero (stride 0; leave it out to use the kernel size)",  # given as 0
        NON_POSITIVE_KERNEL: f"kernel size should be greater than zero (kernel {sizes_text(v['kernel'])})",
        NON_POSITIVE_DILATION: f"dilation should be greater than zero (dilation {sizes_text(v.get('dilation', (1,)))})",
        OUTPUT_PADDING_TOO_LARGE: (f"output padding must be smaller than either stride or dilation (output_padding "
                                   f"{sizes_text(v.get('output_padding', (0,)))}, stride {sizes_text(v['stride'])}, "
                                   f"dilation {sizes_text(v.get('dilation', (1,)))})"),
        POOL_PADDING_TOO_LARGE: (f"pad should be at most half of kernel size (padding {sizes_text(v['padding'])}, "
                                 f"kernel {sizes_text(v['kernel'])})"),
    }
    if reason in fixed:
        return fixed[reason]
    names = DIM_NAMES.get(len(input_shape), ())
    for name, dims in zip(names, zip(input_shape, *v.values())):
        dim = dim_class(*dims)
        if dim.output <= 0:
            return (f"output size is too small: {name}: input {dim.size} gives output {dim.output}; allowed: "
                    f"a configuration whose output is at least 1")
    return "invalid configuration"


def transposed_steps(spec: ConvSpec) -> list[Step]:
    return _per_dim_steps(spec, _transposed_dim_steps)


def _transposed_dim_steps(dim: TransposedDim, name) -> list[Step]:
    i, k, s, p, d, op = dim.size, dim.kernel, dim.stride, dim.padding, dim.dilation, dim.output_padding
    steps = []
    if d != 1:
        steps.append(Step("effective_kernel", f"K' = D·(K − 1) + 1 = {d}·({k} − 1) + 1 = {dim.effective_kernel}",
                          f"K' = D(K - 1) + 1 = {d}({k} - 1) + 1 = {dim.effective_kernel}", name))
    kk = "K'" if d != 1 else "K"
    terms, tex_terms, values, tex_values = ["(M − 1)·S"], ["(M - 1)S"], [f"({i} − 1)·{s}"], [f"({i} - 1) \\cdot {s}"]
    if p:
        terms.append("− 2·P"), tex_terms.append("- 2P"), values.append(f"− 2·{p}"), tex_values.append(f"- 2 \\cdot {p}")
    terms.append(f"+ {kk}"), tex_terms.append(f"+ {kk}"), values.append(f"+ {dim.effective_kernel}")
    tex_values.append(f"+ {dim.effective_kernel}")
    if op:
        terms.append("+ P_out"), tex_terms.append("+ P_{out}"), values.append(f"+ {op}"), tex_values.append(f"+ {op}")
    steps.append(Step("transposed_formula", f"M_new = {' '.join(terms)}",
                      f"M_{{new}} = {' '.join(tex_terms)}", name))
    steps.append(Step("substitution", f"M_new = {' '.join(values)}", f"M_{{new}} = {' '.join(tex_values)}", name))
    steps.append(Step("result", f"M_new = {dim.output}", f"M_{{new}} = {dim.output}", name))
    return steps


def _per_dim_steps(spec: ConvSpec, dim_steps) -> list[Step]:
    """A dimension's steps once when the dimensions are alike, else each; then the output shape."""
    if spec.uniform():
        steps = dim_steps(spec.dims[0], None)
    else:
        steps = [s for dim, name in zip(spec.dims, spec.dim_names) for s in dim_steps(dim, name)]
    if len(spec.dims) > 1:
        steps.append(Step("shape", " × ".join(map(str, spec.output_shape)),
                          " \\times ".join(map(str, spec.output_shape))))
    return steps


# ----------------------------------------------------------------------------------------------
# Pooling (MaxPool2d, AvgPool2d): the convolution's size formula; stride defaults to the kernel;
# with ceil_mode the last window must start inside the input or the left padding.

@dataclass(frozen=True)
class PoolDim(ConvDim):
    """A convolution's dimension (the same size formula) with pooling's ceil_mode; padding is symmetric."""
    ceil_mode: bool = False

    @classmethod
    def of(cls, size, kernel, stride, padding=0, dilation=1, ceil_mode=False) -> "PoolDim":
        return cls(size, kernel, stride, padding, padding, dilation, ceil_mode=ceil_mode)

    @property
    def padding(self) -> int:
        return self.pad_left

    @property
    def rounded(self) -> int:
        """The formula's output before torch's last-window rule: floor, or ceil with ceil_mode."""
        steps = -(-self.span // self.stride) if self.ceil_mode else self.span // self.stride
        return steps + 1

    @property
    def last_window_outside(self) -> bool:
        """ceil_mode's extra window would start in the right padding (or beyond): torch drops it."""
        return self.ceil_mode and (self.rounded - 1) * self.stride >= self.size + self.padding

    @property
    def output(self) -> int:
        return self.rounded - self.last_window_outside


def pool_reasons(input_shape, kernel, stride=None, padding=0, dilation=1, ceil_mode=False) -> list[str]:
    """Every rule of torch's max_pool2d / avg_pool2d this configuration breaks, in torch's order.
    ``stride`` None is torch's default, the kernel size."""
    ndim = len(input_shape)
    v = _expand(ndim, kernel=kernel, stride=kernel if stride is None else stride, padding=padding,
                dilation=dilation)
    ks, ss, ps, ds = v["kernel"], v["stride"], v["padding"], v["dilation"]
    # torch checks in two places. First, while computing the size: a zero stride, a negative padding, a
    # padding over half the *effective* kernel (C integer division). Then the shape check: kernel, stride
    # and dilation positive, and the padding at most half the kernel itself (k=3, d=2 allows no p=2).
    over_effective = any(p > _c_half(d * (k - 1) + 1) for p, k, d in zip(ps, ks, ds))
    earlier = any(s == 0 for s in ss) or any(p < 0 for p in ps) or over_effective or any(
        v <= 0 for v in ks + ss + ds)
    too_small = not (earlier or any(2 * p > k for p, k in zip(ps, ks))) and any(
        PoolDim.of(i, k, s, p, d, ceil_mode).output <= 0 for i, k, s, p, d in zip(input_shape, ks, ss, ps, ds))
    return _first([
        (ZERO_STRIDE, any(s == 0 for s in ss)),
        (NEGATIVE_PADDING, any(p < 0 for p in ps)),
        (POOL_PADDING_TOO_LARGE, over_effective),
        (NON_POSITIVE_KERNEL, any(k <= 0 for k in ks)),
        (NON_POSITIVE_STRIDE, any(s < 0 for s in ss)),
        (NON_POSITIVE_DILATION, any(d <= 0 for d in ds)),
        (POOL_PADDING_TOO_LARGE, any(2 * p > k for p, k in zip(ps, ks))),
        (OUTPUT_TOO_SMALL, too_small),
    ])


def _c_half(value: int) -> int:
    """value / 2 as C divides ints: toward zero."""
    return -((-value) // 2) if value < 0 else value // 2


def pool_spec(input_shape, kernel, stride=None, padding=0, dilation=1, ceil_mode=False) -> ConvSpec:
    ndim = len(input_shape)
    v = _expand(ndim, kernel=kernel, stride=kernel if stride is None else stride, padding=padding,
                dilation=dilation)
    reasons = pool_reasons(input_shape, v["kernel"], v["stride"], v["padding"], v["dilation"], ceil_mode)
    if reasons:
        if reasons[0] == ZERO_STRIDE and stride is None:      # the stride was the kernel's, and the kernel is 0
            raise InvalidConfiguration(ZERO_STRIDE, f"stride should not be zero (left out, the stride is the "
                                                    f"kernel size, {sizes_text(v['kernel'])}); allowed: a kernel of at "
                                                    "least 1")
        raise InvalidConfiguration(reasons[0], _explain(reasons[0], input_shape, v,
                                                        lambda *dims: PoolDim.of(*dims, ceil_mode)))
    return ConvSpec(tuple(PoolDim.of(i, k, s, p, d, ceil_mode)
                          for i, k, s, p, d in zip(input_shape, *v.values())))


def pool_steps(spec: ConvSpec) -> list[Step]:
    return _per_dim_steps(spec, _pool_dim_steps)


def _pool_dim_steps(dim: PoolDim, name) -> list[Step]:
    steps = []
    m, k = "M", "K"
    if dim.padding:
        steps.append(Step("padded_size", f"M' = M + 2·P = {dim.size} + 2·{dim.padding} = {dim.padded_size}",
                          f"M' = M + 2P = {dim.size} + 2 \\cdot {dim.padding} = {dim.padded_size}", name))
        m = "M'"
    if dim.dilation != 1:
        steps.append(Step("effective_kernel", f"K' = D·(K − 1) + 1 = {dim.dilation}·({dim.kernel} − 1) + 1 = "
                                              f"{dim.effective_kernel}",
                          f"K' = D(K - 1) + 1 = {dim.dilation}({dim.kernel} - 1) + 1 = {dim.effective_kernel}",
                          name))
        k = "K'"
    floor, tex_floor = ("⌈", "⌉") if dim.ceil_mode else ("⌊", "⌋"), \
        ("\\left\\lceil", "\\right\\rceil") if dim.ceil_mode else ("\\left\\lfloor", "\\right\\rfloor")
    span, s = f"{dim.padded_size} − {dim.effective_kernel}", dim.stride
    steps.append(Step("pool_formula", f"M_new = {floor[0]}({m} − {k}) / S{floor[1]} + 1",
                      f"M_{{new}} = {tex_floor[0]} \\frac{{{m} - {k}}}{{S}} {tex_floor[1]} + 1", name))
    steps.append(Step("substitution", f"M_new = {floor[0]}({span}) / {s}{floor[1]} + 1 = {dim.rounded}",
                      f"M_{{new}} = {tex_floor[0]} \\frac{{{dim.padded_size} - {dim.effective_kernel}}}{{{s}}} "
                      f"{tex_floor[1]} + 1 = {dim.rounded}", name))
    if dim.ceil_mode and not dim.exact:
        start = (dim.rounded - 1) * s
        limit = dim.size + dim.padding
        if dim.last_window_outside:
            steps.append(Step("last_window_dropped",
                              f"({dim.rounded} − 1)·{s} = {start} ≥ M + P = {limit} → {dim.rounded} − 1 = {dim.output}",
                              f"({dim.rounded} - 1) \\cdot {s} = {start} \\geq M + P = {limit} \\rightarrow "
                              f"{dim.output}", name))
        else:
            steps.append(Step("last_window_kept", f"({dim.rounded} − 1)·{s} = {start} < M + P = {limit}",
                              f"({dim.rounded} - 1) \\cdot {s} = {start} < M + P = {limit}", name))
    steps.append(Step("result", f"M_new = {dim.output}", f"M_{{new}} = {dim.output}", name))
    return steps


def pool_windows(dim: PoolDim) -> list[list[int]]:
    """Per output position, the input indices (unpadded, inside the input) its window covers."""
    return [[j for j in range(o * dim.stride - dim.padding, o * dim.stride - dim.padding + dim.effective_kernel,
                              dim.dilation) if 0 <= j < dim.size] for o in range(dim.output)]


def avg_divisors(dim: PoolDim, count_include_pad: bool = True) -> list[int]:
    """avg_pool2d's divisor per output position along one dimension. count_include_pad=True (torch's default):
    the window's cells inside the padded input, so a ceil_mode window that hangs past the right padding
    counts less; False: only the window's cells inside the input itself."""
    if not count_include_pad:
        return [len(cells) for cells in pool_windows(dim)]
    out = []
    for o in range(dim.output):
        start = o * dim.stride - dim.padding
        end = min(start + dim.kernel, dim.size + dim.padding)
        out.append(end - start)
    return out


def pool_values(image, spec: ConvSpec, mode: str, count_include_pad: bool = True, divisors=None):
    """max_pool2d or avg_pool2d of a matrix, exactly (averages as Fractions). ``divisors`` (per dimension)
    replaces the average's divisors: what a mistaken divisor gives."""
    rows, cols = (pool_windows(d) for d in spec.dims)
    if mode == "max":
        return [[max(image[r][c] for r in rr for c in cc) for cc in cols] for rr in rows]
    dh, dw = divisors or [avg_divisors(d, count_include_pad) for d in spec.dims]
    return [[Fraction(sum(image[r][c] for r in rr for c in cc)) / (dh[a] * dw[b]) for b, cc in enumerate(cols)]
            for a, rr in enumerate(rows)]


def pool_cell_step(image, spec: ConvSpec, mode: str, row: int, col: int, value, count_include_pad: bool = True) -> Step:
    rr, cc = (pool_windows(d) for d in spec.dims)
    cells = [image[r][c] for r in rr[row] for c in cc[col]]
    listed = ", ".join(format_number(v) for v in cells)
    if mode == "max":
        return Step("pool_cell", f"y[{row},{col}] = max({listed}) = {format_number(value)}",
                    f"y_{{{row},{col}}} = \\max({listed}) = {format_number(value)}")
    divisor = avg_divisors(spec.dims[0], count_include_pad)[row] * avg_divisors(spec.dims[1], count_include_pad)[col]
    total = " + ".join(format_number(v) for v in cells)
    return Step("pool_cell", f"y[{row},{col}] = ({total}) / {divisor} = {format_number(value)}",
                f"y_{{{row},{col}}} = \\frac{{{total}}}{{{divisor}}} = {format_number(value)}")


def pool_divisor_step(spec: ConvSpec, row: int, col: int, count_include_pad: bool = True) -> Step | None:
    """Why an average's divisor is what it is where the window is not whole inside the input, or None where
    it is: cut by the end of the padded input (ceil_mode), or by the padding, whose zeros count
    (count_include_pad=True: K_h·K_w) or not (False: the cells inside the input) (torch's avg_pool2d rule)."""
    (dh, dw) = spec.dims
    h, w = avg_divisors(dh, count_include_pad)[row], avg_divisors(dw, count_include_pad)[col]
    full = dh.kernel * dw.kernel
    if h * w == full:
        inside = len(pool_windows(dh)[row]) * len(pool_windows(dw)[col])
        if count_include_pad and inside < full:    # the padding's zeros are in the window, and they count
            return Step("divisor_counts_padding", f"y[{row},{col}]: {h} · {w} = {full} = K_h·K_w",
                        f"y_{{{row},{col}}}:\\ {h} \\cdot {w} = {full} = K_h K_w")
        return None
    kind = "divisor_padded" if count_include_pad else "divisor_inside"
    return Step(kind, f"y[{row},{col}]: {h} · {w} = {h * w} ≠ K_h·K_w = {full}",
                f"y_{{{row},{col}}}:\\ {h} \\cdot {w} = {h * w} \\neq K_h K_w = {full}")


# ----------------------------------------------------------------------------------------------
# Channels: shapes, parameters and multiply-accumulates of nn.Conv2d(C_in, C_out, k, groups=g, bias=b), and of
# nn.Conv1d, nn.ConvTranspose2d and nn.ConvTranspose1d alike (torch's weight layouts and FLOP counter's rule)

@dataclass(frozen=True)
class ChannelSpec:
    batch: int
    in_channels: int
    out_channels: int
    groups: int
    bias: bool
    conv: ConvSpec                  # its dims are TransposedDims for a transposed convolution
    transposed: bool = False

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (self.batch, self.out_channels) + self.conv.output_shape

    @property
    def weight_shape(self) -> tuple[int, ...]:
        """torch's layout: (C_out, C_in/groups, *kernel); transposed, (C_in, C_out/groups, *kernel)."""
        kernel = tuple(d.kernel for d in self.conv.dims)
        if self.transposed:
            return (self.in_channels, self.out_channels // self.groups) + kernel
        return (self.out_channels, self.in_channels // self.groups) + kernel

    @property
    def weights(self) -> int:
        return math.prod(self.weight_shape)

    @property
    def params(self) -> int:
        return self.weights + (self.out_channels if self.bias else 0)

    @property
    def macs(self) -> int:
        """Multiply-accumulates for one image: every output value costs (C_in/g)·kh·kw of them; for a
        transposed convolution, every input value is spread by (C_out/g)·kh·kw of them (as torch's FLOP
        counter counts them)."""
        if self.transposed:
            return self.in_channels * math.prod(self.conv.input_shape) * math.prod(self.weight_shape[1:])
        return self.out_channels * math.prod(self.conv.output_shape) * math.prod(self.weight_shape[1:])


GROUPS_DIVIDE = "groups_must_divide"


def channel_spec(batch, in_channels, out_channels, groups, bias, conv: ConvSpec, transposed=False) -> ChannelSpec:
    if groups <= 0 or in_channels % groups or out_channels % groups:
        raise InvalidConfiguration(GROUPS_DIVIDE, f"in_channels ({in_channels}) and out_channels ({out_channels}) "
                                                  f"must be divisible by groups ({groups})")
    return ChannelSpec(batch, in_channels, out_channels, groups, bias, conv, transposed)


_SPATIAL = {1: ("L",), 2: ("H", "W")}
_KERNEL = {1: ("K",), 2: ("K_h", "K_w")}


def channel_steps(spec: ChannelSpec, ask: str) -> list[Step]:
    """Steps for one of output_shape, weight_shape, params, macs."""
    c_in, c_out, g = spec.in_channels, spec.out_channels, spec.groups
    ndim = len(spec.conv.dims)
    spatial, kernel_symbols = _SPATIAL[ndim], _KERNEL[ndim]
    kernel = " · ".join(str(d.kernel) for d in spec.conv.dims)
    if ask == "output_shape":
        shape = ", ".join(map(str, spec.output_shape))
        outs = ", ".join(f"{x}_out" for x in spatial)
        tex_outs = ", ".join(f"{x}_{{out}}" for x in spatial)
        return _conv_shape_steps(spec) + [Step("tensor_shape", f"(N, C_out, {outs}) = ({shape})",
                                                    f"(N, C_{{out}}, {tex_outs}) = ({shape})")]
    # the channels each filter sees: C_in/g (transposed: each input channel feeds C_out/g)
    split, tex_split, per_group = (("C_out", "C_{out}", c_out // g) if spec.transposed else ("C_in", "C_{in}", c_in // g))
    first, tex_first = ("C_in", "C_{in}") if spec.transposed else ("C_out", "C_{out}")
    group_step = ([Step("per_group_transposed" if spec.transposed else "per_group", f"{split} / groups = {c_out if spec.transposed else c_in} / {g} = {per_group}",
                        f"{tex_split} / g = {c_out if spec.transposed else c_in} / {g} = {per_group}")]
                  if g != 1 else [])
    shape = ", ".join(map(str, spec.weight_shape))
    symbols = ", ".join(kernel_symbols)
    weight = Step("weight_shape", f"({first}, {split}/groups, {symbols}) = ({shape})",
                  f"({tex_first}, {tex_split}/g, {symbols}) = ({shape})")
    if ask == "weight_shape":
        return group_step + [weight]
    lead = spec.weight_shape[0]
    weights = Step("weight_count", f"{lead} · {per_group} · {kernel} = {spec.weights}",
                   f"{lead} \\cdot {per_group} \\cdot {kernel.replace('·', chr(92) + 'cdot')} = {spec.weights}")
    if ask == "params":
        steps = group_step + [weight, weights]
        if spec.bias:
            steps.append(Step("bias_count", f"{spec.weights} + {c_out} = {spec.params}",
                              f"{spec.weights} + {c_out} = {spec.params}"))
        else:
            steps.append(Step("no_bias", f"{spec.params}", f"{spec.params}"))
        return steps
    kernels = " · ".join(kernel_symbols)
    tex_kernels = " ".join(kernel_symbols)
    if spec.transposed:
        sizes = " · ".join(map(str, spec.conv.input_shape))
        ins = " · ".join(f"{x}_in" for x in spatial)
        tex_ins = " ".join(f"{x}_{{in}}" for x in spatial)
        return group_step + [Step("macs", f"C_in · {ins} · (C_out/groups) · {kernels} = {c_in} · {sizes} · "
                                          f"{per_group} · {kernel} = {spec.macs}",
                                  f"C_{{in}} {tex_ins} (C_{{out}}/g) {tex_kernels} = {spec.macs}")]
    out = " · ".join(map(str, spec.conv.output_shape))
    outs = " · ".join(f"{x}_out" for x in spatial)
    tex_outs = " ".join(f"{x}_{{out}}" for x in spatial)
    return (_conv_shape_steps(spec) + group_step +
            [Step("macs", f"C_out · {outs} · (C_in/groups) · {kernels} = {c_out} · {out} · {per_group} · "
                          f"{kernel} = {spec.macs}",
                  f"C_{{out}} {tex_outs} (C_{{in}}/g) {tex_kernels} = {spec.macs}")])


def _conv_shape_steps(spec: ChannelSpec) -> list[Step]:
    """The spatial output size, worked per dimension: the convolution's formula, or the transposed one."""
    from .conv import shape_steps  # noqa: PLC0415 - the same module family; kept local for clarity
    steps = transposed_steps(spec.conv) if spec.transposed else shape_steps(spec.conv)
    return [s for s in steps if s.kind != "shape"]


def channel_mistakes(spec: ChannelSpec, ask: str) -> list[dict]:
    """Wrong answers that known mistakes give, each distinct from the answer and from each other."""
    c_out, g = spec.out_channels, spec.groups
    kernel_area = math.prod(d.kernel for d in spec.conv.dims)
    if ask in ("output_shape", "weight_shape"):
        answer = list(spec.output_shape if ask == "output_shape" else spec.weight_shape)
        candidates = []
        if ask == "output_shape":
            candidates.append(("kept_in_channels", [spec.batch, spec.in_channels, *spec.conv.output_shape]))
            candidates.append(("input_size", [spec.batch, c_out, *spec.conv.input_shape]))
        else:
            candidates.append(("swapped_channels", [spec.in_channels // g, c_out, *answer[2:]]))
            if g != 1:
                candidates.append(("ignored_groups", [c_out, spec.in_channels, *answer[2:]]))
        return distinct_mistakes(answer, candidates, per_dimension=True, admissible=positive)
    full_in = spec.in_channels
    if ask == "params":
        candidates = [("forgot_bias" if spec.bias else "added_bias",
                       spec.weights if spec.bias else spec.weights + c_out)]
        if g != 1:
            candidates.append(("ignored_groups", c_out * full_in * kernel_area + (c_out if spec.bias else 0)))
        candidates.append(("bias_per_weight", 2 * spec.weights))
        return distinct_mistakes(spec.params, candidates, per_dimension=False, admissible=positive)
    out_area = math.prod(spec.conv.output_shape)
    in_area = math.prod(spec.conv.input_shape)
    candidates = [("input_positions", c_out * in_area * (full_in // g) * kernel_area)]
    if g != 1:
        candidates.append(("ignored_groups", c_out * out_area * full_in * kernel_area))
    candidates.append(("forgot_out_channels", out_area * (full_in // g) * kernel_area))
    return distinct_mistakes(spec.macs, candidates, per_dimension=False, admissible=positive)


# ----------------------------------------------------------------------------------------------
# Stacks of layers: output size through the stack, receptive field
#     r = 1 + sum_l (k_eff_l - 1) * prod_{m < l} s_m

@dataclass(frozen=True)
class Layer:
    """One layer of a stack: conv, maxpool or avgpool, square (the same in every dimension). A conv's
    padding may be 'same' (torch: stride 1 only); a pooling layer may round up (``ceil_mode``)."""
    kind: str
    kernel: int
    stride: int
    padding: int | str = 0
    dilation: int = 1
    ceil_mode: bool = False

    def spec(self, size: int) -> ConvSpec:
        if self.kind == "conv":
            return conv_spec((size,), self.kernel, self.stride, self.padding, self.dilation)
        return pool_spec((size,), self.kernel, self.stride, self.padding, self.dilation, self.ceil_mode)

    @property
    def torch_args(self) -> tuple:
        """(kind, kernel, stride, padding, dilation, ceil_mode), as torch's probe takes a layer."""
        return (self.kind, self.kernel, self.stride, self.padding, self.dilation, self.ceil_mode)

    @property
    def effective_kernel(self) -> int:
        return effective_kernel(self.kernel, self.dilation)


def stack_sizes(size: int, layers: Sequence[Layer]) -> list[int]:
    """The size after each layer (the input first); InvalidConfiguration naming the layer that fails."""
    sizes = [size]
    for number, layer in enumerate(layers, 1):
        try:
            sizes.append(layer.spec(sizes[-1]).output_shape[0])
        except InvalidConfiguration as error:
            raise InvalidConfiguration(error.reason, f"layer {number} ({layer.kind}): {error.message}") from None
    return sizes


def receptive_field(layers: Sequence[Layer]) -> int:
    field, jump = 1, 1
    for layer in layers:
        field += (layer.effective_kernel - 1) * jump
        jump *= layer.stride
    return field


def receptive_steps(layers: Sequence[Layer]) -> list[Step]:
    steps = [Step("receptive_formula", "r = 1 + Σ_l (K'_l − 1)·J_l,  J_l = S_1·…·S_(l−1)",
                  "r = 1 + \\sum_l (K'_l - 1) J_l,\\quad J_l = \\prod_{m<l} S_m")]
    field, jump = 1, 1
    for number, layer in enumerate(layers, 1):
        added = (layer.effective_kernel - 1) * jump
        field += added
        kernel = f"{layer.dilation}·({layer.kernel} − 1) + 1 = " if layer.dilation != 1 else ""
        steps.append(Step("receptive_layer",
                          f"{number} ({layer.kind}), K' = {kernel}{layer.effective_kernel}, J = {jump}, "
                          f"r = {field - added} + ({layer.effective_kernel} − 1)·{jump} = {field}",
                          f"\\text{{{number} ({layer.kind})}},\\ K' = {layer.effective_kernel},\\ J = {jump},\\ "
                          f"r = {field - added} + ({layer.effective_kernel} - 1) \\cdot {jump} = {field}"))
        jump *= layer.stride
    steps.append(Step("receptive_result", f"r = {field}", f"r = {field}"))
    return steps


def stack_steps(size: int, layers: Sequence[Layer]) -> list[Step]:
    from .conv import size_steps  # noqa: PLC0415
    steps, current = [], size
    for number, layer in enumerate(layers, 1):
        spec = layer.spec(current)
        dim_steps = size_steps(spec.dims[0]) if layer.kind == "conv" else _pool_dim_steps(spec.dims[0], None)
        result = spec.output_shape[0]
        steps.append(Step("layer", f"{number} ({layer.kind}), M = {current} → {result}",
                          f"\\text{{{number} ({layer.kind})}},\\ M = {current} \\rightarrow {result}"))
        steps.extend(s for s in dim_steps if s.kind not in ("result",))
        current = result
    steps.append(Step("result", f"M_new = {current}", f"M_{{new}} = {current}"))
    return steps


def stack_mistakes(size: int, layers: Sequence[Layer], ask: str) -> list[dict]:
    if ask == "receptive_field":
        answer = receptive_field(layers)
        no_jump = 1 + sum(layer.effective_kernel - 1 for layer in layers)
        undilated = receptive_field([replace(layer, dilation=1) for layer in layers])
        with_own = 1 + sum((l.effective_kernel - 1) * math.prod(m.stride for m in layers[:n + 1])
                           for n, l in enumerate(layers))
        catalogue = [("ignored_strides", no_jump), ("undilated_kernel", undilated), ("own_stride_included", with_own)]
        return distinct_mistakes(answer, catalogue, per_dimension=False, admissible=positive)
    answer = stack_sizes(size, layers)[-1]
    candidates = []
    last_only = _try(lambda: layers[-1].spec(size).output_shape[0])
    if last_only is not None:
        candidates.append(("last_layer_only", last_only))
    no_pad = _try(lambda: stack_sizes(size, [replace(l, padding=0) for l in layers])[-1])
    if no_pad is not None:
        candidates.append(("ignored_padding", no_pad))
    if any(l.ceil_mode for l in layers):
        floor = _try(lambda: stack_sizes(size, [replace(l, ceil_mode=False) for l in layers])[-1])
        if floor is not None:
            candidates.append(("floor_instead_of_ceil", floor))
    return distinct_mistakes(answer, candidates, per_dimension=False, admissible=positive)


def _try(compute):
    try:
        return compute()
    except InvalidConfiguration:
        return None


# ----------------------------------------------------------------------------------------------
# Inverse questions: every value of one parameter (in a range) that gives a wanted output size.

def solutions(output_of, candidates: Sequence[int], wanted: int) -> list[int]:
    """The candidates whose output (``output_of(value)``, None when torch rejects) is ``wanted``."""
    return [value for value in candidates if output_of(value) == wanted]


def conv_output_or_none(size, kernel, stride, padding, dilation) -> int | None:
    try:
        return conv_spec((size,), kernel, stride, padding, dilation).output_shape[0]
    except InvalidConfiguration:
        return None
