"""`quizgen solve`: the calculator, its JSON, its torch-compatible rejections, and its start-up cost."""
import json
import subprocess
import sys

import pytest

from quizgen.generate import reference


def test_conv2d_rectangular_prints_shape_and_steps(cli):
    result = cli("solve", "conv2d", "--input", "7x9", "--kernel", "3x5", "--stride", "2x3", "--padding", "0x1")
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert lines[0] == "3x3"
    assert "Padded input size (width): M' = M + 2·P = 9 + 2·1 = 11" in lines
    assert lines[-1] == "Output shape (height × width): 3 × 3"


def test_json_output_is_shape_and_steps_and_matches_torch(cli):
    args = ["--input", "7x9", "--kernel", "3x5", "--stride", "2x3", "--padding", "0x1", "--dilation", "2x1"]
    result = cli("solve", "conv2d", *args, "--json")
    document = json.loads(result.stdout)
    assert set(document) == {"output_shape", "steps"}
    torch_shape = reference.outcome(reference.Conv.of((7, 9), (3, 5), (2, 3), (0, 1), (2, 1))).shape
    assert tuple(document["output_shape"]) == torch_shape
    assert all({"kind", "math", "tex", "text"} <= set(step) for step in document["steps"])


@pytest.mark.parametrize("padding,shape", [("same", [4]), ("valid", [3])])
def test_conv1d_accepts_same_and_valid(cli, padding, shape):
    result = cli("solve", "conv1d", "--input", "4", "--kernel", "2", "--padding", padding, "--json")
    assert json.loads(result.stdout)["output_shape"] == shape


def test_non_integer_case_is_floored_with_the_step_shown(cli):
    result = cli("solve", "conv2d", "--input", "4", "--kernel", "2", "--stride", "3")
    assert result.stdout.splitlines()[0] == "1x1"
    assert "(4 − 2) / 3 + 1 = 1.67 → ⌊1.67⌋ = 1" in result.stdout


@pytest.mark.parametrize("args,words", [
    (["--input", "3", "--kernel", "5"], "kernel size can't be greater than actual input size"),
    (["--input", "5", "--kernel", "3", "--stride", "2", "--padding", "same"], "'same' is not supported for strided"),
    (["--input", "5", "--kernel", "3", "--padding", "-1"], "negative padding"),
    (["--input", "5", "--kernel", "3", "--stride", "0"], "non-positive stride"),
    (["--input", "5", "--kernel", "3", "--dilation", "0"], "dilation should be greater than zero"),
    (["--input", "5", "--kernel", "3x3x3"], "--kernel: got '3x3x3'"),
    (["--input", "five", "--kernel", "3"], "--input: got 'five'"),
])
def test_rejections_are_one_line_and_non_zero(cli, args, words):
    result = cli("solve", "conv2d", *args)
    assert result.returncode == 2
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    as_json = cli("solve", "conv2d", *args, "--json")
    assert as_json.returncode == 2 and words in json.loads(as_json.stdout)["error"]


def test_spanish_steps(cli):
    result = cli("solve", "conv2d", "--input", "4", "--kernel", "2", "--lang", "es")
    assert "Fórmula: M_new = M − K + 1" in result.stdout


@pytest.mark.parametrize("argv", [["--help"], ["solve", "conv2d", "--input", "7x9", "--kernel", "3"],
                                  ["schema"]])
def test_commands_without_tensors_never_import_torch(argv):
    code = ("import sys\nfrom quizgen.cli import main\ntry:\n    main(%r)\nexcept SystemExit:\n    pass\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n" % argv)
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_a_reader_that_stops_early_is_not_an_error():
    result = subprocess.run(f"{sys.executable} -m quizgen schema bank | head -1", shell=True, capture_output=True,
                            text=True)
    assert result.stdout == "{\n" and "error" not in result.stderr


from quizgen import calculator  # noqa: E402
from quizgen.core.errors import QuizgenError  # noqa: E402

VALID = {"layer": "conv_transpose2d", "input": "9", "kernel": "3", "stride": "2", "padding": "1", "dilation": "1", "output_padding": "1",
         "in_channels": "4", "out_channels": "6", "groups": "2", "layers": "conv:3,maxpool:2", "ceil_mode": None,
         "no_bias": None}


def argv(op, flags):
    out = ["solve", op]
    for name, value in flags.items():
        out += ["--" + name.replace("_", "-")] + ([] if value is None else [value])
    return out


