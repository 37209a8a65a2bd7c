"""Output size of a convolution (height x width; a conv1d's length): M - K + 1, stride, padding, dilation, the
floor case."""
from __future__ import annotations

from ..arithmetic import conv as ar
from . import QuestionType, register
from .common import draft, shape_check, size_answer, size_mistakes
from .fields import conv_fields


@register
class OutputSize(QuestionType):
    name = "output_size"
    summary = ('output size of a convolution: height x width (nn.Conv2d) or length (nn.Conv1d); no padding, stride, '
               'padding, dilation, the floor case')
    fields = conv_fields()

    def build(self, question, bank, config, content, version, number):
        spec = config.spec()
        answer, mistakes = size_answer(spec, size_mistakes(spec))
        return draft(self, question, config, version, number, answer=answer, steps=ar.shape_steps(spec),
                     checks=[shape_check(config, shape=spec.output_shape)], mistakes=mistakes)
