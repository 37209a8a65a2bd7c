"""Pictures of the sliding kernel: the window positions against torch's unfold, the drawn grids, and that a
problem set's picture never gives the answer away."""
import itertools
import xml.etree.ElementTree as ET

import torch

from quizgen.render import pictures
from quizgen.render.renderer import Renderer

SVG = "{http://www.w3.org/2000/svg}"
CONFIGS = [dict(input_shape=[h, w], kernel_shape=[kh, kw], stride=[sh, sw], padding=[ph, pw], dilation=[dh, dw])
           for h, w, kh, kw, sh, sw, ph, pw, dh, dw in itertools.product(
               (3, 6), (4, 7), (1, 2, 3), (2,), (1, 2), (1, 3), (0, 1), (0, 2), (1, 2), (1,))]


def padded_size(params):
    return [n + 2 * p for n, p in zip(params["input_shape"], params["padding"])]


def test_window_positions_are_torchs_unfold_patches():
    checked = 0
    for params in CONFIGS:
        spec = pictures.spec_of(params)
        if spec is None:      # torch rejects it: nothing to draw (kernel larger than the padded input)
            continue
        hp, wp = padded_size(params)
        index = torch.arange(hp * wp, dtype=torch.float64).reshape(1, 1, hp, wp)
        patches = torch.nn.functional.unfold(index, params["kernel_shape"], dilation=params["dilation"],
                                             stride=params["stride"])[0].T.long().tolist()
        frames = pictures.frames(spec)
        assert len(frames) == spec.output_shape[0] * spec.output_shape[1] == len(patches), params
        assert [[i * wp + j for i, j in f.cells] for f in frames] == patches, params
        checked += 1
    assert checked > 300


def drawn(svg: str):
    root = ET.fromstring(svg)
    return root, [e.get("class") for e in root.iter() if e.get("class")]


def record(**params):
    return {"type": "output_size", "picture": True, "params": {"stride": [1, 1], "padding": [0, 0],
                                                                "dilation": [1, 1], **params}}


def squares(path: str) -> set[tuple[float, float]]:
    """The top-left corners of the squares of an SVG path written as M x y h.. v.. h-.. z."""
    return {tuple(map(float, square[1:].split("h")[0].split())) for square in path.split("z") if square}


def captions(root) -> list:
    return [t for t in root.iter(f"{SVG}text") if "frame" in (t.get("class") or "").split()]


def moves(element) -> list[tuple[float, float]]:
    animation = element.find(f"{SVG}animateTransform")
    assert animation.get("type") == "translate" and animation.get("repeatCount") == "indefinite"
    return [tuple(map(float, value.split())) for value in animation.get("values").split(";")]


def test_a_key_picture_draws_padding_input_kernel_output_and_one_frame_per_position():
    params = record(input_shape=[5, 7], kernel_shape=[3, 3], stride=[2, 2], padding=[1, 1])["params"]
    layout = pictures.picture(params)
    assert (layout.input.rows, layout.input.cols) == (7, 9)
    padding = [(r, c) for r in range(7) for c in range(9) if layout.input.is_padding(r, c)]
    assert len(padding) == 7 * 9 - 5 * 7
    assert (layout.kernel.rows, layout.kernel.cols, layout.output.rows, layout.output.cols) == (3, 3, 3, 4)
    root, classes = drawn(Renderer().svg(record(**params), "en", key=True))
    assert classes.count("pad") == 4                              # top, bottom, left and right bands
    paths = {p.get("class"): p for p in root.iter(f"{SVG}path")}
    assert len(moves(paths["win"])) == len(moves(paths["cur"])) == 3 * 4
    assert not captions(root)                                     # no values: the lit output cell says it all


def test_each_frame_of_the_animation_lights_the_window_of_its_position_and_its_output_cell():
    for params in CONFIGS[::7]:
        layout = pictures.picture(params)
        if layout is None:
            continue
        root, _ = drawn(Renderer().svg(record(**params), "en", key=True))
        paths = {p.get("class"): p for p in root.iter(f"{SVG}path")}
        cell, (x0, y0) = layout.input.cell, (layout.input.x, layout.input.y)
        window, current = squares(paths["win"].get("d")), squares(paths["cur"].get("d"))
        assert len(window) == params["kernel_shape"][0] * params["kernel_shape"][1]
        frames = pictures.frames(layout.spec, limit=pictures.MAX_FRAMES)
        assert len(moves(paths["win"])) == len(moves(paths["cur"])) == len(frames)
        for frame, (dx, dy), (ox, oy) in zip(frames, moves(paths["win"]), moves(paths["cur"])):
            lit = {(x + dx, y + dy) for x, y in window}
            assert lit == {(x0 + j * cell, y0 + i * cell) for i, j in frame.cells}, params
            (x, y), = current
            assert (x + ox, y + oy) == (layout.output.x + frame.out[1] * cell, layout.output.y + frame.out[0] * cell)


