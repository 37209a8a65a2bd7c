"""Output size of a transposed convolution (nn.ConvTranspose2d, nn.ConvTranspose1d): stride, padding, dilation,
output_padding."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..arithmetic import layers as L
from ..core.record import Check
from ..generate.reference import TransposedConv
from ..generate.sampling import Config, dim_candidates
from . import QuestionType, register
from .common import draft, shape_mistakes_of, size_answer, torch_call
from .fields import PADDING, conv_fields, dim_space


@dataclass(frozen=True)
class TransposedConfig(Config):
    output_padding: tuple = (0,)

    def reasons(self) -> list[str]:
        return L.transposed_reasons(self.input_shape, self.kernel_shape, self.stride, self.padding, self.dilation,
                                    self.output_padding)

    def spec(self):
        return L.transposed_spec(self.input_shape, self.kernel_shape, self.stride, self.padding, self.dilation,
                                 self.output_padding)

    def params(self) -> dict:
        return {**super().params(), "output_padding": list(self.output_padding)}

    def probe(self) -> TransposedConv:
        return TransposedConv.of(self.input_shape, self.kernel_shape, self.stride, self.padding, self.dilation,
                                 self.output_padding)


@register
class TransposedSize(QuestionType):
    name = "transposed_size"
    summary = ('output size of a transposed convolution: height x width (nn.ConvTranspose2d) or length '
               '(nn.ConvTranspose1d); output_padding')
    fields = {**conv_fields(padding_words=()),
              "output_padding": dim_space(PADDING, "output_padding: extra output positions on one side (rows/columns, "
                                                   "or a sequence's end)")}
    picture = None
    constraint_hint = " (torch requires output_padding smaller than the stride or the dilation)"

    def spaces(self, question, bank):
        spaces = super().spaces(question, bank)
        ndim = self.ndim(question)
        output_padding = (dim_candidates(question.fields["output_padding"], bank, question.path_of("output_padding"),
                                         self.fields["output_padding"].bounds[""], ndim)
                          if "output_padding" in question.fields else [(0,) * ndim])
        return replace(spaces, extras=(("output_padding", output_padding),), make=TransposedConfig)

    def build(self, question, bank, config, content, version, number):
        spec = config.spec()
        answer, mistakes = size_answer(spec, transposed_mistakes(spec))
        built = draft(self, question, config, version, number, answer=answer, steps=L.transposed_steps(spec),
                      checks=[Check(conv=config.probe(), shape=spec.output_shape)], mistakes=mistakes)
        built.context.update(transposed_facts(config))
        return built


def transposed_facts(config) -> dict:
    return {"has_output_padding": any(config.output_padding),
            "output_padding": known_literal(config.output_padding),
            "call": torch_call(f"nn.ConvTranspose{config.ndim}d", 1, 1, kernel_size=known_literal(config.kernel_shape),
                               stride=_unless(config.stride, 1), padding=_unless(config.padding, 0),
                               output_padding=_unless(config.output_padding, 0),
                               dilation=_unless(config.dilation, 1))}


def known_literal(value):
    value = tuple(value)
    return value[0] if len(set(value)) == 1 else value


def _unless(value, default):
    """A keyword argument's value, or None (left out) when it is torch's default."""
    literal = known_literal(value)
    return None if literal == default else literal


def _dim_mistakes(dim: L.TransposedDim) -> dict:
    i, s, p, op, k_eff = dim.size, dim.stride, dim.padding, dim.output_padding, dim.effective_kernel
    out = {"conv_formula": (i + 2 * p - k_eff) // s + 1 if i + 2 * p >= k_eff else 0,
           "input_not_minus_one": i * s - 2 * p + k_eff + op}
    if p:
        out["padding_added"] = (i - 1) * s + 2 * p + k_eff + op
    if s > 1:
        out["no_stride_multiplication"] = (i - 1) - 2 * p + k_eff + op
    if op:
        out["forgot_output_padding"] = dim.output - op
    if dim.dilation > 1:
        out["undilated_kernel"] = dim.output - k_eff + dim.kernel
    return out


def transposed_mistakes(spec) -> list[dict]:
    return shape_mistakes_of(list(spec.output_shape), [_dim_mistakes(d) for d in spec.dims],
                             ("conv_formula", "padding_added", "no_stride_multiplication", "input_not_minus_one",
                              "forgot_output_padding", "undilated_kernel"))
