"""A stack of layers (a small CNN: conv, maxpool, avgpool): the output size through it, or the receptive
field of one output cell. Layers are square; each layer's parameters are drawn from the bank's spaces."""
from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from types import SimpleNamespace

from ..arithmetic import layers as L
from ..arithmetic.conv import shape_text
from ..core.errors import InvalidConfiguration
from ..core.record import Check
from ..generate.reference import Stack
from . import QuestionType, lab_input, register
from .common import draft, scalar_space
from .fields import choice, image, layers_field

ASKS = ("output_size", "receptive_field")
MAX_PROBE = 10_000_000      # values of the row torch measures a receptive field on
KINDS = ("conv", "maxpool", "avgpool")


@dataclass(frozen=True)
class StackConfig:
    size: int
    layers: tuple   # of layers.Layer

    @property
    def input_shape(self) -> tuple:
        return (self.size, self.size)

    def reasons(self) -> list[str]:
        try:
            L.stack_sizes(self.size, self.layers)
        except InvalidConfiguration as error:
            return [error.reason]
        return []

    def spec(self):
        """What the samplers' size constraints read: the final output (every layer's sizes are integers)."""
        out = L.stack_sizes(self.size, self.layers)[-1]
        return SimpleNamespace(output_shape=(out, out), dims=())

    def describe(self) -> str:
        """A configuration's result, for "no configuration meets the constraints" errors."""
        try:
            return f"e.g. image {self.size}x{self.size} gives {shape_text(self.spec().output_shape)}"
        except InvalidConfiguration as error:
            return f"e.g. image {self.size}x{self.size}: {error.message}"

    def params(self) -> dict:
        return {"input_shape": [self.size, self.size],
                "layers": [{"type": layer.kind, "kernel": layer.kernel, "stride": layer.stride,
                            "padding": layer.padding, "dilation": layer.dilation,
                            **({"ceil_mode": True} if layer.ceil_mode else {})} for layer in self.layers]}

    def probe(self, measure: str) -> Stack:
        return Stack(measure, self.size, tuple(layer.torch_args for layer in self.layers))


@dataclass(frozen=True)
class StackSpaces:
    """The sizes to draw from, and per layer its kind and the candidates of each of its parameters."""
    sizes: list
    layers: list    # per layer: (kind, kernels, strides, paddings, dilations, ceil_modes)
    verdicts: dict = field(default_factory=dict, compare=False, repr=False)

    def _lists(self) -> list:
        return [self.sizes] + [c for layer in self.layers for c in layer[1:]]

    def size(self) -> int:
        return math.prod(len(c) for c in self._lists())

    def _config(self, values) -> StackConfig:
        size, rest = values[0], values[1:]
        layers = []
        for n, (kind, *_) in enumerate(self.layers):
            kernel, stride, padding, dilation, ceil_mode = rest[5 * n:5 * n + 5]
            layers.append(L.Layer(kind, kernel, kernel if stride is None else stride, padding, dilation, ceil_mode))
        return StackConfig(size, tuple(layers))

    def draw(self, rng: random.Random) -> StackConfig:
        return self._config([rng.choice(c) for c in self._lists()])

    def every(self):
        for values in itertools.product(*self._lists()):
            yield self._config(values)


