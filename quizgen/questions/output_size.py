"""Output size (height x width) of a convolution: M - K + 1, stride, padding, dilation, the floor case."""
from __future__ import annotations

from ..arithmetic import conv as ar
from . import QuestionType, register
from .common import draft, shape_check, size_mistakes
from .fields import conv_fields


@register
class OutputSize(QuestionType):
    name = "output_size"
    summary = 'output height x width of a convolution (no padding, stride, padding, dilation, floor case)'
    fields = conv_fields()

    def build(self, question, bank, config, content, version, number):
        spec = config.spec()
        return draft(self, question, config, version, number,
                     answer={"kind": "shape", "value": list(spec.output_shape)},
                     steps=ar.shape_steps(spec),
                     checks=[shape_check(config, shape=spec.output_shape)],
                     mistakes=size_mistakes(spec))
