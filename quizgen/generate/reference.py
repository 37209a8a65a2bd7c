"""The reference engine: torch computes what a convolution really gives.

torch is imported on first use only: commands that need no tensor values never pay its import.
Work is batched: convolutions that share every shape run as one grouped conv2d call.

Shapes are measured on zeros of the real shapes, on the CPU while the tensors involved are small (up to
CPU_ELEMENTS values), else on torch's meta device, which computes shapes without allocating: a
100,000-wide input is checked in well under a second. (The meta device skips some of torch's checks, such
as a zero dilation; only configurations torch accepts are that large: the banks' bounds keep the
configurations drawn to be rejected small.)
"""
from __future__ import annotations

import math
import warnings
from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

from ..arithmetic import conv as ar
from ..arithmetic import layers
from ..core.caches import remember
from .verdicts import VERDICTS

# torch's own error messages, mapped to the arithmetic core's reason codes.
_TORCH_MESSAGES = (
    ("padding='same' is not supported for strided", ar.SAME_WITH_STRIDE),
    ("negative padding is not supported", ar.NEGATIVE_PADDING),
    ("non-positive stride is not supported", ar.NON_POSITIVE_STRIDE),
    ("kernel size should be greater than zero", ar.NON_POSITIVE_KERNEL),
    ("dilation should be greater than zero", ar.NON_POSITIVE_DILATION),
    ("Kernel size can't be greater than actual input size", ar.KERNEL_TOO_LARGE),
    ("negative output_padding is not supported", layers.NEGATIVE_OUTPUT_PADDING),
    ("output padding must be smaller than either stride or dilation", layers.OUTPUT_PADDING_TOO_LARGE),
    ("Output size is too small", layers.OUTPUT_TOO_SMALL),
    ("stride should not be zero", layers.ZERO_STRIDE),
    ("stride should be greater than zero", ar.NON_POSITIVE_STRIDE),
    ("pad must be non-negative", ar.NEGATIVE_PADDING),
    # two code paths of torch's pooling say the same rule in two ways
    ("pad should be smaller than or equal to half of kernel size", layers.POOL_PADDING_TOO_LARGE),
    ("pad should be at most half of effective kernel size", layers.POOL_PADDING_TOO_LARGE),
)


def load_torch():
    """torch and its functional module, imported on first use (processes forked later share the import)."""
    import torch  # noqa: PLC0415 - deliberately lazy: ~1.5 s
    import torch.nn.functional as functional  # noqa: PLC0415

    # One thread: the tensors are tiny (threads only cost), and an OpenMP pool that was never started
    # cannot hang the processes --jobs forks.
    torch.set_num_threads(1)
    return torch, functional


CPU_ELEMENTS = 1 << 22      # values a probe may allocate (32 MB of float64) before it measures on "meta"


def _device(*shapes) -> str:
    """Where to measure: "cpu" when every tensor of these shapes is small, else "meta" (no allocation)."""
    return "cpu" if all(math.prod(max(v, 1) for v in shape) <= CPU_ELEMENTS for shape in shapes) else "meta"


def _padded(sizes, padding) -> tuple:
    pads = padding if isinstance(padding, tuple) else (0,) * len(sizes)
    return tuple(i + 2 * max(p, 0) for i, p in zip(sizes, pads))