@register
class StackQuestion(QuestionType):
    name = "stack"
    summary = 'a stack of conv/pool layers: the output size or the receptive field (ask)'
    fields = {"image": image(), "layers": layers_field(), "ask": choice(ASKS, "what it asks")}
    picture = None
    constraint_hint = " (every layer must accept the size the layer before gives it)"

    def spaces(self, question, bank):
        sizes = [h for h, w in _image_sizes(question, bank, self.fields["image"].bounds["size"])]
        bounds = self.fields["layers"].bounds
        layers = []
        for n, layer in enumerate(question.fields.get("layers", [])):
            path = question.path_of("layers") + (n,)
            kind = layer["type"]
            kernels, strides, paddings, dilations = (
                # pooling's default stride is its kernel: None here, resolved per draw
                scalar_space(question, bank, name, default, inside=layer, path=path, bounds=bounds[f"*.{name}"])
                for name, default in (("kernel", None), ("stride", 1 if kind == "conv" else None), ("padding", 0),
                                      ("dilation", 1)))
            if kind == "avgpool" and dilations != [1]:
                raise bank.error(path + ("dilation",), "AvgPool2d has no dilation; allowed: 1 (or leave it out)")
            ceil_modes = scalar_space(question, bank, "ceil_mode", False, inside=layer, path=path)
            if kind == "conv" and ceil_modes != [False]:
                raise bank.error(path + ("ceil_mode",), "a conv layer has no ceil_mode; allowed: ceil_mode on "
                                                        "maxpool and avgpool layers")
            if "same" in paddings and (kind != "conv" or strides != [1]):
                raise bank.error(path + ("padding",), "padding 'same' is for a conv layer with stride 1 (torch "
                                                      "refuses it otherwise); allowed: an integer here")
            layers.append((kind, kernels, strides, paddings, dilations, ceil_modes))
        if not layers:
            raise bank.error(question.path, "a stack question needs layers; allowed: a list of {type: conv|maxpool|"
                                            "avgpool, kernel, stride, padding, dilation}")
        if question.fields.get("ask", "output_size") == "receptive_field":
            widest = Stack("receptive_field", 1, tuple(
                (kind, max(k), max(s if s != [None] else k), 0, max(d), False) for kind, k, s, _, d, _ in layers)).side()
            if widest > MAX_PROBE:
                raise bank.error(question.path_of("layers"), f"torch would need a row of {widest} values to "
                                                             f"measure this stack's receptive field; allowed: "
                                                             f"stacks it can measure (at most {MAX_PROBE})")
        return StackSpaces(sizes, layers)

    def lab(self, question) -> list[str]:
        """The input and the layers, in order, as one nn.Sequential."""
        return [lab_input(question.params), "layer = nn.Sequential(",
                *(f"    {call}," for call in question.context["layers"]), ")"]

    def build(self, question, bank, config, content, version, number):
        ask = question.fields.get("ask", "output_size")
        if ask == "receptive_field":
            field_size = L.receptive_field(config.layers)
            answer = {"kind": "number", "value": field_size}
            steps, measured = L.receptive_steps(config.layers), (field_size, field_size)
        else:
            out = L.stack_sizes(config.size, config.layers)[-1]
            answer = {"kind": "shape", "value": [out, out]}
            steps, measured = L.stack_steps(config.size, config.layers), (out, out)
        mistakes = L.stack_mistakes(config.size, config.layers, ask)
        if ask == "output_size":
            mistakes = [{**m, "value": [m["value"]] * 2, "per_dimension": True} for m in mistakes]
        built = draft(self, question, config, version, number, answer=answer, steps=steps,
                      checks=[Check(conv=config.probe(ask), shape=measured)], mistakes=mistakes)
        built.context.update(ask=ask)
        return built

    def facts(self, config) -> dict:
        return {"square": True, "input": f"{config.size}×{config.size}", "size": config.size,
                "layers": [self.layer_call(layer) for layer in config.layers],
                "default_stride": any(l.kind != "conv" and l.stride == l.kernel for l in config.layers)}

    @staticmethod
    def layer_call(layer) -> str:
        name = {"conv": "nn.Conv2d(1, 1, ", "maxpool": "nn.MaxPool2d(", "avgpool": "nn.AvgPool2d("}[layer.kind]
        args = [f"kernel_size={layer.kernel}"]
        if layer.stride != (1 if layer.kind == "conv" else layer.kernel):
            args.append(f"stride={layer.stride}")
        if layer.padding:
            args.append(f"padding={layer.padding!r}")
        if layer.dilation != 1:
            args.append(f"dilation={layer.dilation}")
        if layer.ceil_mode:
            args.append("ceil_mode=True")
        return name + ", ".join(args) + ")"


def _image_sizes(question, bank, bounds) -> list:
    from ..generate.sampling import dim_candidates  # noqa: PLC0415

    image = question.fields.get("image", {})
    if "size" not in image:
        raise bank.error(question.path_of("image"), "image.size is missing; allowed: a size (square)")
    sizes = dim_candidates(image["size"], bank, question.path_of("image") + ("size",), bounds)
    if any(h != w for h, w in sizes):
        raise bank.error(question.path_of("image") + ("size",), "a stack question's image is square; allowed: "
                                                                "one integer per size")
    return sizes
