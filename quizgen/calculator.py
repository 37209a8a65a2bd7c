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
    same/valid/full where ``words``), count (one integer), switch (present or not), layers (a stack),
    choice (one of ``words``)."""
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
        if self.kind == "choice":
            return ", ".join(self.words)
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
OUTPUT_PADDING = _size("transposed: extra output positions on one side", default=0)
CONV_PADDING = Flag("padding", "zero padding per side", default=0, words=ar.PADDING_WORDS)
CHANNELS = {"in_channels": Flag("count", "input channels", required=True, least=1),
            "out_channels": Flag("count", "output channels", required=True, least=1),
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
    ndim = operation.ndim
    if "layer" in operation.flags:   # the layer decides how many dimensions the sizes have
        layer = operation.flags["layer"]
        values["layer"] = _read("layer", layer, given["layer"], 1) if "layer" in given else layer.default
        ndim = LAYERS[values["layer"]].ndim
    for name, flag in operation.flags.items():
        if name in values:
            continue
        value = given.get(name, getattr(args, name, None))
        if value is None or value is False:
            if flag.required:
                raise QuizgenError(f"{_flag(name)} is required for {args.op}; allowed: {flag.allowed(ndim)}",
                                   field=_flag(name))
            values[name] = flag.default
            continue
        values[name] = _read(name, flag, value, ndim)
    return operation.run(ndim, values)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _read(name: str, flag: Flag, text, ndim: int):
    """A flag's value as the operation takes it, or a QuizgenError saying what is allowed."""
    if flag.kind in ("switch", "layers"):
        return text
    text = str(text).strip()
    if flag.kind in ("padding", "choice") and text.lower() in flag.words:
        return text.lower()
    if flag.kind == "choice":
        raise QuizgenError(f"got {text!r}; allowed: {flag.allowed(ndim)}", field=_flag(name))
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


def _conv(ndim, v) -> Result:
    spec = _conv_spec(ndim, v, v["input"])
    return _shape_result(spec, ar.shape_steps(spec))


def _conv_spec(ndim, v, input_shape):
    return ar.conv_spec(input_shape, v["kernel"], _dims(v["stride"], ndim), _padding(v["padding"], ndim),
                        _dims(v["dilation"], ndim))


def _dims(value, ndim) -> tuple:
    """A default (one integer) spread over the operation's dimensions."""
    return (value,) * ndim if isinstance(value, int) else value


def _padding(value, ndim):
    return value if isinstance(value, str) else _dims(value, ndim)


def _transposed(ndim, v) -> Result:
    spec = _transposed_spec(ndim, v, v["input"])
    return _shape_result(spec, L.transposed_steps(spec))


def _transposed_spec(ndim, v, input_shape):
    return L.transposed_spec(input_shape, v["kernel"], *(_dims(v[n], ndim) for n in
                                                         ("stride", "padding", "dilation", "output_padding")))


def _pool(ndim, v) -> Result:
    spec = L.pool_spec(v["input"], v["kernel"], v["stride"], _dims(v["padding"], ndim),
                       _dims(v.get("dilation", 1), ndim), v["ceil_mode"])
    return _shape_result(spec, L.pool_steps(spec))


@dataclass(frozen=True)
class LayerKind:
    """A layer `params --layer` counts: torch's class, its dimensions, whether it is transposed."""
    torch_name: str
    ndim: int
    transposed: bool


LAYERS = {"conv2d": LayerKind("nn.Conv2d", 2, False), "conv1d": LayerKind("nn.Conv1d", 1, False),
          "conv_transpose2d": LayerKind("nn.ConvTranspose2d", 2, True),
          "conv_transpose1d": LayerKind("nn.ConvTranspose1d", 1, True)}


def _params(ndim, v) -> Result:
    """The parameters of the layer (nn.Conv2d by default) with in/out channels, kernel, groups and bias; with
    --input, also its output shape and the multiply-accumulates of one input (nothing is computed from an
    input not given). Weight shapes are torch's: (C_out, C_in/g, K...) and, transposed, (C_in, C_out/g, K...)."""
    if v["in_channels"] % v["groups"] or v["out_channels"] % v["groups"]:
        raise QuizgenError(f"got {v['groups']}; allowed: groups that divide both --in-channels ({v['in_channels']}) "
                           f"and --out-channels ({v['out_channels']})", field="--groups")
    layer = LAYERS[v["layer"]]
    measured = v["input"] is not None
    shape_of = _transposed_spec if layer.transposed else _conv_spec
    if not layer.transposed and v["output_padding"] != 0:
        raise QuizgenError(f"does not apply to --layer {v['layer']}; allowed: a transposed layer "
                           f"(conv_transpose2d, conv_transpose1d)", field="--output-padding")
    if layer.transposed and isinstance(v["padding"], str):   # torch: ConvTranspose takes no named padding
        raise QuizgenError(f"got {v['padding']!r}; allowed: {PADDING.allowed(ndim)} "
                           f"({layer.torch_name} takes no named padding)", field="--padding")
    if measured:
        conv = shape_of(ndim, v, v["input"])
    else:   # the kernel alone, as an input of its own size: only its dimensions are read
        conv = ar.conv_spec(v["kernel"], v["kernel"], (1,) * ndim, (0,) * ndim, (1,) * ndim)
    spec = L.channel_spec(1, v["in_channels"], v["out_channels"], v["groups"], not v["no_bias"], conv,
                          transposed=layer.transposed)
    fields = {"params": spec.params, "weight_shape": list(spec.weight_shape)}
    steps = L.channel_steps(spec, "params")
    if measured:
        fields.update(output_shape=list(spec.output_shape[1:]), macs=spec.macs)
        steps += L.channel_steps(spec, "output_shape")
        steps += [s for s in L.channel_steps(spec, "macs") if s.kind == "macs"]
    return Result(str(spec.params), fields, steps)


