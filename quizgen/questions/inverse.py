"""Inverse questions: given the output size, every value of one parameter (input size, kernel, stride,
padding or dilation, among the bank's candidates) that gives it. Graded as a set."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..arithmetic import conv as ar
from ..arithmetic import layers as L
from ..arithmetic.layers import conv_output_or_none
from ..arithmetic.mistakes import distinct_mistakes
from ..core.errors import InvalidConfiguration
from ..core.record import Check
from ..generate.reference import Conv, TransposedConv
from ..generate.sampling import Config, dim_candidates
from . import QuestionType, lab_input, register
from .common import draft
from .fields import PADDING, choice, conv_fields, dim_space

UNKNOWNS = ("input", "kernel", "stride", "padding", "dilation", "output_padding")
SYMBOLS = {"input": "M", "kernel": "K", "stride": "S", "padding": "P", "dilation": "D", "output_padding": "P_out"}


@dataclass(frozen=True)
class InverseConfig(Config):
    """``output_padding`` set: the question is about a transposed convolution, whose output_padding is asked."""
    candidates: tuple = ()
    output_padding: tuple | None = None

    def reasons(self) -> list[str]:
        if self.output_padding is None:
            return super().reasons()
        return L.transposed_reasons(self.input_shape, self.kernel_shape, self.stride, self.padding, self.dilation,
                                    self.output_padding)

    def spec(self):
        if self.output_padding is None:
            return super().spec()
        return L.transposed_spec(self.input_shape, self.kernel_shape, self.stride, self.padding, self.dilation,
                                 self.output_padding)


@register
class Inverse(QuestionType):
    name = "inverse"
    summary = 'every value of one parameter (unknown) that gives the output size: graded as a set'
    fields = {**conv_fields(padding_words=()),
              "unknown": choice(UNKNOWNS, "the parameter asked for; its space lists the candidates (output_padding: "
                                          "of a transposed convolution)"),
              "output_padding": dim_space(PADDING, "output_padding: the candidates, when it is the unknown")}
    picture = None
    constraint_hint = " (an inverse question needs square sizes and integer paddings)"

    def spaces(self, question, bank):
        spaces = super().spaces(question, bank)
        unknown = question.fields.get("unknown", "stride")
        if unknown != "output_padding" and "output_padding" in question.fields:
            raise bank.error(question.path_of("output_padding"), "output_padding belongs to a transposed "
                                                                 "convolution; allowed: with unknown: output_padding")
        if unknown == "output_padding":
            if "output_padding" not in question.fields:
                raise bank.error(question.path_of("unknown"), "the unknown (output_padding) needs its candidates; "
                                                              "allowed: output_padding: a list or a range {min, max}")
        output_paddings = dim_candidates(question.fields["output_padding"], bank, question.path_of("output_padding"),
                                         self.fields["output_padding"].bounds[""], self.ndim(question)) \
            if unknown == "output_padding" else []
        field = {"input": "images", "kernel": "kernels", "stride": "strides", "padding": "paddings",
                 "dilation": "dilations"}.get(unknown)
        values = output_paddings if field is None else getattr(spaces, field)
        if len(values) < 2:
            raise bank.error(question.path_of("image" if unknown == "input" else unknown),
                             f"the unknown ({unknown}) needs several candidates to choose among; allowed: a list or "
                             f"a range {{min, max}}")
        # every version asks among the same candidates: the bank's square values of the unknown
        candidates = tuple(sorted({v[0] for v in values if not isinstance(v, str) and len(set(v)) == 1}))
        if candidates and list(candidates) != list(range(candidates[0], candidates[-1] + 1)):
            # the values that give one output are a run of consecutive integers; among candidates with gaps
            # they need not be, and an LMS asks the run by its smallest and largest value
            raise bank.error(question.path_of("image" if unknown == "input" else unknown),
                             f"the candidates of the unknown ({unknown}) are {', '.join(map(str, candidates))}, "
                             "with gaps; allowed: consecutive integers (a range {min, max} or a list without "
                             "gaps)")
        transposed = (("output_padding", output_paddings),) if unknown == "output_padding" else ()
        return replace(spaces, extras=(("candidates", [candidates]),) + transposed, make=InverseConfig)

    def accepts(self, config, reasons):
        values = (config.input_shape, config.kernel_shape, config.stride, config.padding, config.dilation) + (
            () if config.output_padding is None else (config.output_padding,))
        return all(not isinstance(v, str) and len(set(v)) == 1 for v in values)

    def lab(self, question) -> list[str]:
        """The input only: the layer's unknown parameter is the answer."""
        return [lab_input(question.params)]

    def build(self, question, bank, config, content, version, number):
        unknown = question.fields.get("unknown", "stride")
        known = {"input": config.input_shape[0], "kernel": config.kernel_shape[0], "stride": config.stride[0],
                 "padding": config.padding[0], "dilation": config.dilation[0]}
        transposed = config.output_padding is not None
        if transposed:
            known["output_padding"] = config.output_padding[0]
        candidates = list(config.candidates)
        wanted = config.spec().output_shape[0]
        output_of = _transposed_output if transposed else (lambda a: conv_output_or_none(**_args(a)))
        outputs = {v: output_of({**known, unknown: v}) for v in candidates}
        answer = [v for v in candidates if outputs[v] == wanted]
        checks = [_check({**known, unknown: v}, outputs[v], transposed) for v in candidates]
        steps = inverse_steps(unknown, candidates, outputs, wanted, answer, transposed)
        catalogue = [("one_value_only", [known[unknown]]),
                     ("forgot_plus_one", [v for v in candidates if outputs[v] == wanted - 1]),
                     ("off_by_one", [v for v in candidates if outputs[v] == wanted + 1])]
        if transposed:   # the formula alone, with no regard for torch's rule output_padding < max(S, D)
            formula = {v: _transposed_formula({**known, unknown: v}) for v in candidates}
            catalogue.insert(0, ("output_padding_rule", [v for v in candidates if formula[v] == wanted]))
        mistakes = distinct_mistakes(answer, catalogue, per_dimension=False, admissible=bool)
        built = draft(self, question, config, version, number, answer={"kind": "set", "value": answer},
                      steps=steps, checks=checks, mistakes=mistakes)
        built.params.update(unknown=unknown, candidates=candidates, output=wanted)
        built.context.update(unknown=unknown, output=wanted, low=candidates[0], high=candidates[-1],
                             candidates=", ".join(map(str, candidates)), **{k: v for k, v in known.items()
                                                                           if k != unknown})
        return built

