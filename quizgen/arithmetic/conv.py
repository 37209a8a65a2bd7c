"""Convolution arithmetic: pure functions over ints, no torch, no I/O.

Notation per spatial dimension (as in the domain reference): i input size, k kernel size, s stride,
p zero padding (left, right), d dilation, o output size:

    o = floor((i + p_left + p_right - d*(k-1) - 1) / s) + 1

Validity follows torch: the same configurations are rejected, each with a stable reason code.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence, Union

from ..core.errors import InvalidConfiguration
from ..core.numbers import format_number

Padding = Union[int, str, Sequence[int]]

# Reason codes, in the order torch checks them (verified in tests/arithmetic/test_conv_vs_torch.py).
SAME_WITH_STRIDE = "same_with_stride"
NEGATIVE_PADDING = "negative_padding"
NON_POSITIVE_STRIDE = "non_positive_stride"
NON_POSITIVE_KERNEL = "non_positive_kernel"
NON_POSITIVE_DILATION = "non_positive_dilation"
KERNEL_TOO_LARGE = "kernel_too_large"
REASONS = (SAME_WITH_STRIDE, NEGATIVE_PADDING, NON_POSITIVE_STRIDE, NON_POSITIVE_DILATION, NON_POSITIVE_KERNEL,
           KERNEL_TOO_LARGE)

DIM_NAMES = {1: ("length",), 2: ("height", "width")}


@dataclass(frozen=True)
class ConvDim:
    """One spatial dimension of a convolution, padding already resolved to (left, right)."""

    size: int
    kernel: int
    stride: int = 1
    pad_left: int = 0
    pad_right: int = 0
    dilation: int = 1
    padding_word: str | None = None     # 'same' or 'full' where the padding was named, not a number

    @property
    def padded_size(self) -> int:
        return self.size + self.pad_left + self.pad_right

    @property
    def effective_kernel(self) -> int:
        return effective_kernel(self.kernel, self.dilation)

    @property
    def span(self) -> int:
        """How far the window can travel: padded size minus effective kernel."""
        return self.padded_size - self.effective_kernel

    @property
    def exact(self) -> bool:
        """True when the stride divides the span: no floor needed."""
        return self.span % self.stride == 0

    @property
    def output(self) -> int:
        return self.span // self.stride + 1


@dataclass(frozen=True)
class ConvSpec:
    """A whole convolution: one ConvDim per spatial dimension (height, width for conv2d)."""

    dims: tuple[ConvDim, ...]

    @property
    def output_shape(self) -> tuple[int, ...]:
        return tuple(d.output for d in self.dims)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(d.size for d in self.dims)

    @property
    def dim_names(self) -> tuple[str, ...]:
        return DIM_NAMES.get(len(self.dims), tuple(f"dim{n}" for n in range(len(self.dims))))

    def uniform(self) -> bool:
        """All dimensions alike (a square problem): one set of worked steps serves them all."""
        return all(d == self.dims[0] for d in self.dims)


def effective_kernel(kernel: int, dilation: int = 1) -> int:
    return dilation * (kernel - 1) + 1


def per_dim(value, ndim: int, name: str) -> tuple:
    """Expand an int (or a 1-tuple) to one value per dimension, as torch's _pair does."""
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return tuple(value) * ndim
        if len(value) != ndim:
            raise InvalidConfiguration("bad_arity", f"{name} needs 1 or {ndim} values, got {len(value)}",
                                       field=name)
        return tuple(value)
    return (value,) * ndim


def same_padding(kernel: int, dilation: int = 1) -> tuple[int, int]:
    """torch's 'same': d*(k-1) in total, the extra one (for even totals' odd half) on the right."""
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


PADDING_WORDS = ("same", "valid", "full")


def string_padding(word: str, kernel: int, dilation: int = 1) -> tuple[int, int]:
    """(before, after) of a padding named by a word: torch's 'same' and 'valid', and the textbooks' 'full'
    (d*(k-1) on each side: every position where the window overlaps the input at all; torch has no word
    for it, so quizgen passes the number)."""
    if word == "same":
        return same_padding(kernel, dilation)
    if word == "full":
        return (dilation * (kernel - 1),) * 2
    return 0, 0