def test_long_animations_show_the_first_positions_and_say_how_many_there_are():
    question = record(input_shape=[20, 20], kernel_shape=[3, 3])
    root, _ = drawn(Renderer().svg(question, "en", key=True))
    window = next(p for p in root.iter(f"{SVG}path") if p.get("class") == "win")
    assert len(moves(window)) == pictures.MAX_FRAMES
    assert "324" in "".join(root.itertext())


def test_rectangular_inputs_are_drawn_to_scale():
    layout = pictures.picture({"input_shape": [4, 12], "kernel_shape": [3, 3], "stride": [1, 1], "padding": [0, 0],
                               "dilation": [1, 1]})
    assert layout.input.width / layout.input.height == 12 / 4


def test_a_problem_set_picture_shows_no_output_and_no_padding_to_find():
    size = record(input_shape=[6, 6], kernel_shape=[3, 3], padding=[1, 1])
    _, classes = drawn(Renderer().svg(size, "en", key=False))
    assert "o" not in classes and "win" not in classes and classes.count("pad") == 4
    same = {**size, "type": "same_padding", "params": {**size["params"], "padding": "same"}}
    _, classes = drawn(Renderer().svg(same, "en", key=False))
    assert "pad" not in classes and "o" not in classes


def test_no_picture_unless_the_bank_asks_and_none_for_configurations_torch_rejects():
    question = record(input_shape=[6, 6], kernel_shape=[3, 3])
    assert Renderer().svg({**question, "picture": False}, "en", key=False) == ""
    rejected = record(input_shape=[2, 2], kernel_shape=[3, 3])
    assert Renderer().svg(rejected, "en", key=True) == ""
    assert Renderer().svg({**question, "type": "validity"}, "en", key=True) == ""


def test_values_are_exact_and_fit_their_cells():
    question = {"type": "conv_values", "picture": True, "params": {
        "input_shape": [2, 3], "kernel_shape": [1, 2], "stride": [1, 1], "padding": [0, 0], "dilation": [1, 1],
        "image": [[0.1, 0.2, -1.6366], [1, 2, 3]], "kernel": [[1, 1]]}}
    root, _ = drawn(Renderer().svg(question, "en", key=True))
    texts = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "v"]
    assert "0.3" in texts and "-1.4366" in texts                 # 0.1 + 0.2, not 0.30000000000000004
    sums = captions(root)                                         # a product-sum per frame, in its second
    assert ["".join(t.itertext()) for t in sums] == ["y[0,0] = 1·0.1 + 1·0.2 = 0.3", "y[0,1] = 1·0.2 + 1·(-1.6366) = -1.4366",
                                      "y[1,0] = 1·1 + 1·2 = 3", "y[1,1] = 1·2 + 1·3 = 5"]
    assert [t.find(f"{SVG}animate").get("keyTimes") for t in sums] == ["0;0.0;0.25", "0;0.25;0.5", "0;0.5;0.75",
                                                                       "0;0.75;1.0"]
    assert pictures.picture(question["params"]).input.cell >= len("-1.6366") * pictures.DIGIT_WIDTH


def test_a_worked_out_same_padding_is_not_drawn_in_a_problem_set():
    question = {"type": "conv_values", "picture": True, "params": {
        "input_shape": [4, 4], "kernel_shape": [3, 3], "stride": [1, 1], "padding": "same", "dilation": [1, 1],
        "image": [[1] * 4] * 4, "kernel": [[1] * 3] * 3}}
    _, problem = drawn(Renderer().svg(question, "en", key=False))
    _, key = drawn(Renderer().svg(question, "en", key=True))
    assert "pad" not in problem and key.count("pad") == 4


def test_large_grids_stay_small_files():
    question = record(input_shape=[128, 128], kernel_shape=[3, 3], padding=[1, 1])
    assert len(Renderer().svg(question, "en", key=True)) < 100_000
