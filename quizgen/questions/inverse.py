"""Inverse questions: given the output size, every value of one parameter (input size, kernel, stride,
padding or dilation, among the bank's candidates) that gives it. Graded as a set."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..arithmetic import conv as ar
from ..arithmetic.layers import conv_output_or_none
from ..arithmetic.mistakes import distinct_mistakes
from ..core.record import Check
from ..generate.reference import Conv
from ..generate.sampling import Config
from . import QuestionType, register
from .common import draft
from .fields import choice, conv_fields

UNKNOWNS = ("input", "kernel", "stride", "padding", "dilation")
SYMBOLS = {"input": "M", "kernel": "K", "stride": "S", "padding": "P", "dilation": "D"}


@dataclass(frozen=True)
class InverseConfig(Config):
    candidates: tuple = ()


@register
class Inverse(QuestionType):
    name = "inverse"
    summary = 'every value of one parameter (unknown) that gives the output size: graded as a set'
    fields = {**conv_fields(padding_words=()), "unknown": choice(UNKNOWNS, "the parameter asked for; its space lists the candidates")}
    picture = None
    constraint_hint = " (an inverse question needs square sizes and integer paddings)"

    def spaces(self, question, bank):
        spaces = super().spaces(question, bank)
        unknown = question.fields.get("unknown", "stride")
        field = {"input": "images", "kernel": "kernels", "stride": "strides", "padding": "paddings",
                 "dilation": "dilations"}[unknown]
        if len(getattr(spaces, field)) < 2:
            raise bank.error(question.path_of("image" if unknown == "input" else unknown),
                             f"the unknown ({unknown}) needs several candidates to choose among; allowed: a list or "
                             f"a range {{min, max}}")
        # every version asks among the same candidates: the bank's square values of the unknown
        candidates = tuple(sorted({v[0] for v in getattr(spaces, field) if not isinstance(v, str) and len(set(v)) == 1}))
        if candidates and list(candidates) != list(range(candidates[0], candidates[-1] + 1)):
            # the values that give one output are a run of consecutive integers; among candidates with gaps
            # they need not be, and an LMS asks the run by its smallest and largest value
            raise bank.error(question.path_of("image" if unknown == "input" else unknown),
                             f"the candidates of the unknown ({unknown}) are {', '.join(map(str, candidates))}, "
                             "with gaps; allowed: consecutive integers (a range {min, max} or a list without "
                             "gaps)")
        return replace(spaces, extras=(("candidates", [candidates]),), make=InverseConfig)

    def accepts(self, config, reasons):
        values = (config.input_shape, config.kernel_shape, config.stride, config.padding, config.dilation)
        return all(not isinstance(v, str) and len(set(v)) == 1 for v in values)

    def build(self, question, bank, config, content, version, number):
        unknown = question.fields.get("unknown", "stride")
        known = {"input": config.input_shape[0], "kernel": config.kernel_shape[0], "stride": config.stride[0],
                 "padding": config.padding[0], "dilation": config.dilation[0]}
        candidates = list(config.candidates)
        wanted = config.spec().output_shape[0]
        outputs = {v: conv_output_or_none(**_args({**known, unknown: v})) for v in candidates}
        answer = [v for v in candidates if outputs[v] == wanted]
        checks = [Check(conv=Conv.of((a["size"],), a["kernel"], a["stride"], a["padding"], a["dilation"]),
                        shape=None if outputs[v] is None else (outputs[v],),
                        reason=_first_reason(a) if outputs[v] is None else None)
                  for v in candidates for a in [_args({**known, unknown: v})]]
        steps = inverse_steps(unknown, candidates, outputs, wanted, answer)
        catalogue = [("one_value_only", [known[unknown]]),
                     ("forgot_plus_one", [v for v in candidates if outputs[v] == wanted - 1]),
                     ("off_by_one", [v for v in candidates if outputs[v] == wanted + 1])]
        mistakes = distinct_mistakes(answer, catalogue, per_dimension=False, admissible=bool)
        built = draft(self, question, config, version, number, answer={"kind": "set", "value": answer},
                      steps=steps, checks=checks, mistakes=mistakes)
        built.params.update(unknown=unknown, candidates=candidates, output=wanted)
        built.context.update(unknown=unknown, output=wanted, low=candidates[0], high=candidates[-1],
                             candidates=", ".join(map(str, candidates)), **{k: v for k, v in known.items()
                                                                           if k != unknown})
        return built

def _args(values: dict) -> dict:
    return {"size": values["input"], "kernel": values["kernel"], "stride": values["stride"],
            "padding": values["padding"], "dilation": values["dilation"]}


def _first_reason(args: dict) -> str:
    return ar.validity_reasons((args["size"],), args["kernel"], args["stride"], args["padding"], args["dilation"])[0]


def inverse_steps(unknown, candidates, outputs, wanted, answer) -> list[ar.Step]:
    symbol = SYMBOLS[unknown]
    rejected, tex_rejected, tick, tex_tick = "✗", "\\times", " ✓", " \\checkmark"
    tries = ", ".join(f"{symbol} = {v} → {rejected if outputs[v] is None else outputs[v]}{tick if v in answer else ''}"
                      for v in candidates)
    tex_tries = ",\\ ".join(f"{symbol} = {v} \\to {tex_rejected if outputs[v] is None else outputs[v]}"
                            f"{tex_tick if v in answer else ''}" for v in candidates)
    found = ", ".join(map(str, answer))
    return [ar.Step("formula", "M_new = ⌊(M + 2·P − D·(K − 1) − 1) / S⌋ + 1",
                    "M_{new} = \\left\\lfloor \\frac{M + 2P - D(K - 1) - 1}{S} \\right\\rfloor + 1"),
            ar.Step("candidates", tries, tex_tries),
            ar.Step("solutions", f"{symbol} ∈ {{{found}}} → M_new = {wanted}", f"{symbol} \\in \\{{{found}\\}}")]

