"""Pooling (MaxPool2d, AvgPool2d): output size with floor and ceil_mode (and torch's last-window rule), and
the pooled values of a small image."""
from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from ..arithmetic import layers as L
from ..arithmetic.conv import shape_text
from ..arithmetic.mistakes import distinct_mistakes
from ..core.record import Check
from ..generate.reference import Pool
from ..generate.sampling import Config, fill, plain_matrix
from . import QuestionType, register
from .common import draft, rest_step, scalar_space, shape_mistakes_of, torch_call, values_step
from .fields import DILATION, PADDING, STRIDE, VALUE_SIZE, boolean, choice, conv_fields, dim_space, image, kernel
from .transposed_size import _unless, known_literal

CELLS_SHOWN = 4


@dataclass(frozen=True)
class PoolConfig(Config):
    """``stride`` None is torch's default: the kernel size."""
    mode: str = "max"
    ceil_mode: bool = False
    count_include_pad: bool = True

    @property
    def strides(self) -> tuple:
        return self.kernel_shape if self.stride is None else self.stride

    def reasons(self) -> list[str]:
        return L.pool_reasons(self.input_shape, self.kernel_shape, self.stride, self.padding, self.dilation,
                              self.ceil_mode)

    def spec(self):
        return L.pool_spec(self.input_shape, self.kernel_shape, self.stride, self.padding, self.dilation,
                           self.ceil_mode)

    def params(self) -> dict:
        return {"input_shape": list(self.input_shape), "kernel_shape": list(self.kernel_shape),
                "stride": list(self.strides), "stride_given": self.stride is not None,
                "padding": list(self.padding), "dilation": list(self.dilation), "pool": self.mode,
                "ceil_mode": self.ceil_mode, **({"count_include_pad": False} if not self.count_include_pad else {})}

    def probe(self) -> Pool:
        return Pool.of(self.mode, self.input_shape, self.kernel_shape, self.stride, self.padding, self.dilation,
                       self.ceil_mode, self.count_include_pad)


_POOL_FIELDS = {"pool": choice(("max", "avg"), "pooling", several=True),
                "ceil_mode": boolean("pooling's ceil_mode", several=True)}


class PoolingType(QuestionType):
    picture = None
    constraint_hint = (" (pooling needs a padding of at most half the kernel; AvgPool2d has no dilation; "
                       "with ceil_mode the last window must start inside the input or the left padding)")

    def spaces(self, question, bank):
        spaces = super().spaces(question, bank)
        strides = spaces.strides if "stride" in question.fields else [None]
        modes = scalar_space(question, bank, "pool", "max")
        ceil = scalar_space(question, bank, "ceil_mode", False)
        extras = (("mode", modes), ("ceil_mode", ceil))
        if "count_include_pad" in self.fields:
            extras += (("count_include_pad", scalar_space(question, bank, "count_include_pad", True)),)
        return replace(spaces, strides=strides, extras=extras, make=PoolConfig)

    def accepts(self, config, reasons):
        # AvgPool2d has no dilation; count_include_pad=False is an average's, and only matters with padding
        return config.mode == "max" and config.count_include_pad or config.mode == "avg" and (
            tuple(config.dilation) == (1, 1))

    def facts(self, config) -> dict:
        return {"square": config.input_shape[0] == config.input_shape[1],
                "input": shape_text(config.input_shape, "×"), "kernel": shape_text(config.kernel_shape, "×"),
                "pool": config.mode, "stride_given": config.stride is not None,
                "stride": known_literal(config.strides), "padding": known_literal(config.padding),
                "dilation": known_literal(config.dilation), "ceil_mode": config.ceil_mode,
                "has_padding": tuple(config.padding) != (0, 0), "has_dilation": tuple(config.dilation) != (1, 1),
                "call": torch_call("nn.MaxPool2d" if config.mode == "max" else "nn.AvgPool2d",
                                   kernel_size=known_literal(config.kernel_shape),
                                   stride=None if config.stride is None else known_literal(config.stride),
                                   padding=_unless(config.padding, 0), dilation=_unless(config.dilation, 1),
                                   ceil_mode=True if config.ceil_mode else None,
                                   count_include_pad=None if config.count_include_pad else False),
                "count_include_pad": config.count_include_pad}


@register
class PoolSize(PoolingType):
    name = "pool_size"
    summary = "output height x width of max or average pooling (stride defaults to the kernel; ceil_mode)"
    fields = {**conv_fields(padding_words=(), ops=()), **_POOL_FIELDS}

    def build(self, question, bank, config, content, version, number):
        spec = config.spec()
        built = draft(self, question, config, version, number,
                      answer={"kind": "shape", "value": list(spec.output_shape)},
                      steps=L.pool_steps(spec), checks=[Check(conv=config.probe(), shape=spec.output_shape)],
                      mistakes=pool_size_mistakes(config, spec))
        return built


