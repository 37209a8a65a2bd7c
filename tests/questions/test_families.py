"""Issue 7's question families end to end: every shipped bank per family generates, its right answers
(typed as students type them) grade 100%, sets are graded as sets, and `quizgen solve` answers like torch."""
import csv
import json

import pytest
from conftest import BANKS, run_cli

from quizgen.answers.credit import mark
from quizgen.arithmetic import layers as L
from quizgen.generate import reference as R

FAMILY_BANKS = sorted(p for p in BANKS.glob("*.yaml") if "seed" not in p.name and "practice" not in p.name)
NEW_TYPES = {"transposed_size", "pool_size", "pool_values", "channels", "stack", "flipped_values", "inverse"}


def test_a_bank_per_family_ships_in_spanish_and_english():
    languages = {}
    for bank in FAMILY_BANKS:
        languages.setdefault(bank.name.split(".")[-2], []).append(bank.name)
    assert len(languages["en"]) == len(languages["es"]) >= 8      # the families, and the starter banks
    types = {q["type"] for bank in FAMILY_BANKS for q in __import__("yaml").safe_load(bank.read_text())["questions"]}
    assert NEW_TYPES <= types


@pytest.mark.parametrize("bank", FAMILY_BANKS, ids=lambda p: p.name)
def test_the_right_answers_of_every_family_bank_grade_full_marks(bank, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id\n" + "\n".join(f"s{n}" for n in range(6)) + "\n")
    out = tmp_path / "out"
    result = run_cli("generate", bank, "--roster", roster, "--format", "json,sheet,markdown", "--out", out)
    assert result.returncode == 0, result.stderr
    result = run_cli("grade", bank, out / "responses-key.csv", "--roster", roster, "--out", tmp_path / "g", "--json")
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "g" / "grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and all(row["percent"] in ("100", "100.0") for row in rows), rows


def record(kind, value, mistakes=(), partial="proportional"):
    return {"answer": {"kind": kind, "value": value}, "mistakes": list(mistakes),
            "grading": {"exact": True, "tolerance": {"absolute": 0.01, "relative": 0}, "partial_credit": partial}}


@pytest.mark.parametrize("typed", ["5, 6, 7", "{7, 6, 5}", "5 6 7", "5;6;7", "[5,6,7]", "5..7", "5, 6, 6, 7"])
def test_a_set_is_right_in_any_order_and_notation(typed):
    assert mark(record("set", [5, 6, 7]), typed).status == "correct"


def test_a_set_earns_credit_per_value_found_and_loses_it_per_value_too_many():
    question = record("set", [5, 6, 7], [{"code": "one_value_only", "value": [6], "per_dimension": False}])
    assert mark(question, "5, 6").credit == pytest.approx(2 / 3)
    assert mark(question, "5, 6, 8").credit == pytest.approx(1 / 3)
    assert mark(question, "1, 2, 3").status == "wrong"
    assert mark(question, "6").mistakes == ["one_value_only"]
    assert mark(record("set", [5, 6, 7], partial="all_or_nothing"), "5, 6").credit == 0
    assert mark(question, "5, 6.5").status == "malformed" and mark(question, "").status == "blank"


def test_the_empty_set_is_written_as_none():
    assert mark(record("set", []), "none").status == "correct"
    assert mark(record("set", []), "ninguno").status == "correct"
    assert mark(record("set", []), "3").status == "wrong"


def test_a_number_is_one_number_and_several_are_a_format_error():
    question = record("number", 448, [{"code": "forgot_bias", "value": 432, "per_dimension": False}])
    assert mark(question, "448").status == "correct"
    assert mark(question, "432").mistakes == ["forgot_bias"]
    assert mark(question, "448 16").problem.problem == "several_numbers"


def test_a_tensor_shape_has_four_sizes_each_with_its_credit():
    question = record("tensor_shape", [8, 16, 30, 30])
    assert mark(question, "8x16x30x30").status == "correct"
    assert mark(question, "(8, 16, 30, 30)").status == "correct"
    assert mark(question, "8x3x30x30").credit == pytest.approx(0.75)


def solve_json(*args):
    result = run_cli("solve", *args, "--json")
    return result.returncode, json.loads(result.stdout)


@pytest.mark.parametrize("args, op", [
    (("conv_transpose2d", "--input", "4x5", "--kernel", "3x2", "--stride", "2x3", "--padding", "1x0",
      "--output-padding", "1x2"), R.TransposedConv.of((4, 5), (3, 2), (2, 3), (1, 0), 1, (1, 2))),
    (("maxpool2d", "--input", "5", "--kernel", "2", "--stride", "3", "--padding", "1", "--ceil-mode"),
     R.Pool.of("max", (5, 5), 2, 3, 1, 1, True)),
    (("avgpool2d", "--input", "7x9", "--kernel", "3"), R.Pool.of("avg", (7, 9), 3)),
    (("maxpool2d", "--input", "9", "--kernel", "3", "--padding", "2", "--dilation", "2"),
     R.Pool.of("max", (9, 9), 3, None, 2, 2)),
    (("conv_transpose2d", "--input", "3", "--kernel", "2", "--output-padding", "1"),
     R.TransposedConv.of((3, 3), 2, 1, 0, 1, 1)),
    (("maxpool2d", "--input", "4", "--kernel", "2", "--stride", "0"), R.Pool.of("max", (4, 4), 2, 0)),
])
def test_solve_answers_or_rejects_like_torch(args, op):
    code, got = solve_json(*args)
    torch = R.outcome(op)
    if torch.shape is None:
        assert code == 2 and "error" in got
        assert R.reason_of(torch.message) == L.OUTPUT_PADDING_TOO_LARGE or got["error"]
    else:
        assert code == 0 and tuple(got["output_shape"]) == torch.shape and got["steps"]


def test_solve_params_and_receptive_field_match_torch():
    code, got = solve_json("params", "--in-channels", "4", "--out-channels", "6", "--kernel", "3", "--groups", "2",
                           "--input", "8", "--stride", "2", "--padding", "1")
    assert code == 0
    conv = R.Conv.of((8, 8), 3, 2, 1)
    assert (got["params"],) == R.outcome(R.ChannelConv("params", 1, 4, 6, 2, True, conv)).shape
    assert (got["macs"],) == R.outcome(R.ChannelConv("macs", 1, 4, 6, 2, True, conv)).shape
    assert tuple(got["weight_shape"]) == R.outcome(R.ChannelConv("weight_shape", 1, 4, 6, 2, True, conv)).shape
    code, got = solve_json("receptive-field", "--layers", "conv:3,conv:3:2,maxpool:2,conv:3:1:0:2", "--input", "32")
    stack = (("conv", 3, 1, 0, 1, False), ("conv", 3, 2, 0, 1, False), ("maxpool", 2, 2, 0, 1, False),
             ("conv", 3, 1, 0, 2, False))
    assert code == 0 and (got["receptive_field"],) * 2 == R.outcome(R.Stack("receptive_field", 1, stack)).shape
    assert (got["sizes"][-1],) * 2 == R.outcome(R.Stack("output_size", 32, stack)).shape


@pytest.mark.parametrize("args", [("maxpool2d", "--input", "4"), ("receptive-field", "--layers", "conv:x"),
                                  ("params", "--kernel", "3", "--in-channels", "3", "--out-channels", "4",
                                   "--groups", "2")])
def test_solve_bad_flags_are_one_line_errors(args):
    result = run_cli("solve", *args)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_run_with_absurd_endpoints_is_a_format_error_not_a_crash():
    assert mark(record("set", [5, 6]), "1" * 4400 + "..1").status == "malformed"


def torch_stack(layers):
    """The stack as torch's own modules (nn.Sequential), from a key's layer records."""
    import torch

    modules = []
    for layer in layers:
        k, s, p, d = layer["kernel"], layer["stride"], layer["padding"], layer["dilation"]
        if layer["type"] == "conv":
            modules.append(torch.nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d))
        elif layer["type"] == "maxpool":
            modules.append(torch.nn.MaxPool2d(k, s, p, d, ceil_mode=layer.get("ceil_mode", False)))
        else:
            modules.append(torch.nn.AvgPool2d(k, s, p, ceil_mode=layer.get("ceil_mode", False)))
    return torch.nn.Sequential(*modules)


