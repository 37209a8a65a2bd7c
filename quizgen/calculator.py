"""`quizgen solve`: the arithmetic core as a calculator (no torch). Each operation reads its flags, checks
them like torch would (the same rejections, one line each) and returns the answer with its worked steps."""
from __future__ import annotations

from dataclasses import dataclass

from .arithmetic import conv as ar
from .arithmetic import layers as L
from .core.errors import QuizgenError


@dataclass(frozen=True)
class Result:
    headline: str      # what the command prints first: 3x3, or a count
    fields: dict       # the --json answer besides the steps
    steps: list


def solve(args) -> Result:
    return OPERATIONS[args.op](args)


def _dims(text, ndim: int, name: str) -> tuple[int, ...]:
    parts = str(text).lower().replace("×", "x").split("x")
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) not in (1, ndim):
        shape = "N" if ndim == 1 else "N or HxW"
        raise QuizgenError(f"got {text!r}; allowed: {shape} with integers", field=f"--{name.replace('_', '-')}")
    return values * ndim if len(values) == 1 else values


def _required(args, *names):
    for name in names:
        if getattr(args, name) is None:
            raise QuizgenError(f"--{name} is required for {args.op}; allowed: N or HxW with integers",
                               field=f"--{name}")


def _shape_result(spec, steps) -> Result:
    return Result("x".join(map(str, spec.output_shape)), {"output_shape": list(spec.output_shape)}, steps)


def _conv(args) -> Result:
    _required(args, "input", "kernel")
    ndim = 2 if args.op == "conv2d" else 1
    sizes = {name: _dims(getattr(args, name) or "1", ndim, name) for name in ("input", "kernel", "stride", "dilation")}
    padding = args.padding if args.padding in ar.PADDING_WORDS else _dims(args.padding, ndim, "padding")
    spec = ar.conv_spec(sizes["input"], sizes["kernel"], sizes["stride"], padding, sizes["dilation"])
    return _shape_result(spec, ar.shape_steps(spec))


def _transposed(args) -> Result:
    _required(args, "input", "kernel")
    values = [_dims(getattr(args, name) or default, 2, name) for name, default in (
        ("input", None), ("kernel", None), ("stride", "1"), ("padding", "0"), ("dilation", "1"),
        ("output_padding", "0"))]
    spec = L.transposed_spec(*values)
    return _shape_result(spec, L.transposed_steps(spec))


def _pool(args) -> Result:
    _required(args, "input", "kernel")
    if args.op == "avgpool2d" and args.dilation not in ("1", "1x1"):
        raise QuizgenError(f"got {args.dilation!r}; allowed: avgpool2d has no dilation (1)", field="--dilation")
    stride = None if args.stride is None else _dims(args.stride, 2, "stride")
    spec = L.pool_spec(_dims(args.input, 2, "input"), _dims(args.kernel, 2, "kernel"), stride,
                       _dims(args.padding, 2, "padding"), _dims(args.dilation, 2, "dilation"), args.ceil_mode)
    return _shape_result(spec, L.pool_steps(spec))


def _params(args) -> Result:
    _required(args, "kernel")
    args.input = args.input or args.kernel   # the count needs no input; MACs do
    conv = _conv_spec_2d(args)
    spec = L.channel_spec(1, args.in_channels, args.out_channels, args.groups, not args.no_bias, conv)
    steps = L.channel_steps(spec, "params") + [s for s in L.channel_steps(spec, "macs") if s.kind == "macs"]
    return Result(str(spec.params), {"params": spec.params, "weight_shape": list(spec.weight_shape),
                                     "output_shape": list(spec.output_shape[1:]), "macs": spec.macs}, steps)


def _conv_spec_2d(args):
    padding = args.padding if args.padding in ar.PADDING_WORDS else _dims(args.padding, 2, "padding")
    return ar.conv_spec(_dims(args.input, 2, "input"), _dims(args.kernel, 2, "kernel"),
                        _dims(args.stride or "1", 2, "stride"), padding, _dims(args.dilation, 2, "dilation"))


def _receptive_field(args) -> Result:
    if not args.layers:
        raise QuizgenError("--layers is required; allowed: kind:kernel[:stride[:padding[:dilation]]], comma "
                           "separated, e.g. conv:3,conv:3:2,maxpool:2", field="--layers")
    layers = [_layer(text) for text in args.layers.split(",")]
    for layer in layers:   # each layer on its own must be one torch accepts
        L.stack_sizes(layer.effective_kernel + 2 * layer.padding, [layer])
    steps = L.receptive_steps(layers)
    fields = {"receptive_field": L.receptive_field(layers)}
    if args.input:
        sizes = L.stack_sizes(_dims(args.input, 1, "input")[0], layers)
        fields["sizes"] = sizes
        steps = steps + L.stack_steps(sizes[0], layers)
    return Result(str(fields["receptive_field"]), fields, steps)


def _layer(text: str) -> L.Layer:
    parts = text.strip().split(":")
    allowed = "kind:kernel[:stride[:padding[:dilation]]] with kind conv, maxpool or avgpool and integers"
    if parts[0] not in ("conv", "maxpool", "avgpool") or not 2 <= len(parts) <= 5:
        raise QuizgenError(f"got {text!r}; allowed: {allowed}", field="--layers")
    try:
        numbers = [int(p) for p in parts[1:]]
    except ValueError:
        raise QuizgenError(f"got {text!r}; allowed: {allowed}", field="--layers") from None
    kernel = numbers[0]
    stride = numbers[1] if len(numbers) > 1 else (1 if parts[0] == "conv" else kernel)
    padding = numbers[2] if len(numbers) > 2 else 0
    dilation = numbers[3] if len(numbers) > 3 else 1
    if parts[0] == "avgpool" and dilation != 1:
        raise QuizgenError(f"got {text!r}; allowed: avgpool has no dilation", field="--layers")
    return L.Layer(parts[0], kernel, stride, padding, dilation)


OPERATIONS = {"conv2d": _conv, "conv1d": _conv, "conv_transpose2d": _transposed, "maxpool2d": _pool,
              "avgpool2d": _pool, "params": _params, "receptive-field": _receptive_field}