@dataclass(frozen=True)
class Conv:
    """One convolution as torch sees it: shapes and hyper-parameters (padding as given: int/tuple/str)."""

    input_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...] | str
    dilation: tuple[int, ...]

    @classmethod
    def of(cls, input_shape, kernel_shape, stride=1, padding=0, dilation=1) -> "Conv":
        n = len(input_shape)
        kernels, dilations = ar.per_dim(kernel_shape, n, "kernel"), ar.per_dim(dilation, n, "dilation")
        if padding == "full":   # a textbook word torch does not know: pass the number it means
            padding = tuple(ar.string_padding("full", k, d)[0] for k, d in zip(kernels, dilations))
        pad = padding if isinstance(padding, str) else ar.per_dim(padding, n, "padding")
        return cls(tuple(input_shape), kernels, ar.per_dim(stride, n, "stride"), pad, dilations)

    def run(self, functional, x, w, groups=1):
        conv = {1: functional.conv1d, 2: functional.conv2d}[len(self.input_shape)]
        return conv(x, w, stride=self.stride, padding=self.padding, dilation=self.dilation, groups=groups)

    def probe(self, torch, functional):
        """The output shape torch gives on zeros of these shapes (or the error it raises)."""
        device = _device(_padded(self.input_shape, self.padding), self.kernel_shape)
        x = torch.zeros(1, 1, *self.input_shape, dtype=torch.float64, device=device)
        w = torch.zeros(1, 1, *[max(k, 0) for k in self.kernel_shape], dtype=torch.float64, device=device)
        return tuple(self.run(functional, x, w).shape[2:])

    def batch_values(self, torch, functional, jobs) -> list:
        """Output values of (image, kernel) jobs of these shapes: one grouped conv call."""
        x = torch.tensor([[_floats(image) for image, _ in jobs]], dtype=torch.float64)
        w = torch.tensor([[_floats(kernel)] for _, kernel in jobs], dtype=torch.float64)
        y = self.run(functional, x, w, groups=len(jobs))
        return [y[0, position].tolist() for position in range(len(jobs))]


@dataclass(frozen=True)
class TransposedConv:
    """One conv_transpose2d (conv_transpose1d) as torch sees it."""

    input_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    output_padding: tuple[int, ...]

    @classmethod
    def of(cls, input_shape, kernel_shape, stride=1, padding=0, dilation=1, output_padding=0):
        n = len(input_shape)
        return cls(tuple(input_shape), *(ar.per_dim(v, n, name) for v, name in (
            (kernel_shape, "kernel"), (stride, "stride"), (padding, "padding"), (dilation, "dilation"),
            (output_padding, "output_padding"))))

    def probe(self, torch, functional):
        grown = tuple((i - 1) * max(s, 1) + max(d, 1) * max(k - 1, 0) + max(o, 0) + 1 for i, k, s, d, o in zip(
            self.input_shape, self.kernel_shape, self.stride, self.dilation, self.output_padding))
        device = _device(self.input_shape, grown, self.kernel_shape)
        x = torch.zeros(1, 1, *self.input_shape, dtype=torch.float64, device=device)
        w = torch.zeros(1, 1, *[max(k, 0) for k in self.kernel_shape], dtype=torch.float64, device=device)
        run = {1: functional.conv_transpose1d, 2: functional.conv_transpose2d}[len(self.input_shape)]
        return tuple(run(x, w, stride=self.stride, padding=self.padding, output_padding=self.output_padding,
                         dilation=self.dilation).shape[2:])


@dataclass(frozen=True)
class Pool:
    """One max_pool2d or avg_pool2d (``mode`` max or avg) as torch sees it; stride None is the kernel."""

    mode: str
    input_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]
    stride: tuple[int, ...] | None
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    ceil_mode: bool = False
    count_include_pad: bool = True

    @classmethod
    def of(cls, mode, input_shape, kernel_shape, stride=None, padding=0, dilation=1, ceil_mode=False,
           count_include_pad=True):
        n = len(input_shape)
        return cls(mode, tuple(input_shape), ar.per_dim(kernel_shape, n, "kernel"),
                   None if stride is None else ar.per_dim(stride, n, "stride"), ar.per_dim(padding, n, "padding"),
                   ar.per_dim(dilation, n, "dilation"), bool(ceil_mode), bool(count_include_pad))

    def run(self, functional, x):
        if self.mode == "max":
            return functional.max_pool2d(x, self.kernel_shape, self.stride, self.padding, self.dilation,
                                         ceil_mode=self.ceil_mode)
        if self.dilation != (1,) * len(self.dilation):
            raise AssertionError("avg_pool2d has no dilation")   # a caller bug, never a student configuration
        return functional.avg_pool2d(x, self.kernel_shape, self.stride, self.padding, ceil_mode=self.ceil_mode,
                                     count_include_pad=self.count_include_pad)

    def probe(self, torch, functional):
        device = _device(_padded(self.input_shape, self.padding))
        x = torch.zeros(1, 1, *self.input_shape, dtype=torch.float64, device=device)
        return tuple(self.run(functional, x).shape[2:])

    def batch_values(self, torch, functional, jobs) -> list:
        """Pooled values of (image, None) jobs: one call over a batch of images."""
        x = torch.tensor([[_floats(image)] for image, _ in jobs], dtype=torch.float64)
        y = self.run(functional, x)
        return [y[n, 0].tolist() for n in range(len(jobs))]


