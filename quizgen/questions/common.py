"""What several question types share: the draft skeleton, prompt facts, and size mistakes."""
from __future__ import annotations

import math

from ..arithmetic import conv as ar
from ..arithmetic.mistakes import distinct_mistakes, positive
from ..core.record import Check, Draft
from ..generate.reference import Conv


def draft(qtype, question, config, version: str, number: int, exact: bool = True, **fields) -> Draft:
    context = qtype.facts(config) if hasattr(qtype, "facts") else facts(config)
    if "op" in qtype.fields:   # the torch operation asked about (the type's first, by default)
        context["op"] = question.fields.get("op", qtype.fields["op"].schema["enum"][0])
    return Draft(id=question.id, type=qtype.name, version=version, number=number, points=question.points,
                 title=question.title, params=config.params(), context=context,
                 grading=grading_policy(question, exact),
                 lms={"multiple_choice": question.fields.get("lms", {}).get("multiple_choice", False)},
                 picture=bool(question.fields.get("picture", False)), **fields)


def grading_policy(question, exact: bool) -> dict:
    """How the grader and the LMS exports score this question: exactly when the data are integers, else
    within the bank's tolerance; matrices and shapes with per-part credit unless the bank says otherwise."""
    given = question.fields.get("grading", {})
    tolerance = given.get("tolerance", {})
    return {"exact": exact,
            "tolerance": {"absolute": tolerance.get("absolute", 0.01), "relative": tolerance.get("relative", 0.0)},
            "partial_credit": given.get("partial_credit", "proportional")}


def shape_check(config, shape=None, reason=None, **values) -> Check:
    conv = Conv.of(config.input_shape, config.kernel_shape, config.stride, config.padding, config.dilation)
    return Check(conv=conv, shape=shape, reason=reason, **values)


def torch_literal(value) -> str:
    """How a torch user writes a per-dimension argument: 3, (3, 5) or 'same'."""
    if isinstance(value, str):
        return repr(value)
    value = tuple(value)
    return str(value[0]) if len(set(value)) == 1 else f"({', '.join(map(str, value))})"


def facts(config) -> dict:
    """Facts the prompt templates choose their words by (``sequence``: a conv1d's, of one dimension)."""
    padding = config.padding
    return {
        "sequence": len(config.input_shape) == 1,
        "square": len(set(config.input_shape)) == 1,
        "input": ar.shape_text(config.input_shape, "×"),
        "kernel": ar.shape_text(config.kernel_shape, "×"),
        "stride": torch_literal(config.stride),
        "padding": torch_literal(padding),
        "dilation": torch_literal(config.dilation),
        "has_stride": any(s != 1 for s in config.stride),
        "has_padding": isinstance(padding, str) or any(padding),
        "has_dilation": any(d != 1 for d in config.dilation),
        "call": conv_call(config),
    }


def conv_call(config) -> str:
    """The nn.Conv2d (nn.Conv1d) constructor for this configuration, with only the non-default arguments."""
    args = [f"kernel_size={torch_literal(config.kernel_shape)}"]
    if any(s != 1 for s in config.stride):
        args.append(f"stride={torch_literal(config.stride)}")
    padding = config.padding
    if padding == "full":   # torch has no word for it: the number it means
        padding = tuple(ar.string_padding("full", k, d)[0] for k, d in zip(config.kernel_shape, config.dilation))
    if isinstance(padding, str) or any(padding):
        args.append(f"padding={torch_literal(padding)}")
    if any(d != 1 for d in config.dilation):
        args.append(f"dilation={torch_literal(config.dilation)}")
    return f"nn.Conv{len(config.input_shape)}d(1, 1, {', '.join(args)})"


def size_answer(spec, mistakes: list[dict]) -> tuple[dict, list[dict]]:
    """An output size as a question asks it, with its mistakes: height x width (a shape), or a conv1d's
    length (one number)."""
    if len(spec.output_shape) > 1:
        return {"kind": "shape", "value": list(spec.output_shape)}, mistakes
    return ({"kind": "number", "value": spec.output_shape[0]},
            [{**m, "value": m["value"][0], "per_dimension": False} for m in mistakes])


