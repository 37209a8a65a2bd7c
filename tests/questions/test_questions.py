"""Each question type over many drawn versions: constraints hold, and answers agree with torch as
computed here, independently of quizgen's own cross-check."""
import warnings

import pytest
import torch
import torch.nn.functional as F
from conftest import PRACTICE_BANK

from quizgen.generate.bank import load_bank
from quizgen.generate.pipeline import build
from quizgen.render.renderer import Renderer

VERSIONS = [f"v{n}" for n in range(1, 61)]


@pytest.fixture(scope="module")
def questions():
    quizset = build(load_bank(PRACTICE_BANK), VERSIONS, 5, "en", Renderer())
    by_id = {}
    for version in quizset.versions:
        for q in version.questions:
            by_id.setdefault(q.id, []).append(q)
    return by_id


def torch_conv(p, image=None, kernel=None, padding=None):
    x = torch.tensor([[image]], dtype=torch.float64) if image else torch.zeros(1, 1, *p["input_shape"], dtype=torch.float64)
    w = torch.tensor([[kernel]], dtype=torch.float64) if kernel else torch.ones(1, 1, *p["kernel_shape"], dtype=torch.float64)
    pad = p["padding"] if padding is None else padding
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return F.conv2d(x, w, stride=p["stride"], padding=pad if isinstance(pad, str) else tuple(pad),
                        dilation=p["dilation"])[0, 0]


def test_output_sizes_equal_torch_and_meet_min_output(questions):
    for qid in ("size-valid", "size-stride", "size-floor", "size-padding", "size-rectangular", "size-dilation"):
        for q in questions[qid]:
            assert q.answer["value"] == list(torch_conv(q.params).shape), (qid, q.params)
            assert min(q.answer["value"]) >= 2


def test_exact_division_constraint_is_honoured_both_ways(questions):
    assert not any(s["kind"] == "non_integer" for q in questions["size-stride"] for s in q.steps)
    assert all(any(s["kind"] == "non_integer" for s in q.steps) for q in questions["size-floor"])


def test_rectangular_questions_are_worked_per_dimension(questions):
    for q in questions["size-rectangular"]:
        assert q.params["input_shape"][0] != q.params["input_shape"][1]
        assert {"height", "width"} <= {s["dim"] for s in q.steps}
        assert "height" in q.prompt and "width" in q.prompt


def test_parameters_vary_across_versions(questions):
    assert len({tuple(q.params["input_shape"]) for q in questions["size-valid"]}) > 10
    assert len({str(q.params["image"]) for q in questions["values-small"]}) > 10


def test_conv_values_equal_torch_on_the_drawn_image_and_kernel(questions):
    for qid in ("values-small", "values-edges"):
        for q in questions[qid]:
            expected = torch_conv(q.params, q.params["image"], q.params["kernel"])
            assert q.answer["value"] == expected.tolist()


def test_same_padding_answer_keeps_the_size_in_torch(questions):
    for q in questions["keep-size"]:
        (top, bottom), (left, right) = q.answer["value"]
        x = torch.zeros(1, 1, *q.params["input_shape"], dtype=torch.float64)
        padded = F.pad(x, (left, right, top, bottom))
        w = torch.ones(1, 1, *q.params["kernel_shape"], dtype=torch.float64)
        assert list(F.conv2d(padded, w, dilation=q.params["dilation"]).shape[2:]) == q.params["input_shape"]


def test_validity_answer_is_what_torch_does(questions):
    seen = set()
    for q in questions["valid-or-not"]:
        p = q.params
        try:
            x = torch.zeros(1, 1, *p["input_shape"])
            w = torch.zeros(1, 1, *p["kernel_shape"])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                F.conv2d(x, w, stride=p["stride"], padding=p["padding"] if isinstance(p["padding"], str)
                         else tuple(p["padding"]), dilation=p["dilation"])
            accepted = True
        except RuntimeError:
            accepted = False
        assert accepted == (q.answer["value"] == "valid"), p
        assert q.answer["letter"] == next(o["letter"] for o in q.answer["options"] if o["code"] == q.answer["value"])
        seen.add(q.answer["value"])
    assert "valid" in seen and len(seen) >= 4  # the space really mixes valid and invalid configurations


def test_mistakes_differ_from_the_answer_and_name_a_known_mistake(questions):
    words = Renderer().words("en")
    for qs in questions.values():
        for q in qs:
            for mistake in q.mistakes:
                assert mistake["value"] != q.answer["value"]
                assert mistake["code"] in words.mistakes


def test_padding_mistakes_and_answer_texts_follow_the_prompt_syntax(questions):
    for q in questions["keep-size"]:
        text = q.answer["text"]
        assert text.replace("x", "").replace(",", "").isdigit()
