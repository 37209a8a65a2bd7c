"""Which zero padding keeps the size: torch's padding='same' (stride 1), asymmetric for even kernels."""
from __future__ import annotations

from dataclasses import replace

from ..arithmetic import conv as ar
from ..arithmetic.mistakes import distinct_mistakes
from ..core.record import Check
from ..generate.reference import Conv
from . import QuestionType, lab_input, register
from .common import draft
from .fields import DILATION, Bounds, dim_space, image, kernel, op_field


@register
class SamePadding(QuestionType):
    name = "same_padding"
    summary = "which zero padding keeps the size (torch's padding='same')"
    fields = {"op": op_field(("conv2d", "conv1d")), "image": image(), "kernel": kernel(),
              "stride": dim_space(Bounds(1, 1), "stride (only 1: 'same' exists for stride 1)"),
              "dilation": dim_space(DILATION, "dilation")}
    picture = "unpadded"   # in problem sets; the key draws the padding found

    def spaces(self, question, bank):
        # The padding is the unknown: the question is drawn with 'same' and answered with numbers.
        return replace(super().spaces(question, bank), strides=[(1,) * self.ndim(question)], paddings=["same"])

    def lab(self, question) -> list[str]:
        """The input only: the padding is the answer."""
        return [lab_input(question.params)]

    def build(self, question, bank, config, content, version, number):
        pads = [ar.same_padding(k, d) for k, d in zip(config.kernel_shape, config.dilation)]
        spec = ar.ConvSpec(tuple(ar.ConvDim(i, k, 1, before, after, d) for i, k, d, (before, after)
                                 in zip(config.input_shape, config.kernel_shape, config.dilation, pads)))
        checks = [Check(conv=Conv.of(config.input_shape, config.kernel_shape, 1, "same", config.dilation),
                        shape=config.input_shape)]
        if all(b == a for b, a in pads):  # torch can also say it with one number per side
            checks.append(Check(conv=Conv.of(config.input_shape, config.kernel_shape, 1, [b for b, _ in pads],
                                             config.dilation), shape=spec.output_shape))
        if spec.output_shape != tuple(config.input_shape):
            raise AssertionError(f"'same' padding {pads} does not keep {config.input_shape}")  # arithmetic bug
        built = draft(self, question, config, version, number,
                      answer={"kind": "padding", "value": [list(p) for p in pads]},
                      steps=padding_steps(spec),
                      checks=checks,
                      mistakes=padding_mistakes(spec, pads))
        built.context.update(has_padding=False, padding="0")  # the padding is what the student finds
        return built


def _dim_steps(dim: ar.ConvDim, name) -> list[ar.Step]:
    total = dim.pad_left + dim.pad_right
    steps = ar.same_split_steps(dim, name)
    steps.append(ar.Step("check", f"M_new = {dim.size} + {total} − {dim.effective_kernel} + 1 = {dim.output}",
                         f"M_{{new}} = {dim.size} + {total} - {dim.effective_kernel} + 1 = {dim.output}", name))
    return steps


def padding_steps(spec: ar.ConvSpec) -> list[ar.Step]:
    if spec.uniform():
        return _dim_steps(spec.dims[0], None)
    return [step for dim, name in zip(spec.dims, spec.dim_names) for step in _dim_steps(dim, name)]


def padding_mistakes(spec: ar.ConvSpec, pads) -> list[dict]:
    answer = [list(p) for p in pads]
    candidates = [("total_on_each_side", [[b + a, b + a] for b, a in pads])]
    if any(dim.dilation > 1 for dim in spec.dims):
        candidates.append(("undilated_kernel", [list(ar.same_padding(dim.kernel)) for dim in spec.dims]))
    candidates.append(("kernel_size_as_padding", [[dim.kernel, dim.kernel] for dim in spec.dims]))
    if len(pads) == 2 and pads[0] == pads[1] and pads[0][0] != pads[0][1]:
        # before,after written once (0,1), which reads as height 0 and width 1: the notation, not the arithmetic
        (before, after), _ = pads
        candidates.insert(0, ("sides_as_dimensions", [[before, before], [after, after]]))
    return distinct_mistakes(answer, candidates, per_dimension=lambda code: code != "sides_as_dimensions")
