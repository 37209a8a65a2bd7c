"""Convolution vs cross-correlation: the output of a convolution in the textbook sense (the kernel turned
round, as scipy.signal.convolve2d and numpy.convolve do), where torch's conv2d and conv1d would not flip it."""
from __future__ import annotations

from dataclasses import replace

from ..arithmetic import conv as ar
from ..arithmetic.mistakes import distinct_mistakes
from ..core.record import Check
from ..generate.reference import FlippedConv
from ..generate.sampling import cells, plain_matrix, thawed
from . import lab_input, register
from .common import cell_steps, draft, values_step
from .conv_values import CELLS_SHOWN, ConvValues, _named, flipped, shape_mistakes, values_kind


@register
class FlippedValues(ConvValues):
    name = "flipped_values"
    summary = 'output values of a convolution in the textbook sense (kernel flipped), unlike torch'
    picture = None   # the conv picture animates torch's unflipped product-sums

    def lab(self, question) -> list[str]:
        """The input and the kernel as tensors: no layer (torch's conv2d would not flip the kernel)."""
        return [lab_input(question.params),
                f"kernel = torch.tensor({question.params['kernel']!r}, dtype=torch.float32)"]

    def build(self, question, bank, config, content, version, number):
        spec = config.spec()
        image, kernel = (thawed(data) for data in content)
        turned = flipped(kernel)
        values = ar.correlate(image, turned, spec)
        padded = ar.pad_matrix(image, spec)
        worked = [replace(ar.cell_step(padded, turned, spec, out, ar.value_at(values, out)), kind="flipped_cell")
                  for out in ar.output_cells(spec)]
        integers = all(float(v).is_integer() for data in (image, kernel) for v in cells(data))
        sequence = len(spec.dims) == 1
        flip_step = ar.matrix_step("reverse" if sequence else "flip", "K_flipped", "K_{flipped}", turned)
        built = draft(self, question, config, version, number, exact=integers,
                      answer={"kind": values_kind(spec), "value": plain_matrix(values)},
                      steps=[flip_step] + ar.shape_steps(spec) + cell_steps(worked, CELLS_SHOWN) + [values_step(values)],
                      checks=[Check(conv=FlippedConv.of(config.input_shape, config.kernel_shape, config.stride,
                                                        config.padding, config.dilation),
                                    shape=spec.output_shape, image=image, kernel=kernel, values=values)],
                      mistakes=flip_mistakes(image, kernel, spec, values) + shape_mistakes(spec))
        built.params.update(image=plain_matrix(image), kernel=plain_matrix(kernel))
        built.context.update(zero_kernel=False, kernel_name=_named(question.fields.get("kernel", {}).get("values")))
        return built


def flip_mistakes(image, kernel, spec, values) -> list[dict]:
    """Not flipping at all (torch's cross-correlation), or, in two dimensions, flipping along one axis only."""
    wrong_kernels = [("not_flipped", kernel)]
    if len(spec.dims) > 1:
        wrong_kernels += [("flipped_rows_only", kernel[::-1]), ("flipped_columns_only", [row[::-1] for row in kernel])]
    return distinct_mistakes(plain_matrix(values), [(code, plain_matrix(ar.correlate(image, wrong, spec)))
                                                    for code, wrong in wrong_kernels])