def validity_reasons(input_shape: Sequence[int], kernel_shape: Sequence[int], stride=1,
                     padding: Padding = 0, dilation=1) -> list[str]:
    """Every rule of torch's this configuration breaks, in torch's order. Empty means valid."""
    ndim = len(input_shape)
    kernels, strides, dilations = (per_dim(v, ndim, n) for v, n in
                                   ((kernel_shape, "kernel"), (stride, "stride"), (dilation, "dilation")))
    if isinstance(padding, str):
        pads = [string_padding(padding, k, d) for k, d in zip(kernels, dilations)]
    else:
        pads = [(p, p) for p in per_dim(padding, ndim, "padding")]
    negative_padding = not isinstance(padding, str) and any(left < 0 for left, _ in pads)
    bad_kernel = any(k <= 0 for k in kernels)
    too_large = not (negative_padding or bad_kernel) and any(
        effective_kernel(k, d) > i + left + right for i, k, d, (left, right) in zip(input_shape, kernels, dilations, pads))
    # torch's order: a negative dilation is caught early, a zero one only after the size check.
    checks = [
        (SAME_WITH_STRIDE, padding == "same" and any(s != 1 for s in strides)),
        (NEGATIVE_PADDING, negative_padding),
        (NON_POSITIVE_STRIDE, any(s <= 0 for s in strides)),
        (NON_POSITIVE_DILATION, any(d < 0 for d in dilations)),
        (NON_POSITIVE_KERNEL, bad_kernel),
        (KERNEL_TOO_LARGE, too_large),
        (NON_POSITIVE_DILATION, any(d == 0 for d in dilations)),
    ]
    reasons = []
    for reason, broken in checks:
        if broken and reason not in reasons:
            reasons.append(reason)
    return reasons


def conv_spec(input_shape: Sequence[int], kernel_shape: Sequence[int] | int, stride=1,
              padding: Padding = 0, dilation=1) -> ConvSpec:
    """Resolve and validate a convolution like torch does; raise InvalidConfiguration with torch's reason."""
    ndim = len(input_shape)
    if isinstance(padding, str) and padding not in PADDING_WORDS:
        raise InvalidConfiguration("bad_padding", f"padding must be an integer, 'same', 'valid' or 'full', got "
                                                  f"{padding!r}", field="padding")
    kernels = per_dim(kernel_shape, ndim, "kernel")
    strides = per_dim(stride, ndim, "stride")
    dilations = per_dim(dilation, ndim, "dilation")
    reasons = validity_reasons(input_shape, kernels, strides, padding, dilations)
    if reasons:
        raise InvalidConfiguration(reasons[0], explain_invalid(reasons[0], input_shape, kernels, strides,
                                                                padding, dilations))
    if isinstance(padding, str):
        pads = [string_padding(padding, k, d) for k, d in zip(kernels, dilations)]
    else:
        pads = [(p, p) for p in per_dim(padding, ndim, "padding")]
    word = padding if padding in ("same", "full") else None
    dims = tuple(ConvDim(i, k, s, left, right, d, word)
                 for i, k, s, (left, right), d in zip(input_shape, kernels, strides, pads, dilations))
    return ConvSpec(dims)