def _dim_mistakes(dim: ar.ConvDim) -> dict[str, int]:
    """What each known mistake gives for one dimension (only mistakes that apply to it)."""
    pad = dim.pad_left + dim.pad_right
    out = {"forgot_plus_one": dim.span // dim.stride, "input_size": dim.size}
    if pad:
        out["padding_once"] = (dim.size + pad // 2 - dim.effective_kernel) // dim.stride + 1
        out["padded_size"] = dim.padded_size
    if dim.stride > 1:
        out["no_stride_division"] = dim.span + 1
    if not dim.exact:
        out["rounded_up"] = math.ceil(dim.span / dim.stride) + 1
        out["no_floor"] = round(dim.span / dim.stride + 1, 4)
    if dim.dilation > 1:
        out["undilated_kernel"] = (dim.padded_size - dim.kernel) // dim.stride + 1
    return out


def size_mistakes(spec: ar.ConvSpec) -> list[dict]:
    """Wrong shapes that known mistakes lead to, each distinct from the answer and from each other."""
    return shape_mistakes_of(list(spec.output_shape), [_dim_mistakes(d) for d in spec.dims],
                             ("forgot_plus_one", "padding_once", "no_stride_division", "rounded_up", "no_floor",
                              "undilated_kernel", "padded_size", "input_size"))


def shape_mistakes_of(answer: list, per_dim: list[dict], order) -> list[dict]:
    """Whole shapes from per-dimension mistakes (``per_dim``: code -> that dimension's wrong size, only
    where the mistake applies), in the catalogue's ``order``, then the swap of height and width."""
    candidates = []
    for code in order:
        if any(code in m for m in per_dim):
            candidates.append((code, [m.get(code, o) for m, o in zip(per_dim, answer)]))
    if len(set(answer)) > 1:
        candidates.append(("swapped_dimensions", answer[::-1]))
    # Every size mistake but a swap can be made in one dimension alone.
    return distinct_mistakes(answer, candidates, per_dimension=lambda code: code != "swapped_dimensions",
                             admissible=positive)


def torch_call(name: str, *positional, **arguments) -> str:
    """A torch constructor with its positional arguments and the keyword ones that are not None."""
    args = [str(p) for p in positional] + [f"{k}={torch_literal(v) if isinstance(v, (tuple, list, str)) else v}"
                                           for k, v in arguments.items() if v is not None]
    return f"{name}({', '.join(args)})"


def scalar_space(question, bank, name: str, default, inside: dict | None = None, path=None, bounds=None) -> list:
    """Candidates of a parameter with one value (not per dimension): a value, a list to choose from, or
    an inclusive range {min, max[, step]}; each within ``bounds`` (the type's declaration), if given."""
    from ..generate.sampling import _int_candidates, within  # noqa: PLC0415

    fields = question.fields if inside is None else inside
    if name not in fields:
        return [default]
    value = fields[name]
    where = (path or question.path_of(name)) + ((name,) if path else ())
    if isinstance(value, dict):
        return within(_int_candidates(value, bank, where), bounds, bank, where)
    return within(list(dict.fromkeys(value)) if isinstance(value, list) else [value], bounds, bank, where)


def cell_steps(matrix_cells, shown: int) -> list[ar.Step]:
    """The first ``shown`` worked cells, then "the rest in the same way"."""
    steps = list(matrix_cells[:shown])
    if len(matrix_cells) > shown:
        steps.append(rest_step())
    return steps


def rest_step() -> ar.Step:
    """"The other cells, in the same way": after the cells worked out."""
    return ar.Step("cells_rest", "…", "\\ldots")


def values_step(values) -> ar.Step:
    return ar.matrix_step("values", "Y", "Y", values)