@dataclass(frozen=True)
class Outcome:
    """What torch did: an output shape, or the reason code of the error it raised."""

    shape: tuple[int, ...] | None = None
    reason: str | None = None
    message: str | None = None


def reason_of(message: str) -> str:
    for needle, reason in _TORCH_MESSAGES:
        if needle in message:
            return reason
    return "unknown"


def outcome(op) -> Outcome:
    """Run torch on the operation's probe (a Conv, a Pool, ...: anything with ``probe(torch, functional)``)
    and report what it measured (an output shape, or a tuple of counts) or the rejection."""
    torch, functional = load_torch()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns about even kernels with 'same'; not our concern
            measured = op.probe(torch, functional)
    except (RuntimeError, ValueError, ZeroDivisionError) as error:   # nn.Conv2d: a bad groups is a ValueError
        message = str(error).splitlines()[0]
        return Outcome(reason=reason_of(message), message=message)
    return Outcome(shape=tuple(measured))


_OUTCOMES: dict[Conv, Outcome] = {}
OUTCOME_CACHE = 100_000


def outcomes(convs: Sequence[Conv]) -> list[Outcome]:
    """outcome() for many, running each distinct configuration once in a run, and once on this machine's
    torch at all (verdicts.VERDICTS remembers them across runs: torch is not imported when all are known)."""
    wanted = [conv for conv in dict.fromkeys(convs) if conv not in _OUTCOMES]
    known = VERDICTS.get_many([_key("outcome", conv) for conv in wanted])
    for conv in wanted:
        remembered = known.get(_key("outcome", conv))
        if remembered is not None:
            got = Outcome(tuple(remembered[0]) if remembered[0] is not None else None, remembered[1], remembered[2])
        else:
            got = outcome(conv)
            VERDICTS.put(_key("outcome", conv), [got.shape, got.reason, got.message])
        remember(_OUTCOMES, conv, got, OUTCOME_CACHE)
    VERDICTS.save()
    return [_OUTCOMES[conv] if conv in _OUTCOMES else outcome(conv) for conv in convs]


def values(jobs: Sequence[tuple]) -> list[list[list[float]]]:
    """Output values for many (op, image, kernel) jobs; jobs of one op (the same shapes) run as one call, and
    values torch already computed on this machine are not computed again (verdicts.VERDICTS)."""
    keys = [_key("values", op, image, kernel) for op, image, kernel in jobs]
    known = VERDICTS.get_many(keys)
    results: list = [known.get(key) for key in keys]
    missing = [index for index, got in enumerate(results) if got is None]
    if missing:
        torch, functional = load_torch()
        groups: dict = defaultdict(list)
        for index in missing:
            groups[jobs[index][0]].append(index)
        for op, indices in groups.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = op.batch_values(torch, functional, [(jobs[i][1], jobs[i][2]) for i in indices])
            for i, value in zip(indices, got):
                results[i] = value
                VERDICTS.put(keys[i], value)
        VERDICTS.save()
    return results


def _key(kind: str, *parts) -> str:
    """A verdict's key: what was measured, exactly (the probe's fields; a values job's numbers as written)."""
    return kind + "|" + "|".join(repr(_plain(part)) for part in parts)


