"""Pictures of the sliding kernel: the window positions against torch's unfold, the drawn grids, and that a
problem set's picture never gives the answer away."""
import itertools
import random
import time
import xml.etree.ElementTree as ET

import pytest
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


# --- long dimensions: cut, never drawn whole ---------------------------------------------------------------

CUT = [
    record(input_shape=[3, 100_000], kernel_shape=[3, 3]),
    record(input_shape=[100_000, 3], kernel_shape=[3, 3]),
    record(input_shape=[5000, 5000], kernel_shape=[3, 3], stride=[7, 7]),
    record(input_shape=[200_000], kernel_shape=[5], stride=[1], padding=[2], dilation=[1]),
    record(input_shape=[7, 7], kernel_shape=[5822, 5822], padding="same"),
    record(input_shape=[150, 100_000], kernel_shape=[3, 3], padding=[1, 1]),
    record(input_shape=[170, 170], kernel_shape=[150, 150], dilation=[1, 1]),
    record(input_shape=[5000, 5000], kernel_shape=[40, 40], dilation=[3, 3]),
    {"type": "conv_values", "picture": True, "params": {
        "input_shape": [5, 5], "kernel_shape": [3, 3], "stride": [1, 1], "padding": [90, 90], "dilation": [1, 1],
        "image": [[1, 2, 3, 4, 5]] * 5, "kernel": [[1, 0, -1]] * 3}},
    {"type": "conv_values", "picture": True, "params": {
        "input_shape": [8], "kernel_shape": [3], "stride": [1], "padding": [200], "dilation": [1],
        "image": [1, 2, 3, 4, 5, 6, 7, 8], "kernel": [1, -1, 2]}},
]


def render(question, lang="en", key=True) -> tuple[str, float]:
    started = time.perf_counter()
    svg = str(Renderer().svg(question, lang, key=key))
    return svg, time.perf_counter() - started


def lit_cells(layout, root) -> list[set]:
    """The squares the window lights in each frame of the animation."""
    paths = {p.get("class"): p for p in root.iter(f"{SVG}path")}
    window = squares(paths["win"].get("d"))
    return [{(x + dx, y + dy) for x, y in window} for dx, dy in moves(paths["win"])]


@pytest.mark.parametrize("question", CUT, ids=lambda q: "x".join(map(str, q["params"]["input_shape"])) + "-k" +
                         "x".join(map(str, q["params"]["kernel_shape"])))
def test_a_long_dimension_is_cut_and_the_picture_stays_small_and_fast(question):
    for key, lang in ((True, "en"), (False, "es")):
        svg, seconds = render(question, lang, key)
        root, classes = drawn(svg)
        assert len(svg.encode()) < 100_000 and seconds < 1, (len(svg.encode()), seconds)
        text = "".join(root.itertext())
        assert ("⋯" in text or "⋮" in text) and "t cut" in classes, text
        assert ("not drawn" if lang == "en" else "sin dibujar") in text
        assert int(root.get("width")) < 2000 and int(root.get("height")) < 1000     # readable, on a screen


@pytest.mark.parametrize("question", CUT, ids=lambda q: "x".join(map(str, q["params"]["input_shape"])))
def test_a_cut_picture_animates_the_windows_it_draws_whole_and_says_so(question):
    layout = pictures.picture(question["params"])
    root, _ = drawn(Renderer().svg(question, "en", key=True))
    rows, cols, cell = layout.input.row_axis, layout.input.col_axis, layout.input.cell
    (x0, y0), text = (layout.input.x, layout.input.y), "".join(root.itertext())
    assert 1 <= len(layout.frames) <= pictures.MAX_FRAMES
    if layout.first_frames:      # the first window is wider than the parts drawn: it alone, where it is drawn
        assert len(layout.frames) == 1 and "shows the first 1" in text
        return
    assert f"shows the positions drawn whole: {len(layout.frames)})" in text
    for frame, lit in zip(layout.frames, lit_cells(layout, root)):
        cells = frame.cells
        assert all(rows.at(i) is not None and cols.at(j) is not None for i, j in cells)   # drawn whole
        assert lit == {(x0 + cols.at(j) * cell, y0 + rows.at(i) * cell) for i, j in cells}
        out_rows, out_cols = layout.output.row_axis, layout.output.col_axis
        assert out_rows.at(frame.out[0]) is not None and out_cols.at(frame.out[1]) is not None


def test_random_huge_configurations_make_small_pictures_quickly():
    rng = random.Random(16)
    for _ in range(60):
        ndim = rng.choice((1, 2))
        size = lambda: rng.choice((1, 2, 3, 7, 40, 161, 5000, 100_000, 1 << 20))  # noqa: E731
        image = [size() for _ in range(ndim)]
        kernel = [rng.randint(1, min(n, 9) if rng.random() < 0.7 else n) for n in image]
        params = dict(input_shape=image, kernel_shape=kernel, stride=[rng.choice((1, 2, 7, 1000)) for _ in image],
                      padding=rng.choice(("same", "valid", [rng.choice((0, 1, 3, 5000)) for _ in image])),
                      dilation=[1 if k * 3 > n else rng.choice((1, 2, 3)) for k, n in zip(kernel, image)])
        if params["padding"] == "same":
            params["stride"] = [1] * ndim
        if pictures.spec_of(params) is None:
            continue
        for key in (True, False):
            svg, seconds = render({"type": "output_size", "picture": True, "params": params}, "en", key)
            assert len(svg.encode()) < 100_000 and seconds < 1, (params, len(svg.encode()), seconds)
            drawn(svg)                                                    # well-formed


def test_small_pictures_are_drawn_whole_as_before():
    for params in CONFIGS[::5] + [record(input_shape=[128, 128], kernel_shape=[3, 3], padding=[1, 1])["params"]]:
        layout = pictures.picture(params)
        if layout is None:
            continue
        for grid in (layout.input, layout.kernel, layout.output):
            assert grid.blocks == [(grid.x, grid.y, grid.cols * grid.cell, grid.rows * grid.cell)]
            assert not grid.marks and not grid.cuts
        assert layout.first_frames and len(layout.frames) == min(pictures.MAX_FRAMES, layout.total_frames)
        root, classes = drawn(Renderer().svg(record(**params), "en", key=True))
        assert "t cut" not in classes and "⋯" not in "".join(root.itertext())


def test_a_long_product_sum_shows_its_first_and_last_products():
    rng = random.Random(5)
    image = [[rng.randint(-50, 50) for _ in range(10)] for _ in range(10)]
    kernel = [[rng.randint(-50, 50) for _ in range(8)] for _ in range(8)]
    question = {"type": "conv_values", "picture": True, "params": {
        "input_shape": [10, 10], "kernel_shape": [8, 8], "stride": [1, 1], "padding": [0, 0], "dilation": [1, 1],
        "image": image, "kernel": kernel}}
    root, _ = drawn(Renderer().svg(question, "en", key=True))
    sums = ["".join(t.itertext()) for t in captions(root)]
    expected = torch.nn.functional.conv2d(torch.tensor([[image]]), torch.tensor([[kernel]]))[0, 0].tolist()
    assert len(sums) == 9
    for (r, c), text in zip(itertools.product(range(3), range(3)), sums):
        assert text.startswith(f"y[{r},{c}] = ") and " + … + " in text and text.endswith(f" = {expected[r][c]}")
        assert text.count("·") == 6 and len(text) <= pictures.MAX_CAPTION
