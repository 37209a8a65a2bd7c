"""Is this configuration valid for torch, and if not, which rule does it break?"""
from __future__ import annotations

from ..arithmetic import conv as ar
from . import QuestionType, lab_input, register
from .common import draft, shape_check
from .fields import RULES, Bounds, conv_fields

OPTIONS = ("valid",) + ar.REASONS
LETTERS = "abcdefghij"


@register
class Validity(QuestionType):
    name = "validity"
    summary = 'is this configuration valid for torch, and if not, which rule it breaks'
    fields = conv_fields(Bounds(1, RULES.most), kernel_size=RULES, stride=RULES, padding=RULES, dilation=RULES)
    default_valid = None   # draw valid and invalid configurations alike
    picture = None
    constraint_hint = " (a validity question needs configurations that break at most one rule)"

    def accepts(self, config, reasons):
        # One reason, so the answer is unambiguous. And not 'same' with a zero kernel or a non-positive
        # dilation: torch derives a negative padding from them and its error names the wrong rule.
        same_artifact = config.padding == "same" and (min(config.kernel_shape) <= 0 or min(config.dilation) <= 0)
        return len(reasons) <= 1 and not same_artifact

    def lab(self, question) -> list[str]:
        """The input, and the layer in a comment: torch may refuse it (that is the question), and the notebook
        must run top to bottom."""
        return [lab_input(question.params), f"# layer = {question.context['call']}"]

    def build(self, question, bank, config, content, version, number):
        reasons = config.reasons()
        code = reasons[0] if reasons else "valid"
        if reasons:
            steps, checks = [rule_step(config, code)], [shape_check(config, reason=code)]
        else:
            spec = config.spec()
            steps, checks = ar.shape_steps(spec), [shape_check(config, shape=spec.output_shape)]
        return draft(self, question, config, version, number,
                     answer={"kind": "choice", "value": code,
                             "letter": LETTERS[OPTIONS.index(code)],
                             "options": [{"letter": LETTERS[i], "code": c} for i, c in enumerate(OPTIONS)]},
                     steps=steps, checks=checks)


def rule_step(config, code: str) -> ar.Step:
    """The broken rule with the numbers that break it (the label, in the templates, names the rule)."""
    names = ar.DIM_NAMES[config.ndim]
    s, d = config.stride, config.dilation
    if code == ar.KERNEL_TOO_LARGE:
        pads = config.padding if not isinstance(config.padding, str) else (0,) * config.ndim
        for name, i, k, dd, p in zip(names, config.input_shape, config.kernel_shape, d, pads):
            if ar.effective_kernel(k, dd) > i + 2 * p:
                return ar.Step(code, f"K' = {dd}·({k} − 1) + 1 = {ar.effective_kernel(k, dd)} > "
                                     f"M + 2·P = {i} + 2·{p} = {i + 2 * p}",
                               f"K' = {dd}({k} - 1) + 1 = {ar.effective_kernel(k, dd)} > "
                               f"M + 2P = {i} + 2 \\cdot {p} = {i + 2 * p}", name)
    symbol, values = {
        ar.SAME_WITH_STRIDE: ("S", s), ar.NEGATIVE_PADDING: ("P", config.padding),
        ar.NON_POSITIVE_STRIDE: ("S", s), ar.NON_POSITIVE_KERNEL: ("K", config.kernel_shape),
        ar.NON_POSITIVE_DILATION: ("D", d),
    }[code]
    bad = [v for v in values if (v != 1 if code == ar.SAME_WITH_STRIDE else v < 0 if code == ar.NEGATIVE_PADDING
                                 else v <= 0)][0]
    relation = {ar.SAME_WITH_STRIDE: "≠ 1", ar.NEGATIVE_PADDING: "< 0"}.get(code, "≤ 0")
    tex_relation = {ar.SAME_WITH_STRIDE: "\\neq 1", ar.NEGATIVE_PADDING: "< 0"}.get(code, "\\leq 0")
    return ar.Step(code, f"{symbol} = {bad} {relation}", f"{symbol} = {bad} {tex_relation}")
