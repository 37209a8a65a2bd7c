"""Convolution vs cross-correlation: the output of a convolution in the textbook sense (the kernel turned
round, as scipy.signal.convolve2d does), where torch's conv2d would not flip it."""
from __future__ import annotations

from dataclasses import replace

from ..arithmetic import conv as ar
from ..arithmetic.mistakes import distinct_mistakes
from ..core.record import Check
from ..generate.reference import FlippedConv
from ..generate.sampling import plain_matrix
from . import register
from .common import cell_steps, draft, values_step
from .conv_values import CELLS_SHOWN, ConvValues, _named, shape_mistakes


@register
class FlippedValues(ConvValues):
    name = "flipped_values"
    summary = 'output values of a convolution in the textbook sense (kernel flipped), unlike torch'
    picture = None   # the conv picture animates torch's unflipped product-sums

    def build(self, question, bank, config, content, version, number):
        spec = config.spec()
        image, kernel = ([list(row) for row in matrix] for matrix in content)
        flipped = [row[::-1] for row in kernel[::-1]]
        values = ar.correlate2d(image, flipped, spec)
        padded = ar.pad_matrix(image, spec)
        cells = [replace(ar.cell_step(padded, flipped, spec, r, c, values[r][c]), kind="flipped_cell")
                 for r in range(len(values)) for c in range(len(values[0]))]
        integers = all(float(v).is_integer() for m in (image, kernel) for row in m for v in row)
        flip_step = ar.matrix_step("flip", "K_flipped", "K_{flipped}", flipped)
        built = draft(self, question, config, version, number, exact=integers,
                      answer={"kind": "matrix", "value": plain_matrix(values)},
                      steps=[flip_step] + ar.shape_steps(spec) + cell_steps(cells, CELLS_SHOWN) + [values_step(values)],
                      checks=[Check(conv=FlippedConv.of(config.input_shape, config.kernel_shape, config.stride,
                                                        config.padding, config.dilation),
                                    shape=spec.output_shape, image=image, kernel=kernel, values=values)],
                      mistakes=flip_mistakes(image, kernel, spec, values) + shape_mistakes(spec))
        built.params.update(image=plain_matrix(image), kernel=plain_matrix(kernel))
        built.context.update(zero_kernel=False, kernel_name=_named(question.fields.get("kernel", {}).get("values")))
        return built


def flip_mistakes(image, kernel, spec, values) -> list[dict]:
    """Not flipping at all (torch's cross-correlation), or flipping along one axis only."""
    wrong_kernels = (("not_flipped", kernel), ("flipped_rows_only", kernel[::-1]),
                     ("flipped_columns_only", [row[::-1] for row in kernel]))
    return distinct_mistakes(plain_matrix(values), [(code, plain_matrix(ar.correlate2d(image, wrong, spec)))
                                                    for code, wrong in wrong_kernels])