def explain_invalid(reason: str, input_shape, kernels, strides, padding, dilations) -> str:
    """A one-line reason, in the words of torch's own error plus the numbers that break the rule."""
    names = DIM_NAMES.get(len(input_shape), ())
    if reason == NON_POSITIVE_STRIDE:
        return f"non-positive stride is not supported (stride {sizes_text(strides)})"
    if reason == NON_POSITIVE_DILATION:
        return f"dilation should be greater than zero (dilation {sizes_text(dilations)})"
    if reason == NON_POSITIVE_KERNEL:
        return f"kernel size must be positive (kernel {sizes_text(kernels)})"
    if reason == NEGATIVE_PADDING:
        paddings = sizes_text(per_dim(padding, len(input_shape), "padding"))
        return f"negative padding is not supported (padding {paddings})"
    if reason == SAME_WITH_STRIDE:
        return f"padding='same' is not supported for strided convolutions (stride {sizes_text(strides)}); use stride 1"
    pads = padding if not isinstance(padding, str) else 0
    for name, i, k, d, p in zip(names, input_shape, kernels, dilations, per_dim(pads, len(input_shape), "padding")):
        if effective_kernel(k, d) > i + 2 * p:
            dilated = f" (dilated from {k} by {d})" if d != 1 else ""
            return (f"kernel size can't be greater than actual input size: {name}: kernel "
                    f"{effective_kernel(k, d)}{dilated} > padded input {i + 2 * p}")
    return "invalid configuration"


def shape_text(shape, times: str = "x") -> str:
    """A shape as people write it: 3x4 (answers, messages), or 3×4 with ``times="×"`` (printed texts)."""
    return times.join(map(str, shape))


def sizes_text(values) -> str:
    """One size per dimension as torch's messages give them: 2 when all agree, else 2x3."""
    values = tuple(values)
    return shape_text(values) if len(set(values)) > 1 else str(values[0])


# ----------------------------------------------------------------------------------------------
# Worked steps: the formula, the numbers substituted, the result (the seed's M_new style).

@dataclass(frozen=True)
class Step:
    """One line of a worked solution. ``kind`` picks the label (in the templates); ``text`` and ``tex``
    are the same mathematics in Unicode and in TeX; ``dim`` names the dimension it is about (or None)."""

    kind: str
    text: str
    tex: str
    dim: str | None = None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "dim": self.dim, "math": self.text, "tex": self.tex}


def matrix_step(kind: str, name: str, tex_name: str, matrix) -> Step:
    """A step that shows a whole matrix: Y = [1 2; 3 4], and in TeX a bmatrix (a sequence: one row)."""
    if matrix and not isinstance(matrix[0], (list, tuple)):
        matrix = [matrix]
    rows = "; ".join(" ".join(format_number(v) for v in row) for row in matrix)
    tex = " \\\\ ".join(" & ".join(format_number(v) for v in row) for row in matrix)
    return Step(kind, f"{name} = [{rows}]", f"{tex_name} = \\begin{{bmatrix}} {tex} \\end{{bmatrix}}")