@pytest.mark.parametrize("bank", ["classic-networks.en.yaml", "redes-clasicas.es.yaml"])
def test_classic_networks_stems_and_blocks_are_torchs_own(bank, tmp_path):
    """Every stack of the classic-networks bank run through nn.Sequential of torch's modules (GoogLeNet's stem
    keeps 56 after its first pool, where floor would give 55, and that mistake is named); every receptive field
    is the reach of a gradient; every parameter count is an nn.Conv2d's."""
    import torch

    assert run_cli("check", BANKS / bank, "--versions", "4").returncode == 0
    assert run_cli("generate", BANKS / bank, "--versions", "4", "--format", "json", "--out", tmp_path).returncode == 0
    key = json.loads((tmp_path / "key.json").read_text())
    checked = 0
    for version in key["versions"]:
        for q in version["questions"]:
            p = q["params"]
            if q["type"] == "stack" and q["answer"]["kind"] == "shape":
                with torch.no_grad():
                    out = torch_stack(p["layers"])(torch.zeros(1, 1, *p["input_shape"]))
                assert q["answer"]["value"] == list(out.shape[2:]), q["id"]
            elif q["type"] == "stack":
                # the field: how far back the first output cell reaches, each layer a window of ones (a max
                # pool's gradient would reach one cell of its window only), padding aside
                x = torch.ones(1, 1, 400, requires_grad=True)
                y = x
                for layer in p["layers"]:
                    y = torch.nn.functional.conv1d(y, torch.ones(1, 1, layer["kernel"]), stride=layer["stride"],
                                                   dilation=layer["dilation"])
                y[0, 0, 0].backward()
                assert q["answer"]["value"] == int(x.grad[0, 0].nonzero().max()) + 1, q["id"]
            else:
                conv = torch.nn.Conv2d(p["in_channels"], p["out_channels"], p["kernel_shape"], groups=p["groups"],
                                       bias=p["bias"])
                assert q["answer"]["value"] == sum(t.numel() for t in conv.parameters()), q["id"]
            checked += 1
    assert checked == 4 * 11
    googlenet = next(q for q in key["versions"][0]["questions"] if q["id"] == "googlenet-stem")
    assert googlenet["answer"]["value"] == [28, 28]
    assert ("floor_instead_of_ceil", [27, 27]) in [(m["code"], m["value"]) for m in googlenet["mistakes"]]


