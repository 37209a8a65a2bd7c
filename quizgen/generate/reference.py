"""The reference engine: torch computes what a convolution really gives.

torch is imported on first use only: commands that need no tensor values never pay its import.
Work is batched: convolutions that share every shape run as one grouped conv2d call.
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
        x = torch.zeros(1, 1, *self.input_shape, dtype=torch.float64)
        w = torch.zeros(1, 1, *[max(k, 0) for k in self.kernel_shape], dtype=torch.float64)
        return tuple(self.run(functional, x, w).shape[2:])

    def batch_values(self, torch, functional, jobs) -> list:
        """Output values of (image, kernel) jobs of these shapes: one grouped conv call."""
        x = torch.tensor([[_floats(image) for image, _ in jobs]], dtype=torch.float64)
        w = torch.tensor([[_floats(kernel)] for _, kernel in jobs], dtype=torch.float64)
        y = self.run(functional, x, w, groups=len(jobs))
        return [y[0, position].tolist() for position in range(len(jobs))]


@dataclass(frozen=True)
class TransposedConv:
    """One conv_transpose2d as torch sees it."""

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
        x = torch.zeros(1, 1, *self.input_shape, dtype=torch.float64)
        w = torch.zeros(1, 1, *[max(k, 0) for k in self.kernel_shape], dtype=torch.float64)
        return tuple(functional.conv_transpose2d(x, w, stride=self.stride, padding=self.padding,
                                                 output_padding=self.output_padding,
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

    @classmethod
    def of(cls, mode, input_shape, kernel_shape, stride=None, padding=0, dilation=1, ceil_mode=False):
        n = len(input_shape)
        return cls(mode, tuple(input_shape), ar.per_dim(kernel_shape, n, "kernel"),
                   None if stride is None else ar.per_dim(stride, n, "stride"), ar.per_dim(padding, n, "padding"),
                   ar.per_dim(dilation, n, "dilation"), bool(ceil_mode))

    def run(self, functional, x):
        if self.mode == "max":
            return functional.max_pool2d(x, self.kernel_shape, self.stride, self.padding, self.dilation,
                                         ceil_mode=self.ceil_mode)
        if self.dilation != (1,) * len(self.dilation):
            raise AssertionError("avg_pool2d has no dilation")   # a caller bug, never a student configuration
        return functional.avg_pool2d(x, self.kernel_shape, self.stride, self.padding, ceil_mode=self.ceil_mode)

    def probe(self, torch, functional):
        return tuple(self.run(functional, torch.zeros(1, 1, *self.input_shape, dtype=torch.float64)).shape[2:])

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
    except (RuntimeError, ValueError) as error:   # nn.Conv2d says a bad groups with a ValueError
        message = str(error).splitlines()[0]
        return Outcome(reason=reason_of(message), message=message)
    return Outcome(shape=tuple(measured))


_OUTCOMES: dict[Conv, Outcome] = {}
OUTCOME_CACHE = 100_000


def outcomes(convs: Sequence[Conv]) -> list[Outcome]:
    """outcome() for many, running each distinct configuration once in a run."""
    return [_OUTCOMES[conv] if conv in _OUTCOMES else remember(_OUTCOMES, conv, outcome(conv), OUTCOME_CACHE)
            for conv in convs]


def values(jobs: Sequence[tuple]) -> list[list[list[float]]]:
    """Output values for many (op, image, kernel) jobs; jobs of one op (the same shapes) run as one call."""
    torch, functional = load_torch()
    groups: dict = defaultdict(list)
    for index, (op, _, _) in enumerate(jobs):
        groups[op].append(index)
    results: list = [None] * len(jobs)
    for op, indices in groups.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = op.batch_values(torch, functional, [(jobs[i][1], jobs[i][2]) for i in indices])
        for i, value in zip(indices, got):
            results[i] = value
    return results



def _floats(matrix) -> list[list[float]]:
    return [[float(v) for v in row] for row in matrix]


@dataclass(frozen=True)
class FlippedConv(Conv):
    """Convolution in the textbook sense: torch's conv2d after torch.flip turns the kernel round."""

    def batch_values(self, torch, functional, jobs) -> list:
        x = torch.tensor([[_floats(image) for image, _ in jobs]], dtype=torch.float64)
        w = torch.flip(torch.tensor([[_floats(kernel)] for _, kernel in jobs], dtype=torch.float64), dims=(-2, -1))
        y = self.run(functional, x, w, groups=len(jobs))
        return [y[0, position].tolist() for position in range(len(jobs))]


@dataclass(frozen=True)
class ChannelConv:
    """nn.Conv2d(in_channels, out_channels, ...) on a batch; ``measure`` says what the probe reports:
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
        layer = torch.nn.Conv2d(self.in_channels, self.out_channels, c.kernel_shape, stride=c.stride,
                                padding=c.padding, dilation=c.dilation, groups=self.groups, bias=self.bias)
        if self.measure == "weight_shape":
            return tuple(layer.weight.shape)
        if self.measure == "params":
            return (sum(p.numel() for p in layer.parameters()),)
        if self.measure == "macs":
            from torch.utils.flop_counter import FlopCounterMode  # noqa: PLC0415

            with FlopCounterMode(display=False) as counter, torch.no_grad():
                layer(torch.zeros(1, self.in_channels, *c.input_shape))
            return (counter.get_total_flops() // 2,)   # it counts a multiply-accumulate as two FLOPs
        with torch.no_grad():
            return tuple(layer(torch.zeros(self.batch, self.in_channels, *c.input_shape)).shape)


@dataclass(frozen=True)
class Stack:
    """A stack of square layers ((kind, kernel, stride, padding, dilation), kind conv|maxpool|avgpool) on a
    square input. ``measure``: output_size (run zeros through it) or receptive_field (how far the gradient
    of the first output cell reaches into the input, with ones for weights and no padding)."""

    measure: str
    size: int
    layers: tuple

    def probe(self, torch, functional):
        if self.measure == "output_size":
            x = torch.zeros(1, 1, self.size, self.size, dtype=torch.float64)
            return tuple(self._forward(functional, torch, x, padded=True).shape[2:])
        # Wide enough for any window, worked out without the receptive-field formula being tested.
        side = 2 * math.prod(max(s, 1) for _, _, s, _, _ in self.layers) * sum(
            d * (k - 1) + 1 for _, k, _, _, d in self.layers) + 1
        x = torch.zeros(1, 1, side, side, dtype=torch.float64, requires_grad=True)
        self._forward(functional, torch, x, padded=False)[0, 0, 0, 0].backward()
        reached = x.grad[0, 0].nonzero()
        return tuple(int(v) + 1 for v in reached.max(dim=0).values)

    def _forward(self, functional, torch, x, padded: bool):
        for kind, k, s, p, d in self.layers:
            p = p if padded else 0
            if kind == "conv":
                x = functional.conv2d(x, torch.ones(1, 1, k, k, dtype=torch.float64), stride=s, padding=p, dilation=d)
            elif kind == "maxpool" and padded:
                x = functional.max_pool2d(x, k, s, p, d)
            else:   # the gradient of a max reaches one cell; an average's reaches the whole window
                x = functional.avg_pool2d(x, k, s, p) if d == 1 else functional.conv2d(
                    x, torch.ones(1, 1, k, k, dtype=torch.float64) / (k * k), stride=s, dilation=d)
        return x
