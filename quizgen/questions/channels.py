"""Channels of nn.Conv2d(C_in, C_out, ...) (and nn.Conv1d): the output tensor's shape (N, C_out, H, W), the weight's shape,
the parameter count (with or without bias, with groups) and the multiply-accumulates of one image."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..arithmetic import layers as L
from ..core.errors import InvalidConfiguration
from ..core.record import Check
from ..generate.reference import ChannelConv, Conv
from ..generate.sampling import Config
from . import QuestionType, lab_input, register
from .common import draft, scalar_space, torch_call
from .fields import channels_field, choice, conv_fields
from .transposed_size import _unless, known_literal

ASKS = ("output_shape", "weight_shape", "params", "macs")


@dataclass(frozen=True)
class ChannelConfig(Config):
    batch: int = 1
    in_channels: int = 1
    out_channels: int = 1
    groups: int = 1
    bias: bool = True

    def reasons(self) -> list[str]:
        reasons = super().reasons()
        if self.in_channels % self.groups or self.out_channels % self.groups:
            reasons.append(L.GROUPS_DIVIDE)
        return reasons

    def channel_spec(self) -> L.ChannelSpec:
        return L.channel_spec(self.batch, self.in_channels, self.out_channels, self.groups, self.bias, self.spec())

    def params(self) -> dict:
        return {**super().params(), "batch": self.batch, "in_channels": self.in_channels,
                "out_channels": self.out_channels, "groups": self.groups, "bias": self.bias}

    def probe(self, measure: str) -> ChannelConv:
        return ChannelConv(measure, self.batch, self.in_channels, self.out_channels, self.groups, self.bias,
                           Conv.of(self.input_shape, self.kernel_shape, self.stride, self.padding, self.dilation))


@register
class Channels(QuestionType):
    name = "channels"
    summary = ('nn.Conv2d (or nn.Conv1d) with channels: output shape (N, C, H, W), weight shape, parameter count or '
               'MACs (ask)')
    fields = {**conv_fields(), "channels": channels_field(), "ask": choice(ASKS, "what it asks")}
    picture = None
    constraint_hint = " (groups must divide both channel counts)"

    def spaces(self, question, bank):
        spaces = super().spaces(question, bank)
        given = question.fields.get("channels", {})
        path = question.path_of("channels")
        bounds = self.fields["channels"].bounds
        extras = tuple((name, scalar_space(question, bank, name, default, inside=given, path=path,
                                           bounds=bounds.get(name)))
                       for name, default in (("batch", 1), ("in", 1), ("out", 1), ("groups", 1), ("bias", True)))
        return replace(spaces, extras=extras, make=ChannelConfig)

    def lab(self, question) -> list[str]:
        """The batch (its size and channels as the question gives them) and the layer."""
        params = question.params
        return [lab_input(params, params["batch"], params["in_channels"]), f"layer = {question.context['call']}"]

    def build(self, question, bank, config, content, version, number):
        ask = question.fields.get("ask", "output_shape")
        try:
            spec = config.channel_spec()
        except InvalidConfiguration as error:   # the sampler's constraints keep these out
            raise AssertionError(error.message) from None
        value = {"output_shape": spec.output_shape, "weight_shape": spec.weight_shape, "params": spec.params,
                 "macs": spec.macs}[ask]
        measured = value if isinstance(value, tuple) else (value,)
        built = draft(self, question, config, version, number,
                      answer={"kind": "tensor_shape" if isinstance(value, tuple) else "number",
                              "value": list(value) if isinstance(value, tuple) else value},
                      steps=L.channel_steps(spec, ask), checks=[Check(conv=config.probe(ask), shape=measured)],
                      mistakes=L.channel_mistakes(spec, ask))
        built.context.update(ask=ask, **self.channel_facts(config))
        return built

    @staticmethod
    def channel_facts(config) -> dict:
        padding = config.padding
        if padding == "full":
            padding = tuple(k - 1 + (d - 1) * (k - 1) for k, d in zip(config.kernel_shape, config.dilation))
        return {"batch": config.batch, "in_channels": config.in_channels, "out_channels": config.out_channels,
                "groups": config.groups, "bias": config.bias,
                "call": torch_call(f"nn.Conv{config.ndim}d", config.in_channels, config.out_channels,
                                   kernel_size=known_literal(config.kernel_shape), stride=_unless(config.stride, 1),
                                   padding=padding if isinstance(padding, str) else _unless(padding, 0),
                                   dilation=_unless(config.dilation, 1), groups=_unless((config.groups,), 1),
                                   bias=None if config.bias else False)}