def test_average_pooling_keys_print_numbers_as_the_instruction_asks_and_name_the_cut_window(tmp_path):
    """1.7777777777777777 was printed where the instruction asks for two places; a window cut by the padding or
    ceil_mode has its divisor explained, and dividing by K² there is a named mistake."""
    import re

    assert run_cli("generate", BANKS / "pooling.en.yaml", "--versions", "8", "--format", "json", "--out",
                   tmp_path).returncode == 0
    key = json.loads((tmp_path / "key.json").read_text())
    cut = [q for v in key["versions"] for q in v["questions"] if q["id"] == "avgpool-cut-windows"]
    for q in cut:
        assert all(len(d) <= 2 for d in re.findall(r"\.(\d+)", q["answer"]["text"])), q["answer"]["text"]
        assert mark(q, q["answer"]["text"]).status == "correct"
    steps = {s["kind"] for q in cut for s in q["steps"]}
    assert {"divisor_padded", "divisor_inside"} <= steps
    codes = {m["code"] for q in cut for m in q["mistakes"]}
    assert {"full_kernel_divisor", "padding_counted", "padding_not_counted"} <= codes


def test_inverse_output_padding_questions_are_answered_by_torchs_transposed_convolutions(tmp_path):
    """Which output_padding gives a target size: each candidate run through nn.ConvTranspose2d itself (torch
    refuses output_padding >= max(stride, dilation)); the answer is exactly the candidates torch takes there."""
    import torch

    assert run_cli("generate", BANKS / "transposed.en.yaml", "--versions", "10", "--format", "json", "--out",
                   tmp_path).returncode == 0
    key = json.loads((tmp_path / "key.json").read_text())
    for version in key["versions"]:
        q = next(q for q in version["questions"] if q["id"] == "which-output-padding")
        p = q["params"]
        reached = []
        for op in p["candidates"]:
            try:
                layer = torch.nn.ConvTranspose2d(1, 1, p["kernel_shape"], stride=p["stride"], padding=p["padding"],
                                                 dilation=p["dilation"], output_padding=op)
                with torch.no_grad():
                    size = layer(torch.zeros(1, 1, *p["input_shape"])).shape[-1]
            except RuntimeError:
                continue
            if size == p["output"]:
                reached.append(op)
        assert q["answer"]["value"] == reached, (q["prompt"], reached)
        assert mark(q, q["answer"]["text"]).status == "correct"


def test_same_padding_is_worked_out_in_output_size_keys_and_its_notation_slip_is_named(tmp_path):
    """padding='same' with an even kernel: the key shows the total d·(k − 1) and the split (1 before, 2 after),
    as torch pads (its output keeps the size); before,after written once where each dimension needs its own
    is named, not left a bare 0."""
    import torch

    bank = tmp_path / "bank.yaml"
    bank.write_text("questions:\n  - id: size\n    type: output_size\n    image: {size: 9}\n    kernel: {size: 4}\n"
                    "    dilation: [1, 2]\n    padding: same\n  - id: keep\n    type: same_padding\n"
                    "    image: {size: 6}\n    kernel: {size: [2, 4]}\n")
    assert run_cli("generate", bank, "--versions", "6", "--format", "json", "--out", tmp_path / "o").returncode == 0
    key = json.loads((tmp_path / "o/key.json").read_text())
    for version in key["versions"]:
        size, keep = version["questions"]
        d = size["params"]["dilation"][0]
        total = d * 3
        split = next(s for s in size["steps"] if s["kind"] in ("uneven_split", "per_side"))
        assert f"P_before = ⌊{total} / 2⌋ = {total // 2}" in split["text"] or total % 2 == 0
        padded = torch.nn.functional.pad(torch.zeros(1, 1, 9, 9), [total // 2, total - total // 2] * 2)
        assert padded.shape[-1] == 9 + total
        assert size["answer"]["value"] == list(torch.nn.functional.conv2d(
            torch.zeros(1, 1, 9, 9), torch.zeros(1, 1, 4, 4), padding="same", dilation=d).shape[2:])
        (before, after), _ = keep["answer"]["value"]
        typed = mark(keep, f"{before},{after}")
        assert typed.status == "wrong" and typed.mistakes == ["sides_as_dimensions"]