def size_steps(dim: ConvDim, name: str | None = None) -> list[Step]:
    """Worked steps for one dimension's output size, as simple as the configuration allows."""
    steps: list[Step] = []
    m_sym, m_tex = "M", "M"
    k_sym, k_tex = "K", "K"
    if dim.padding_word == "same":
        steps += same_split_steps(dim, name)
    elif dim.padding_word == "full" and dim.pad_left:
        steps.append(Step("full_padding", f"P = D·(K − 1) = {dim.dilation}·({dim.kernel} − 1) = {dim.pad_left}",
                          f"P = D(K - 1) = {dim.dilation}({dim.kernel} - 1) = {dim.pad_left}", name))
    if dim.pad_left or dim.pad_right:
        if dim.pad_left == dim.pad_right:
            steps.append(Step("padded_size",
                              f"M' = M + 2·P = {dim.size} + 2·{dim.pad_left} = {dim.padded_size}",
                              f"M' = M + 2P = {dim.size} + 2 \\cdot {dim.pad_left} = {dim.padded_size}", name))
        else:
            steps.append(Step("padded_size",
                              f"M' = M + P_before + P_after = {dim.size} + {dim.pad_left} + {dim.pad_right} = "
                              f"{dim.padded_size}",
                              f"M' = M + P_{{before}} + P_{{after}} = {dim.size} + {dim.pad_left} + {dim.pad_right}"
                              f" = {dim.padded_size}", name))
        m_sym, m_tex = "M'", "M'"
    if dim.dilation != 1:
        steps.append(Step("effective_kernel",
                          f"K' = D·(K − 1) + 1 = {dim.dilation}·({dim.kernel} − 1) + 1 = {dim.effective_kernel}",
                          f"K' = D(K - 1) + 1 = {dim.dilation}({dim.kernel} - 1) + 1 = {dim.effective_kernel}",
                          name))
        k_sym, k_tex = "K'", "K'"
    m, k, s = dim.padded_size, dim.effective_kernel, dim.stride
    if s == 1:
        steps.append(Step("formula", f"M_new = {m_sym} − {k_sym} + 1", f"M_{{new}} = {m_tex} - {k_tex} + 1", name))
        steps.append(Step("substitution", f"M_new = {m} − {k} + 1", f"M_{{new}} = {m} - {k} + 1", name))
    else:
        steps.append(Step("formula", f"M_new = ⌊({m_sym} − {k_sym}) / S⌋ + 1",
                          f"M_{{new}} = \\left\\lfloor \\frac{{{m_tex} - {k_tex}}}{{S}} \\right\\rfloor + 1", name))
        steps.append(Step("substitution", f"M_new = ⌊({m} − {k}) / {s}⌋ + 1",
                          f"M_{{new}} = \\left\\lfloor \\frac{{{m} - {k}}}{{{s}}} \\right\\rfloor + 1", name))
        if not dim.exact:
            raw = format_number(Fraction(dim.span, s) + 1)
            steps.append(Step("non_integer", f"({m} − {k}) / {s} + 1 = {raw} → ⌊{raw}⌋ = {dim.output}",
                              f"\\frac{{{m} - {k}}}{{{s}}} + 1 = {raw} \\rightarrow \\lfloor {raw} \\rfloor = "
                              f"{dim.output}", name))
    steps.append(Step("result", f"M_new = {dim.output}", f"M_{{new}} = {dim.output}", name))
    return steps


def same_split_steps(dim: ConvDim, name: str | None = None) -> list[Step]:
    """How padding='same' is worked out in one dimension: the total d·(k − 1) that keeps the size, and its
    split, the extra zero after when the total is odd (torch's rule, F.pad(..., [left, right]))."""
    k, d = dim.kernel, dim.dilation
    total = dim.pad_left + dim.pad_right
    if d == 1:
        steps = [Step("total_padding", f"P_total = K − 1 = {k} − 1 = {total}",
                      f"P_{{total}} = K - 1 = {k} - 1 = {total}", name)]
    else:
        steps = [Step("total_padding", f"P_total = D·(K − 1) = {d}·({k} − 1) = {total}",
                      f"P_{{total}} = D(K - 1) = {d}({k} - 1) = {total}", name)]
    if dim.pad_left == dim.pad_right:
        steps.append(Step("per_side", f"P = {total} / 2 = {dim.pad_left}",
                          f"P = \\frac{{{total}}}{{2}} = {dim.pad_left}", name))
    else:
        steps.append(Step("uneven_split", f"P_before = ⌊{total} / 2⌋ = {dim.pad_left}, "
                                          f"P_after = {total} − {dim.pad_left} = {dim.pad_right}",
                          f"P_{{before}} = \\lfloor {total}/2 \\rfloor = {dim.pad_left},\\; "
                          f"P_{{after}} = {total} - {dim.pad_left} = {dim.pad_right}", name))
    return steps


def shape_steps(spec: ConvSpec) -> list[Step]:
    """Steps for every dimension (once when they are alike), then the output shape."""
    if spec.uniform():
        steps = size_steps(spec.dims[0], None)
    else:
        steps = [s for dim, name in zip(spec.dims, spec.dim_names) for s in size_steps(dim, name)]
    if len(spec.dims) > 1:
        shape = " × ".join(str(o) for o in spec.output_shape)
        steps.append(Step("shape", shape, " \\times ".join(str(o) for o in spec.output_shape)))
    return steps


