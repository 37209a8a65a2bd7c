"""The seed lab's exercises, generated from the shipped Spanish bank, give the answers torch gives
(not the notebook's misprints). torch is run here exactly as in the notebook's cells."""
import json

import pytest
import torch
import torch.nn as nn
from conftest import SEED_BANK


def notebook_conv(kernel, image, **kwargs):
    """The notebook's recipe: an nn.Conv2d whose weight and bias are set by hand."""
    conv = nn.Conv2d(in_channels=1, out_channels=1, kernel_size=len(kernel), **kwargs)
    conv.state_dict()["weight"][0][0] = torch.tensor(kernel, dtype=torch.float32)
    conv.state_dict()["bias"][0] = 0.0
    with torch.no_grad():
        return conv(torch.tensor([[image]], dtype=torch.float32))[0, 0]


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    from conftest import run_cli
    out = tmp_path_factory.mktemp("seed")
    result = run_cli("generate", SEED_BANK, "--format", "json", "--out", out)
    assert result.returncode == 0, result.stderr
    questions = json.loads((out / "key.json").read_text())["versions"][0]["questions"]
    return {q["id"]: q for q in questions}


ONES = [[1.0] * 4 for _ in range(4)]
SOBEL = [[1.0, 0, -1.0], [2.0, 0, -2.0], [1.0, 0.0, -1.0]]
COLUMN = [[1.0 if c == 2 else 0.0 for c in range(5)] for _ in range(5)]


def test_sobel_on_the_vertical_line_gives_rows_minus4_0_4(key):
    expected = notebook_conv(SOBEL, COLUMN)
    assert key["sobel"]["params"]["image"] == [[int(v) for v in row] for row in COLUMN]
    assert key["sobel"]["answer"]["value"] == expected.tolist()
    assert key["sobel"]["answer"]["value"][0] == [-4, 0, 4]  # the notebook prints this one right


def test_ones_kernel_on_ones_image_is_three_rows_of_fours_not_the_two_printed(key):
    expected = notebook_conv([[1.0, 1.0], [1.0, 1.0]], ONES)
    assert key["valores-unos"]["answer"]["value"] == expected.tolist()
    assert len(key["valores-unos"]["answer"]["value"]) == 3
    assert key["tamano-salida"]["answer"]["value"] == list(expected.shape) == [3, 3]


def test_stride_2_gives_2x2_of_fours(key):
    expected = notebook_conv([[1.0, 1.0], [1.0, 1.0]], ONES, stride=2)
    assert key["stride"]["answer"]["value"] == expected.tolist()


def test_non_integer_case_is_stride_3_and_floors_1_67_to_1(key):
    expected = notebook_conv([[1.0, 1.0], [1.0, 1.0]], ONES, stride=3)
    assert key["no-entero"]["answer"]["value"] == list(expected.shape) == [1, 1]
    assert key["no-entero-valores"]["answer"]["value"] == expected.tolist()
    floor_step = [s for s in key["no-entero"]["steps"] if s["kind"] == "non_integer"]
    assert floor_step and "(4 − 2) / 3 + 1 = 1.67" in floor_step[0]["math"] and floor_step[0]["math"].endswith("= 1")


def test_padding_1_stride_3_gives_2x2_not_the_printed_1x1(key):
    expected = notebook_conv([[1.0, 1.0], [1.0, 1.0]], ONES, stride=3, padding=1)
    assert key["padding"]["answer"]["value"] == expected.tolist() == [[1, 2], [2, 4]]
    assert key["padding-tamano"]["answer"]["value"] == list(expected.shape)


def test_zero_kernel_gives_zeros_whatever_the_image(key):
    image = key["kernel-ceros"]["params"]["image"]
    expected = notebook_conv([[0.0] * 3 for _ in range(3)], image)
    assert key["kernel-ceros"]["answer"]["value"] == [[0, 0], [0, 0]] == (expected.abs()).tolist()
    assert any(s["kind"] == "zero_kernel" for s in key["kernel-ceros"]["steps"])


def test_last_question_size_4_kernel_2_stride_2_is_2_not_the_notebooks_plus_2(key):
    expected = notebook_conv([[1.0, 1.0], [1.0, 1.0]], ONES, stride=2)
    assert key["tamano-stride"]["answer"]["value"] == list(expected.shape) == [2, 2]
    assert [s["math"] for s in key["tamano-stride"]["steps"]][:2] == ["M_new = ⌊(M − K) / S⌋ + 1",
                                                                      "M_new = ⌊(4 − 2) / 2⌋ + 1"]


def test_seed_bank_texts_are_spanish(key):
    assert key["tamano-salida"]["prompt"].startswith("Se aplica una convolución")
    assert key["tamano-salida"]["steps"][0]["text"].startswith("Fórmula")
