"""The reference engine: torch computes what a convolution really gives.

torch is imported on first use only: commands that need no tensor values never pay its import.
Work is batched: convolutions that share every shape run as one grouped conv2d call.
"""
from __future__ import annotations

import warnings
from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

from . import arithmetic as ar
from .caches import remember

# torch's own error messages, mapped to the arithmetic core's reason codes.
_TORCH_MESSAGES = (
    ("padding='same' is not supported for strided", ar.SAME_WITH_STRIDE),
    ("negative padding is not supported", ar.NEGATIVE_PADDING),
    ("non-positive stride is not supported", ar.NON_POSITIVE_STRIDE),
    ("kernel size should be greater than zero", ar.NON_POSITIVE_KERNEL),
    ("dilation should be greater than zero", ar.NON_POSITIVE_DILATION),
    ("Kernel size can't be greater than actual input size", ar.KERNEL_TOO_LARGE),
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
        pad = padding if isinstance(padding, str) else ar.per_dim(padding, n, "padding")
        return cls(tuple(input_shape), ar.per_dim(kernel_shape, n, "kernel"), ar.per_dim(stride, n, "stride"),
                   pad, ar.per_dim(dilation, n, "dilation"))

    def run(self, functional, x, w, groups=1):
        conv = {1: functional.conv1d, 2: functional.conv2d}[len(self.input_shape)]
        return conv(x, w, stride=self.stride, padding=self.padding, dilation=self.dilation, groups=groups)


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


def outcome(conv: Conv) -> Outcome:
    """Run torch on zeros of the given shapes and report the output shape or the rejection."""
    torch, functional = load_torch()
    x = torch.zeros(1, 1, *conv.input_shape, dtype=torch.float64)
    w = torch.zeros(1, 1, *[max(k, 0) for k in conv.kernel_shape], dtype=torch.float64)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns about even kernels with 'same'; not our concern
            y = conv.run(functional, x, w)
    except RuntimeError as error:
        message = str(error).splitlines()[0]
        return Outcome(reason=reason_of(message), message=message)
    return Outcome(shape=tuple(y.shape[2:]))


_OUTCOMES: dict[Conv, Outcome] = {}
OUTCOME_CACHE = 100_000


def outcomes(convs: Sequence[Conv]) -> list[Outcome]:
    """outcome() for many, running each distinct configuration once in a run."""
    return [_OUTCOMES[conv] if conv in _OUTCOMES else remember(_OUTCOMES, conv, outcome(conv), OUTCOME_CACHE)
            for conv in convs]


def conv2d_values(jobs: Sequence[tuple[Conv, list, list]]) -> list[list[list[float]]]:
    """Output values for many (conv, image, kernel) jobs; jobs with identical shapes share one grouped call."""
    torch, functional = load_torch()
    groups: dict[Conv, list[int]] = defaultdict(list)
    for index, (conv, _, _) in enumerate(jobs):
        groups[conv].append(index)
    results: list = [None] * len(jobs)
    for conv, indices in groups.items():
        x = torch.tensor([[_floats(jobs[i][1]) for i in indices]], dtype=torch.float64)
        w = torch.tensor([[_floats(jobs[i][2])] for i in indices], dtype=torch.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = conv.run(functional, x, w, groups=len(indices))
        for position, i in enumerate(indices):
            results[i] = y[0, position].tolist()
    return results


def _floats(matrix) -> list[list[float]]:
    return [[float(v) for v in row] for row in matrix]