# ----------------------------------------------------------------------------------------------
# Values: cross-correlation (torch does not flip the kernel), exact, over any numbers. A conv2d's image and
# kernel are lists of rows; a conv1d's are sequences (flat lists), worked out as a single row.

def _rows(data, spec: ConvSpec):
    """A conv1d's sequence as one row, and its spec with a height of one (no padding, stride or dilation)."""
    if len(spec.dims) == 1:
        return [list(data)], ConvSpec((ConvDim(1, 1),) + spec.dims)
    return data, spec


def output_cells(spec: ConvSpec) -> list[tuple[int, ...]]:
    """Every output position, in reading order: (row, col) for conv2d, (i,) for conv1d."""
    if len(spec.dims) == 1:
        return [(i,) for i in range(spec.output_shape[0])]
    rows, cols = spec.output_shape
    return [(r, c) for r in range(rows) for c in range(cols)]


def pad_matrix(data, spec: ConvSpec):
    """The zero-padded input: a list of rows (conv2d) or a sequence (conv1d)."""
    if len(spec.dims) == 1:
        return pad_matrix(*_rows(data, spec))[0]
    (top, bottom), (left, right) = ((d.pad_left, d.pad_right) for d in spec.dims)
    width = len(data[0]) + left + right
    rows = [[0] * width for _ in range(top)]
    rows += [[0] * left + list(row) + [0] * right for row in data]
    rows += [[0] * width for _ in range(bottom)]
    return rows


def window_cells(spec: ConvSpec, *out: int) -> list[tuple[int, ...]]:
    """The padded-input positions under the (dilated) kernel for output position ``out`` ((row, col), or (i,)
    for conv1d), in kernel order."""
    if len(spec.dims) == 1:
        d = spec.dims[0]
        return [(out[0] * d.stride + b * d.dilation,) for b in range(d.kernel)]
    dh, dw = spec.dims
    r0, c0 = out[0] * dh.stride, out[1] * dw.stride
    return [(r0 + a * dh.dilation, c0 + b * dw.dilation) for a in range(dh.kernel) for b in range(dw.kernel)]


def window_terms(padded, kernel, spec: ConvSpec, *out: int):
    """The (kernel value, input value) pairs that make the output at ``out``."""
    if len(spec.dims) == 1:
        return [(k, padded[i]) for k, (i,) in zip(kernel, window_cells(spec, *out))]
    flat = [k for row in kernel for k in row]
    return [(k, padded[i][j]) for k, (i, j) in zip(flat, window_cells(spec, *out))]


def correlate(data, kernel, spec: ConvSpec):
    """Output values of torch's conv2d (rows) or conv1d (a sequence), one channel, no bias, computed exactly by
    definition."""
    padded = pad_matrix(data, spec)
    values = {out: sum(k * x for k, x in window_terms(padded, kernel, spec, *out)) for out in output_cells(spec)}
    if len(spec.dims) == 1:
        return list(values.values())
    rows, cols = spec.output_shape
    return [[values[r, c] for c in range(cols)] for r in range(rows)]


def cell_step(padded, kernel, spec: ConvSpec, out: tuple, value) -> Step:
    """y[r,c] = k·x + k·x + ... = value (y[i] for conv1d), for one output position."""
    terms = window_terms(padded, kernel, spec, *out)
    text = " + ".join(f"{format_number(k) if k >= 0 else f'({format_number(k)})'}·"
                      f"{format_number(x) if x >= 0 else f'({format_number(x)})'}" for k, x in terms)
    tex = " + ".join(f"{_tex_num(k)} \\cdot {_tex_num(x)}" for k, x in terms)
    where = ",".join(map(str, out))
    return Step("cell", f"y[{where}] = {text} = {format_number(value)}",
                f"y_{{{where}}} = {tex} = {format_number(value)}")


def value_at(values, out: tuple):
    """The output value at ``out`` of a sequence or a matrix."""
    for index in out:
        values = values[index]
    return values


def _tex_num(value) -> str:
    text = format_number(value)
    return f"({text})" if value < 0 else text
