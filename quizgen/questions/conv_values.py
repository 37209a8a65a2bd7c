"""Output values of a convolution on a small image (the seed's Sobel, ones and zero-kernel exercises), or of a
conv1d on a short sequence."""
from __future__ import annotations

from ..arithmetic import conv as ar
from ..generate.sampling import NAMED_KERNELS, cells, fill, frozen, plain_matrix, thawed
from . import QuestionType, register
from .common import draft, shape_check, size_mistakes
from .fields import VALUE_SIZE, conv_fields

CELLS_SHOWN = 4  # worked product-sums; beyond this the rest follow "in the same way"


@register
class ConvValues(QuestionType):
    name = "conv_values"
    summary = 'output values of a convolution on a small image, or of a conv1d on a short sequence (and so its shape)'
    fields = conv_fields(VALUE_SIZE, values=True)

    def content(self, question, bank, config, rng):
        """The image and the kernel, each a tuple of rows (a conv1d's: a tuple of values)."""
        fields = question.fields
        image = fill(fields.get("image", {}).get("content", "ones"), config.input_shape, rng, bank,
                     question.path_of("image") + ("content",))
        kernel = fill(fields.get("kernel", {}).get("values", "ones"), config.kernel_shape, rng, bank,
                      question.path_of("kernel") + ("values",))
        return frozen(image), frozen(kernel)

    def lab(self, question) -> list[str]:
        """The input and the layer, with the question's kernel as its weight and a zero bias."""
        kernel = question.params["kernel"]
        return [*super().lab(question), "with torch.no_grad():",
                f"    layer.weight.copy_(torch.tensor({kernel!r}, dtype=torch.float32).reshape(layer.weight.shape))",
                "    layer.bias.zero_()"]

    def build(self, question, bank, config, content, version, number):
        spec = config.spec()
        fields = question.fields
        image, kernel = (thawed(data) for data in content)
        values = ar.correlate(image, kernel, spec)
        integers = all(float(v).is_integer() for data in (image, kernel) for v in cells(data))
        built = draft(self, question, config, version, number, exact=integers,
                      answer={"kind": values_kind(spec), "value": plain_matrix(values)},
                      steps=ar.shape_steps(spec) + value_steps(image, kernel, spec, values),
                      checks=[shape_check(config, shape=spec.output_shape, image=image, kernel=kernel,
                                          values=values)],
                      mistakes=flip_mistake(image, kernel, spec, values) + shape_mistakes(spec))
        built.params.update(image=plain_matrix(image), kernel=plain_matrix(kernel))
        built.context.update(zero_kernel=all(v == 0 for v in cells(kernel)),
                             kernel_name=_named(fields.get("kernel", {}).get("values")))
        return built


def _named(values) -> str | None:
    """The kernel's well-known name (sobel-x, ...), worth telling students; None otherwise."""
    return values if isinstance(values, str) and values in NAMED_KERNELS else None


def values_kind(spec) -> str:
    """The answer kind of a convolution's values: a matrix, or a conv1d's sequence."""
    return "sequence" if len(spec.dims) == 1 else "matrix"


def value_steps(image, kernel, spec, values) -> list[ar.Step]:
    if all(v == 0 for v in cells(kernel)):
        steps = [ar.Step("zero_kernel", "k = 0 ⇒ k·x = 0", "k = 0 \\Rightarrow k \\cdot x = 0")]
    else:
        padded = ar.pad_matrix(image, spec)
        outputs = ar.output_cells(spec)
        steps = [ar.cell_step(padded, kernel, spec, out, ar.value_at(values, out)) for out in outputs[:CELLS_SHOWN]]
        if len(outputs) > CELLS_SHOWN:
            steps.append(ar.Step("cells_rest", "…", "\\ldots"))
    steps.append(ar.matrix_step("values", "Y", "Y", values))
    return steps


def shape_mistakes(spec) -> list[dict]:
    """A matrix (or sequence) of the wrong shape: the size mistakes that give that shape (``of: shape``)."""
    return [{**mistake, "of": "shape"} for mistake in size_mistakes(spec)]


def flipped(kernel) -> list:
    """The kernel turned round 180° (a sequence: reversed)."""
    return [list(row)[::-1] if isinstance(row, (list, tuple)) else row for row in kernel[::-1]]


def flip_mistake(image, kernel, spec, values) -> list[dict]:
    """Convolution in the textbook sense flips the kernel; torch does not."""
    wrong = ar.correlate(image, flipped(kernel), spec)
    return [{"code": "flipped_kernel", "value": plain_matrix(wrong)}] if wrong != values else []
