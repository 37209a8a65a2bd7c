"""`quizgen solve`: the arithmetic core as a calculator (no torch).

Each operation declares the flags it reads (``OPERATIONS``): what each holds, its default, whether it is
required, and the least value quizgen checks itself. Every flag is checked from those declarations before
anything is computed: a flag the operation does not read is refused, an empty or malformed value is refused,
sizes torch cannot take (an empty input, no channels) are refused; then the arithmetic core applies torch's
own rules in torch's order, so the rejections a user sees are torch's, one line each. Nothing is computed
from a value the user did not give: `params` without `--input` counts the parameters and nothing more.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .arithmetic import conv as ar
from .arithmetic import layers as L
from .arithmetic.conv import shape_text
from .core.errors import QuizgenError


@dataclass(frozen=True)
class Result:
    headline: str      # what the command prints first: 3x3, or a count
    fields: dict       # the --json answer besides the steps
    steps: list


@dataclass(frozen=True)
class Flag:
    """One flag an operation reads. ``kind``: sizes (N or HxW, one per dimension), padding (sizes, or
    same/valid/full where ``words``), count (one integer), switch (present or not), layers (a stack)."""
    kind: str
    help: str
    default: object = None
    required: bool = False
    least: int | None = None        # checked here; None: torch's rule says (in torch's words) what is wrong
    words: tuple = ()

    def allowed(self, ndim: int) -> str:
        shape = "N" if ndim == 1 else "N or HxW"
        least = f" of at least {self.least}" if self.least is not None else ""
        if self.kind == "count":
            return f"an integer{least}"
        if self.kind == "padding" and self.words:
            return f"{shape} with integers{least}, or {', '.join(self.words)}"
        return f"{shape} with integers{least}"


@dataclass(frozen=True)
class Operation:
    run: Callable
    ndim: int
    flags: dict[str, Flag]
    help: str


def _size(help_text, **kwargs) -> Flag:
    return Flag("sizes", help_text, **kwargs)


INPUT = _size("input size", required=True, least=1)          # torch refuses an empty input
KERNEL = _size("kernel size", required=True)
STRIDE = _size("stride", default=1)
DILATION = _size("dilation", default=1)
PADDING = Flag("padding", "zero padding per side", default=0)
CONV_PADDING = Flag("padding", "zero padding per side", default=0, words=ar.PADDING_WORDS)
CHANNELS = {"in_channels": Flag("count", "input channels", default=1, least=1),
            "out_channels": Flag("count", "output channels", default=1, least=1),
            "groups": Flag("count", "groups (they divide both channel counts)", default=1, least=1),
            "no_bias": Flag("switch", "the layer has no bias", default=False)}


def solve(args) -> Result:
    """Check every flag of ``args`` against the operation's declaration, then compute. Raises a
    QuizgenError (one line, naming the flag) for a flag that does not apply or a value not allowed."""
    operation = OPERATIONS[args.op]
    given = {name: value for name, value in vars(args).items() if name in FLAG_NAMES and value not in (None, False)}
    foreign = [name for name in given if name not in operation.flags]
    if foreign:
        reads = ", ".join(_flag(n) for n in operation.flags)
        raise QuizgenError(f"does not apply to {args.op}; allowed: {reads}",
                           field=_flag(foreign[0]))
    values = {}
    for name, flag in operation.flags.items():
        value = given.get(name, getattr(args, name, None))
        if value is None or value is False:
            if flag.required:
                raise QuizgenError(f"{_flag(name)} is required for {args.op}; allowed: {flag.allowed(operation.ndim)}",
                                   field=_flag(name))
            values[name] = flag.default
            continue
        values[name] = _read(name, flag, value, operation.ndim)
    return operation.run(args.op, values)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _read(name: str, flag: Flag, text, ndim: int):
    """A flag's value as the operation takes it, or a QuizgenError saying what is allowed."""
    if flag.kind in ("switch", "layers"):
        return text
    text = str(text).strip()
    if flag.kind == "padding" and text.lower() in flag.words:
        return text.lower()
    if flag.kind == "count":
        values = _integers([text])
        ndim = 1
    else:
        values = _integers(text.lower().replace("×", "x").split("x"))
    if values is None or len(values) not in (1, ndim) or not text:
        raise QuizgenError(f"got {text!r}; allowed: {flag.allowed(ndim)}", field=_flag(name))
    if flag.least is not None and min(values) < flag.least:
        raise QuizgenError(f"got {text!r}; allowed: {flag.allowed(ndim)}", field=_flag(name))
    if flag.kind == "count":
        return values[0]
    return values * ndim if len(values) == 1 else values


def _integers(parts) -> tuple | None:
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        return None


def _shape_result(spec, steps) -> Result:
    return Result(shape_text(spec.output_shape), {"output_shape": list(spec.output_shape)}, steps)


def _conv(op, v) -> Result:
    spec = ar.conv_spec(v["input"], v["kernel"], _dims(v["stride"], op), _padding(v["padding"], op),
                        _dims(v["dilation"], op))
    return _shape_result(spec, ar.shape_steps(spec))


def _dims(value, op) -> tuple:
    """A default (one integer) spread over the operation's dimensions."""
    ndim = OPERATIONS[op].ndim
    return (value,) * ndim if isinstance(value, int) else value


def _padding(value, op):
    return value if isinstance(value, str) else _dims(value, op)


def _transposed(op, v) -> Result:
    spec = L.transposed_spec(v["input"], v["kernel"], *(_dims(v[n], op) for n in
                                                         ("stride", "padding", "dilation", "output_padding")))
    return _shape_result(spec, L.transposed_steps(spec))