def _plain(value):
    """Matrices and sequences of Fractions and ints as text that names them exactly (Fraction(1, 3) != 0.333...)."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        return [[str(v) for v in row] for row in value]
    if isinstance(value, list) and value and not isinstance(value[0], str):
        return [str(v) for v in value]
    return value


def _floats(data) -> list:
    """A matrix (or a conv1d's sequence) as floats, for a tensor."""
    return [[float(v) for v in row] if isinstance(row, (list, tuple)) else float(row) for row in data]


@dataclass(frozen=True)
class FlippedConv(Conv):
    """Convolution in the textbook sense: torch's conv2d (conv1d) after torch.flip turns the kernel round."""

    def batch_values(self, torch, functional, jobs) -> list:
        x = torch.tensor([[_floats(image) for image, _ in jobs]], dtype=torch.float64)
        spatial = tuple(range(-len(self.input_shape), 0))
        w = torch.flip(torch.tensor([[_floats(kernel)] for _, kernel in jobs], dtype=torch.float64), dims=spatial)
        y = self.run(functional, x, w, groups=len(jobs))
        return [y[0, position].tolist() for position in range(len(jobs))]


@dataclass(frozen=True)
class ChannelConv:
    """nn.Conv2d (nn.Conv1d) (in_channels, out_channels, ...) on a batch; ``measure`` says what the probe reports:
    output_shape, weight_shape, params (numel of every parameter) or macs (torch's FLOP counter / 2)."""

    measure: str
    batch: int
    in_channels: int
    out_channels: int
    groups: int
    bias: bool
    conv: Conv

    def probe(self, torch, functional):
        c = self.conv
        weight = (self.out_channels, max(self.in_channels // max(self.groups, 1), 1), *c.kernel_shape)
        device = _device(weight, (self.batch, self.in_channels, *_padded(c.input_shape, c.padding)))
        layer_class = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d}[len(c.input_shape)]
        layer = layer_class(self.in_channels, self.out_channels, c.kernel_shape, stride=c.stride,
                                padding=c.padding, dilation=c.dilation, groups=self.groups, bias=self.bias,
                                device=device)
        if self.measure == "weight_shape":
            return tuple(layer.weight.shape)
        if self.measure == "params":
            return (sum(p.numel() for p in layer.parameters()),)
        if self.measure == "macs":
            from torch.utils.flop_counter import FlopCounterMode  # noqa: PLC0415

            with FlopCounterMode(display=False) as counter, torch.no_grad():
                layer(torch.zeros(1, self.in_channels, *c.input_shape, device=device))
            return (counter.get_total_flops() // 2,)   # it counts a multiply-accumulate as two FLOPs
        with torch.no_grad():
            return tuple(layer(torch.zeros(self.batch, self.in_channels, *c.input_shape, device=device)).shape)


@dataclass(frozen=True)
class Stack:
    """A stack of square layers ((kind, kernel, stride, padding, dilation, ceil_mode), kind conv|maxpool|avgpool,
    a conv's padding possibly 'same') on a square input. ``measure``: output_size (run zeros through it) or receptive_field (how far the gradient
    of the first output cell reaches into the input, with ones for weights and no padding)."""

    measure: str
    size: int
    layers: tuple

    def probe(self, torch, functional):
        if self.measure == "output_size":
            widest = self.size + 2 * sum(d * (k - 1) if p == "same" else max(p, 0) for _, k, _, p, d, _ in self.layers)
            device = _device((widest, widest))
            x = torch.zeros(1, 1, self.size, self.size, dtype=torch.float64, device=device)
            return tuple(self._forward(functional, torch, x).shape[2:])
        # One row is enough: the layers are square, so the field is the same along both dimensions (and a
        # row of a million values is cheap where a square of them is not).
        x = torch.zeros(1, 1, self.side(), dtype=torch.float64, requires_grad=True)
        self._forward(functional, torch, x, row=True)[0, 0, 0].backward()
        reached = int(x.grad[0, 0].nonzero().max()) + 1
        return (reached, reached)

    def side(self) -> int:
        """An input wide enough for any window, worked out without the receptive-field formula being tested."""
        return 2 * math.prod(max(s, 1) for _, _, s, _, _, _ in self.layers) * sum(
            d * (k - 1) + 1 for _, k, _, _, d, _ in self.layers) + 1

    def _forward(self, functional, torch, x, row: bool = False):
        """The stack on ``x``: torch's own layers; or, ``row`` (the receptive field), on a row with no
        padding, each layer as a window of ones (the gradient of a max reaches one cell of its window, an
        average's and a convolution's the whole window: the field is the window's reach)."""
        for kind, k, s, p, d, c in self.layers:
            if row:
                x = functional.conv1d(x, torch.ones(1, 1, k, dtype=torch.float64), stride=s, dilation=d)
            elif kind == "conv":
                x = functional.conv2d(x, torch.ones(1, 1, k, k, dtype=torch.float64, device=x.device), stride=s,
                                      padding=p, dilation=d)
            elif kind == "maxpool":
                x = functional.max_pool2d(x, k, s, p, d, ceil_mode=c)
            else:
                x = functional.avg_pool2d(x, k, s, p, ceil_mode=c)
        return x