def _dim_mistakes(dim: L.PoolDim, stride_given: bool) -> dict:
    out = {"forgot_plus_one": dim.output - 1, "input_size": dim.size}
    if not dim.exact:
        if dim.ceil_mode:
            out["floor_instead_of_ceil"] = dim.span // dim.stride + 1
        else:
            out["rounded_up"] = -(-dim.span // dim.stride) + 1
    if dim.last_window_outside:
        out["kept_last_window"] = dim.rounded
    if not stride_given and dim.kernel > 1:
        out["stride_one"] = dim.span + 1
    if dim.padding:
        out["padding_once"] = L.PoolDim.of(dim.size, dim.kernel, dim.stride, 0, dim.dilation, dim.ceil_mode).output \
            if dim.size >= dim.effective_kernel else dim.output
    if dim.dilation > 1:
        out["undilated_kernel"] = L.PoolDim.of(dim.size, dim.kernel, dim.stride, dim.padding, 1, dim.ceil_mode).output
    return out


def pool_size_mistakes(config, spec) -> list[dict]:
    return shape_mistakes_of(list(spec.output_shape), [_dim_mistakes(d, config.stride is not None) for d in spec.dims],
                             ("forgot_plus_one", "rounded_up", "floor_instead_of_ceil", "kept_last_window",
                              "stride_one", "padding_once", "undilated_kernel", "input_size"))


@register
class PoolValues(PoolingType):
    name = "pool_values"
    summary = "output values of max or average pooling on a small image"
    fields = {"image": image(VALUE_SIZE, values=True), "kernel": kernel(VALUE_SIZE),
              "stride": dim_space(STRIDE, "stride"), "padding": dim_space(PADDING, "zero padding per side"),
              "dilation": dim_space(DILATION, "dilation"), **_POOL_FIELDS,
              "count_include_pad": boolean("average pooling's count_include_pad (torch's default true: the "
                                           "padding zeros count in the divisor)", several=True)}

    def content(self, question, bank, config, rng):
        image = fill(question.fields.get("image", {}).get("content", {"random_int": {"min": 0, "max": 9}}),
                     config.input_shape, rng, bank, question.path_of("image") + ("content",))
        return tuple(map(tuple, image))

    def build(self, question, bank, config, content, version, number):
        spec = config.spec()
        image = [list(row) for row in content]
        values = L.pool_values(image, spec, config.mode, config.count_include_pad)
        cells, shown, explained = [], [], set()
        for r in range(len(values)):
            for c in range(len(values[0])):
                cell = L.pool_cell_step(image, spec, config.mode, r, c, values[r][c], config.count_include_pad)
                cells.append(cell)
                cut = L.pool_divisor_step(spec, r, c, config.count_include_pad) if config.mode == "avg" else None
                if len(cells) <= CELLS_SHOWN:
                    shown.append(cell)
                if cut is not None and cut.kind not in explained:
                    # the first cell whose window is cut is worked, with why its divisor is smaller
                    explained.add(cut.kind)
                    shown += ([] if len(cells) <= CELLS_SHOWN else [cell]) + [cut]
        worked = sum(s.kind == "pool_cell" for s in shown)
        cells = shown + ([rest_step()] if worked < len(cells) else [])
        exact = all(Fraction(v).denominator == 1 for row in values for v in row)
        built = draft(self, question, config, version, number, exact=exact,
                      answer={"kind": "matrix", "value": plain_matrix(values)},
                      steps=L.pool_steps(spec) + cells + [values_step(values)],
                      checks=[Check(conv=config.probe(), shape=spec.output_shape, image=image, values=values)],
                      mistakes=pool_value_mistakes(image, spec, config, values))
        built.params.update(image=plain_matrix(image))
        return built


def pool_value_mistakes(image, spec, config, values) -> list[dict]:
    other = "avg" if config.mode == "max" else "max"
    candidates = [("avg_instead_of_max" if other == "avg" else "max_instead_of_avg", L.pool_values(image, spec, other))]
    if config.mode == "avg":
        if any(d.padding for d in spec.dims):   # the padding's rule first: it is the likelier slip
            candidates.append(("padding_not_counted", _avg_without_padding(image, spec)) if config.count_include_pad
                              else ("padding_counted", L.pool_values(image, spec, "avg", True)))
        full = [[d.kernel] * d.output for d in spec.dims]
        candidates.append(("full_kernel_divisor", L.pool_values(image, spec, "avg", divisors=full)))
    mistakes = distinct_mistakes(plain_matrix(values), [(code, plain_matrix(wrong)) for code, wrong in candidates])
    shapes = pool_size_mistakes(config, spec)
    return mistakes + [{**m, "of": "shape"} for m in shapes]


def _avg_without_padding(image, spec):
    """count_include_pad=False: the divisor is the cells of the window inside the image."""
    rows, cols = (L.pool_windows(d) for d in spec.dims)
    return [[Fraction(sum(image[r][c] for r in rr for c in cc), max(len(rr) * len(cc), 1)) for cc in cols]
            for rr in rows]