def _transposed_output(values: dict) -> int | None:
    """ConvTranspose's output length, or None where torch refuses the configuration."""
    try:
        return L.transposed_spec((values["input"],), values["kernel"], values["stride"], values["padding"],
                                 values["dilation"], values["output_padding"]).output_shape[0]
    except InvalidConfiguration:
        return None


def _transposed_formula(values: dict) -> int:
    """The transposed formula as written, torch's rules aside: (M − 1)·S − 2·P + D·(K − 1) + P_out + 1."""
    return L.TransposedDim(values["input"], values["kernel"], values["stride"], values["padding"],
                           values["dilation"], values["output_padding"]).output


def _check(values: dict, output, transposed: bool) -> Check:
    """torch's verdict on one candidate: its output length, or the rule it breaks."""
    if transposed:
        probe = TransposedConv.of((values["input"],), values["kernel"], values["stride"], values["padding"],
                                  values["dilation"], values["output_padding"])
        reason = None
        if output is None:
            reason = L.transposed_reasons((values["input"],), values["kernel"], values["stride"], values["padding"],
                                          values["dilation"], values["output_padding"])[0]
        return Check(conv=probe, shape=None if output is None else (output,), reason=reason)
    a = _args(values)
    return Check(conv=Conv.of((a["size"],), a["kernel"], a["stride"], a["padding"], a["dilation"]),
                 shape=None if output is None else (output,), reason=_first_reason(a) if output is None else None)


def _args(values: dict) -> dict:
    return {"size": values["input"], "kernel": values["kernel"], "stride": values["stride"],
            "padding": values["padding"], "dilation": values["dilation"]}


def _first_reason(args: dict) -> str:
    return ar.validity_reasons((args["size"],), args["kernel"], args["stride"], args["padding"], args["dilation"])[0]


def inverse_steps(unknown, candidates, outputs, wanted, answer, transposed=False) -> list[ar.Step]:
    symbol = SYMBOLS[unknown]
    tex_symbol = "P_{out}" if unknown == "output_padding" else symbol
    rejected, tex_rejected, tick, tex_tick = "✗", "\\times", " ✓", " \\checkmark"
    tries = ", ".join(f"{symbol} = {v} → {rejected if outputs[v] is None else outputs[v]}{tick if v in answer else ''}"
                      for v in candidates)
    tex_tries = ",\\ ".join(f"{tex_symbol} = {v} \\to {tex_rejected if outputs[v] is None else outputs[v]}"
                            f"{tex_tick if v in answer else ''}" for v in candidates)
    found = ", ".join(map(str, answer))
    formula = (ar.Step("transposed_formula", "M_new = (M − 1)·S − 2·P + D·(K − 1) + P_out + 1, with P_out < max(S, D)",
                       "M_{new} = (M - 1) S - 2P + D(K - 1) + P_{out} + 1,\\quad P_{out} < \\max(S, D)")
               if transposed else
               ar.Step("formula", "M_new = ⌊(M + 2·P − D·(K − 1) − 1) / S⌋ + 1",
                       "M_{new} = \\left\\lfloor \\frac{M + 2P - D(K - 1) - 1}{S} \\right\\rfloor + 1"))
    return [formula,
            ar.Step("candidates", tries, tex_tries),
            ar.Step("solutions", f"{symbol} ∈ {{{found}}} → M_new = {wanted}", f"{tex_symbol} \\in \\{{{found}\\}}")]