def _pool(op, v) -> Result:
    spec = L.pool_spec(v["input"], v["kernel"], v["stride"], _dims(v["padding"], op), _dims(v.get("dilation", 1), op),
                       v["ceil_mode"])
    return _shape_result(spec, L.pool_steps(spec))


def _params(op, v) -> Result:
    """The parameters of nn.Conv2d(in, out, kernel, groups, bias); with --input, also its output shape and
    the multiply-accumulates of one image (nothing is computed from an input not given)."""
    if v["in_channels"] % v["groups"] or v["out_channels"] % v["groups"]:
        raise QuizgenError(f"got {v['groups']}; allowed: groups that divide both --in-channels ({v['in_channels']}) "
                           f"and --out-channels ({v['out_channels']})", field="--groups")
    measured = v["input"] is not None
    conv = ar.conv_spec(v["input"] if measured else v["kernel"], v["kernel"], _dims(v["stride"], op),
                        _padding(v["padding"], op), _dims(v["dilation"], op))
    spec = L.channel_spec(1, v["in_channels"], v["out_channels"], v["groups"], not v["no_bias"], conv)
    fields = {"params": spec.params, "weight_shape": list(spec.weight_shape)}
    steps = L.channel_steps(spec, "params")
    if measured:
        fields.update(output_shape=list(spec.output_shape[1:]), macs=spec.macs)
        steps += [s for s in L.channel_steps(spec, "macs") if s.kind == "macs"]
    return Result(str(spec.params), fields, steps)


def _receptive_field(op, v) -> Result:
    layers = [_layer(text) for text in v["layers"].split(",")]
    for layer in layers:   # each layer on its own must be one torch accepts
        L.stack_sizes(layer.effective_kernel + 2 * layer.padding, [layer])
    steps = L.receptive_steps(layers)
    fields = {"receptive_field": L.receptive_field(layers)}
    if v["input"] is not None:
        sizes = L.stack_sizes(v["input"][0], layers)
        fields["sizes"] = sizes
        steps = steps + L.stack_steps(sizes[0], layers)
    return Result(str(fields["receptive_field"]), fields, steps)


LAYER_FORMAT = "kind:kernel[:stride[:padding[:dilation]]] with kind conv, maxpool or avgpool and integers"


def _layer(text: str) -> L.Layer:
    parts = text.strip().split(":")
    numbers = _integers(parts[1:])
    if parts[0] not in ("conv", "maxpool", "avgpool") or not 2 <= len(parts) <= 5 or numbers is None:
        raise QuizgenError(f"got {text!r}; allowed: {LAYER_FORMAT}", field="--layers")
    kernel = numbers[0]
    stride = numbers[1] if len(numbers) > 1 else (1 if parts[0] == "conv" else kernel)
    padding = numbers[2] if len(numbers) > 2 else 0
    dilation = numbers[3] if len(numbers) > 3 else 1
    if parts[0] == "avgpool" and dilation != 1:
        raise QuizgenError(f"got {text!r}; allowed: avgpool has no dilation", field="--layers")
    return L.Layer(parts[0], kernel, stride, padding, dilation)


_POOL = {"input": INPUT, "kernel": KERNEL, "stride": _size("stride (default: the kernel size)"),
         "padding": PADDING, "ceil_mode": Flag("switch", "ceil instead of floor", default=False)}
OPERATIONS: dict[str, Operation] = {
    "conv2d": Operation(_conv, 2, {"input": INPUT, "kernel": KERNEL, "stride": STRIDE, "padding": CONV_PADDING,
                                   "dilation": DILATION}, "nn.Conv2d's output size"),
    "conv1d": Operation(_conv, 1, {"input": INPUT, "kernel": KERNEL, "stride": STRIDE, "padding": CONV_PADDING,
                                   "dilation": DILATION}, "nn.Conv1d's output length"),
    "conv_transpose2d": Operation(_transposed, 2, {
        "input": INPUT, "kernel": KERNEL, "stride": STRIDE, "padding": PADDING, "dilation": DILATION,
        "output_padding": _size("extra rows/columns on one side of the output", default=0)},
        "nn.ConvTranspose2d's output size"),
    "maxpool2d": Operation(_pool, 2, {**_POOL, "dilation": DILATION}, "nn.MaxPool2d's output size"),
    "avgpool2d": Operation(_pool, 2, _POOL, "nn.AvgPool2d's output size"),
    "params": Operation(_params, 2, {
        "kernel": KERNEL, **CHANNELS, "input": _size("input size: with it, the output shape and MACs", least=1),
        "stride": STRIDE, "padding": CONV_PADDING, "dilation": DILATION},
        "nn.Conv2d's parameters (and, with --input, its output shape and multiply-accumulates)"),
    "receptive-field": Operation(_receptive_field, 1, {
        "layers": Flag("layers", f"the stack: {LAYER_FORMAT}, separated by commas", required=True),
        "input": _size("input size: with it, the size after every layer", least=1)},
        "a stack's receptive field (and, with --input, its sizes)"),
}
FLAG_NAMES = {name for operation in OPERATIONS.values() for name in operation.flags}


def describe() -> str:
    """What each operation reads, for `quizgen solve --help` (written from the declarations above)."""
    lines = ["operations and the flags they read (-- omitted; * required):"]
    for name, operation in OPERATIONS.items():
        flags = ", ".join(f"{n.replace('_', '-')}{'*' if f.required else ''}" for n, f in operation.flags.items())
        lines.append(f"  {name:<17} {operation.help}: {flags}")
    return "\n".join(lines)