def _receptive_field(ndim, v) -> Result:
    layers = [_layer(text) for text in v["layers"].split(",")]
    for layer in layers:   # each layer on its own must be one torch accepts
        L.stack_sizes(layer.effective_kernel + 2 * (0 if layer.padding == "same" else layer.padding), [layer])
    steps = L.receptive_steps(layers)
    fields = {"receptive_field": L.receptive_field(layers)}
    if v["input"] is not None:
        sizes = L.stack_sizes(v["input"][0], layers)
        fields["sizes"] = sizes
        steps = steps + L.stack_steps(sizes[0], layers)
    return Result(str(fields["receptive_field"]), fields, steps)


LAYER_FORMAT = ("kind:kernel[:stride[:padding[:dilation]]][:ceil] with kind conv, maxpool or avgpool, integers, "
                "padding 'same' (conv, stride 1) and ceil for a pooling layer's ceil_mode")


def _layer(text: str) -> L.Layer:
    parts = text.strip().split(":")
    ceil_mode = len(parts) > 2 and parts[-1].lower() == "ceil"
    if ceil_mode:
        parts = parts[:-1]
    same = len(parts) > 3 and parts[3].lower() == "same"
    numbers = _integers([p for n, p in enumerate(parts[1:], 1) if not (n == 3 and same)])
    if parts[0] not in ("conv", "maxpool", "avgpool") or not 2 <= len(parts) <= 5 or numbers is None:
        raise QuizgenError(f"got {text!r}; allowed: {LAYER_FORMAT}", field="--layers")
    kernel = numbers[0]
    stride = numbers[1] if len(numbers) > 1 else (1 if parts[0] == "conv" else kernel)
    padding = "same" if same else numbers[2] if len(numbers) > 2 else 0
    dilation = numbers[-1] if len(parts) > 4 else 1
    if parts[0] == "avgpool" and dilation != 1:
        raise QuizgenError(f"got {text!r}; allowed: avgpool has no dilation", field="--layers")
    if ceil_mode and parts[0] == "conv":
        raise QuizgenError(f"got {text!r}; allowed: ceil for maxpool and avgpool layers (a conv has no ceil_mode)",
                           field="--layers")
    if same and (parts[0] != "conv" or stride != 1):
        raise QuizgenError(f"got {text!r}; allowed: padding 'same' on a conv layer with stride 1 (torch refuses "
                           "it otherwise)", field="--layers")
    return L.Layer(parts[0], kernel, stride, padding, dilation, ceil_mode)


_POOL = {"input": INPUT, "kernel": KERNEL, "stride": _size("stride (default: the kernel size)"),
         "padding": PADDING, "ceil_mode": Flag("switch", "ceil instead of floor", default=False)}
OPERATIONS: dict[str, Operation] = {
    "conv2d": Operation(_conv, 2, {"input": INPUT, "kernel": KERNEL, "stride": STRIDE, "padding": CONV_PADDING,
                                   "dilation": DILATION}, "nn.Conv2d's output size"),
    "conv1d": Operation(_conv, 1, {"input": INPUT, "kernel": KERNEL, "stride": STRIDE, "padding": CONV_PADDING,
                                   "dilation": DILATION}, "nn.Conv1d's output length"),
    "conv_transpose2d": Operation(_transposed, 2, {
        "input": INPUT, "kernel": KERNEL, "stride": STRIDE, "padding": PADDING, "dilation": DILATION,
        "output_padding": OUTPUT_PADDING}, "nn.ConvTranspose2d's output size"),
    "conv_transpose1d": Operation(_transposed, 1, {
        "input": INPUT, "kernel": KERNEL, "stride": STRIDE, "padding": PADDING, "dilation": DILATION,
        "output_padding": OUTPUT_PADDING}, "nn.ConvTranspose1d's output length"),
    "maxpool2d": Operation(_pool, 2, {**_POOL, "dilation": DILATION}, "nn.MaxPool2d's output size"),
    "avgpool2d": Operation(_pool, 2, _POOL, "nn.AvgPool2d's output size"),
    "params": Operation(_params, 2, {
        "layer": Flag("choice", "the layer counted (default conv2d)", default="conv2d", words=tuple(LAYERS)),
        "kernel": KERNEL, **CHANNELS, "input": _size("optional: with it, the output shape and MACs", least=1),
        "stride": STRIDE, "padding": CONV_PADDING, "dilation": DILATION,
        "output_padding": OUTPUT_PADDING},
        "a layer's parameters (and, with --input, its output shape and multiply-accumulates)"),
    "receptive-field": Operation(_receptive_field, 1, {
        "layers": Flag("layers", f"the stack: {LAYER_FORMAT}, separated by commas", required=True),
        "input": _size("optional: with it, the size after every layer", least=1)},
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