@pytest.mark.parametrize("op", sorted(calculator.OPERATIONS))
def test_every_operation_refuses_the_flags_it_does_not_read_and_values_below_what_it_allows(cli, op):
    operation = calculator.OPERATIONS[op]
    flags = {name: VALID[name] for name in operation.flags}
    ok = cli(*argv(op, flags), "--json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    for name in sorted(set(VALID) - set(operation.flags))[:3]:
        refused = cli(*argv(op, {**flags, name: VALID[name]}), "--json")
        assert refused.returncode == 2 and "does not apply" in json.loads(refused.stdout)["error"]
    for name, flag in operation.flags.items():
        if flag.least is not None:
            refused = cli(*argv(op, {**flags, name: str(flag.least - 1)}))
            assert refused.returncode == 2 and f"--{name.replace('_', '-')}" in refused.stderr
            assert len(refused.stderr.strip().splitlines()) == 1
        if flag.kind not in ("switch",):
            empty = cli(*argv(op, {**flags, name: ""}))
            assert empty.returncode == 2 and "got ''" in empty.stderr


@pytest.mark.parametrize("args, says", [
    (["conv2d", "--input", "0", "--kernel", "3", "--padding", "2"], "--input: got '0'"),
    (["params", "--in-channels", "-4", "--out-channels", "4", "--kernel", "3"], "--in-channels: got '-4'"),
    (["conv2d", "--input", "5", "--kernel", "3", "--ceil-mode"], "--ceil-mode: does not apply to conv2d"),
    (["maxpool2d", "--input", "5", "--kernel", "0"], "left out, the stride is the kernel size"),
    (["conv2d", "--input", "", "--kernel", "3"], "--input: got ''"),
    (["params", "--layer", "conv1d", "--kernel", "3"], "--in-channels is required"),     # not counted as 1
    (["params", "--layer", "conv1d", "--in-channels", "2", "--out-channels", "2", "--kernel", "3x3"],
     "--kernel: got '3x3'; allowed: N with integers"),
    (["params", "--layer", "conv2d", "--in-channels", "2", "--out-channels", "2", "--kernel", "3",
      "--output-padding", "1"], "--output-padding: does not apply to --layer conv2d"),
    (["params", "--layer", "conv_transpose1d", "--in-channels", "2", "--out-channels", "2", "--kernel", "3",
      "--padding", "same"], "takes no named padding"),
    (["params", "--layer", "conv3d", "--in-channels", "2", "--out-channels", "2", "--kernel", "3"],
     "--layer: got 'conv3d'; allowed: conv2d, conv1d, conv_transpose2d, conv_transpose1d"),
])
def test_the_faults_a_new_user_met_are_one_line_refusals(cli, args, says):
    result = cli("solve", *args)
    assert result.returncode == 2 and says in result.stderr and "leave it out" not in result.stderr


def test_named_paddings_in_any_case_and_no_counts_from_an_input_not_given(cli):
    assert json.loads(cli("solve", "conv2d", "--input", "5", "--kernel", "3", "--padding", "SAME",
                          "--json").stdout)["output_shape"] == [5, 5]
    counted = json.loads(cli("solve", "params", "--in-channels", "3", "--out-channels", "4", "--kernel", "3",
                             "--json").stdout)
    assert counted["params"] == 4 * 3 * 9 + 4 and "macs" not in counted and "output_shape" not in counted


def _solved(op, **flags):
    import argparse  # noqa: PLC0415

    args = argparse.Namespace(op=op, **{name: None for name in calculator.FLAG_NAMES})
    for name, value in flags.items():
        setattr(args, name, value)
    return calculator.solve(args).fields


@pytest.mark.parametrize("layer", sorted(calculator.LAYERS))
def test_params_of_every_layer_match_torch_on_random_configurations(layer):
    """Parameters, weight shape, output shape and MACs of `solve params --layer` against the torch module
    itself (parameters counted, a forward pass, torch's FLOP counter / 2), on 40 random configurations."""
    import random  # noqa: PLC0415

    import torch  # noqa: PLC0415
    from torch.utils.flop_counter import FlopCounterMode  # noqa: PLC0415

    kind = calculator.LAYERS[layer]
    module_class = getattr(torch.nn, kind.torch_name.removeprefix("nn."))
    rng = random.Random(f"params-{layer}")
    checked = 0
    while checked < 40:
        groups = rng.choice([1, 1, 2, 3])
        c_in, c_out = groups * rng.randint(1, 4), groups * rng.randint(1, 4)
        size = [rng.randint(1, 12) for _ in range(kind.ndim)]
        kernel = [rng.randint(1, 4) for _ in range(kind.ndim)]
        stride = [rng.randint(1, 3) for _ in range(kind.ndim)]
        padding = [rng.randint(0, 2) for _ in range(kind.ndim)]
        dilation = [rng.randint(1, 2) for _ in range(kind.ndim)]
        extra = ({"output_padding": [rng.randint(0, max(s, d) - 1) for s, d in zip(stride, dilation)]}
                 if kind.transposed else {})
        bias = rng.random() < 0.7
        module = module_class(c_in, c_out, kernel, stride=stride, padding=padding, dilation=dilation,
                              groups=groups, bias=bias, **extra)
        try:
            with FlopCounterMode(display=False) as counter, torch.no_grad():
                out = module(torch.zeros(1, c_in, *size))
        except RuntimeError:   # torch refuses the configuration: so must the calculator
            with pytest.raises(QuizgenError):
                _solved("params", layer=layer, in_channels=str(c_in), out_channels=str(c_out), groups=str(groups),
                        kernel="x".join(map(str, kernel)), input="x".join(map(str, size)),
                        stride="x".join(map(str, stride)), padding="x".join(map(str, padding)),
                        dilation="x".join(map(str, dilation)), no_bias=not bias,
                        **{k: "x".join(map(str, v)) for k, v in extra.items()})
            continue
        got = _solved("params", layer=layer, in_channels=str(c_in), out_channels=str(c_out), groups=str(groups),
                      kernel="x".join(map(str, kernel)), input="x".join(map(str, size)),
                      stride="x".join(map(str, stride)), padding="x".join(map(str, padding)),
                      dilation="x".join(map(str, dilation)), no_bias=not bias,
                      **{k: "x".join(map(str, v)) for k, v in extra.items()})
        assert got["params"] == sum(p.numel() for p in module.parameters()), (layer, module)
        assert tuple(got["weight_shape"]) == tuple(module.weight.shape), (layer, module)
        assert tuple(got["output_shape"]) == tuple(out.shape[1:]), (layer, module, size)
        assert got["macs"] == counter.get_total_flops() // 2, (layer, module, size)
        checked += 1


def test_params_with_an_input_works_the_output_shape_out_in_the_text_too(cli):
    result = cli("solve", "params", "--layer", "conv_transpose1d", "--in-channels", "4", "--out-channels", "6",
                 "--kernel", "3", "--input", "5", "--stride", "2")
    assert result.returncode == 0, result.stderr
    assert "Substitute: M_new = (5 − 1)·2 + 3" in result.stdout
    assert "Output tensor shape: (N, C_out, L_out) = (1, 6, 11)" in result.stdout


@pytest.mark.parametrize("layers, size", [("conv:7:2:3,maxpool:3:2:ceil", 224),      # GoogLeNet: 56, floor gives 55
                                          ("conv:4:1:same:2,maxpool:2:2:1:ceil,avgpool:3:2:1:ceil", 31),
                                          ("conv:3:1:same,conv:3:1:same,maxpool:2", 17)])
def test_receptive_field_layers_take_ceil_mode_and_same_padding_as_torch_does(cli, layers, size):
    import torch

    got = json.loads(cli("solve", "receptive-field", "--layers", layers, "--input", str(size), "--json").stdout)
    x = torch.zeros(1, 1, size, size)
    sizes = [size]
    for text in layers.split(","):
        parts = text.split(":")
        ceil = parts[-1] == "ceil"
        parts = parts[:-1] if ceil else parts
        k = int(parts[1])
        s = int(parts[2]) if len(parts) > 2 else (1 if parts[0] == "conv" else k)
        p = (parts[3] if parts[3] == "same" else int(parts[3])) if len(parts) > 3 else 0
        d = int(parts[4]) if len(parts) > 4 else 1
        layer = {"conv": lambda: torch.nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d),
                 "maxpool": lambda: torch.nn.MaxPool2d(k, s, p, d, ceil_mode=ceil),
                 "avgpool": lambda: torch.nn.AvgPool2d(k, s, p, ceil_mode=ceil)}[parts[0]]()
        with torch.no_grad():
            x = layer(x)
        sizes.append(x.shape[-1])
    assert got["sizes"] == sizes
