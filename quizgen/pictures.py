"""Pictures of a convolution: the padded input (padding cells apart), the kernel, the output, and the frames
of the kernel window sliding over the input with the question's stride and dilation. Pure geometry and
layout (pixels) over a question record's parameters; the SVG itself is written by templates/svg/.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import arithmetic as ar
from .errors import InvalidConfiguration

MAX_FRAMES = 48           # an animation longer than this shows the first positions (the caption says so)
MAX_CELL, MIN_CELL = 30, 5
PANEL_WIDTH = 360         # the input panel's width at most, in pixels
GAP = 28
LABEL_ROOM = 190          # a panel is at least as wide as its title ("Input 24×24 (grey: zero padding)")
MARGIN = 2                # strokes at the edges stay inside the picture
TEXT_WIDTH = 7            # pixels per character of the 13px caption font (room for the product-sum)


@dataclass(frozen=True)
class Frame:
    """One position of the window: the output cell written and the padded-input cells under the kernel."""
    out: tuple
    cells: tuple
    sum_text: str = ""    # y[r,c] = k·x + ... = value, when values matter


@dataclass(frozen=True)
class Grid:
    """A grid drawn at (x, y) with square cells of ``cell`` pixels; ``values`` are shown when given."""
    x: int
    y: int
    rows: int
    cols: int
    cell: int
    values: list | None = None
    padding: tuple = ((0, 0), (0, 0))   # (top, bottom), (left, right): cells drawn as padding

    @property
    def width(self) -> int:
        return self.cols * self.cell

    @property
    def height(self) -> int:
        return self.rows * self.cell

    def is_padding(self, r: int, c: int) -> bool:
        (top, bottom), (left, right) = self.padding
        return r < top or r >= self.rows - bottom or c < left or c >= self.cols - right


@dataclass(frozen=True)
class Picture:
    """Everything a template needs to draw one convolution, laid out in pixels."""
    width: int
    height: int
    input: Grid
    kernel: Grid
    output: Grid
    frames: list
    total_frames: int
    spec: object
    dilation: tuple


def spec_of(params: dict) -> ar.ConvSpec | None:
    try:
        return ar.conv_spec(params["input_shape"], params["kernel_shape"], params["stride"], params["padding"],
                            params["dilation"])
    except InvalidConfiguration:
        return None


def frames(spec: ar.ConvSpec, image=None, kernel=None, limit: int | None = None) -> list[Frame]:
    """Window positions in the order the output is written (row by row), each with its input cells."""
    dh, dw = spec.dims
    oh, ow = spec.output_shape
    kh, kw = dh.kernel, dw.kernel
    padded = ar.pad_matrix(image, spec) if image is not None else None
    out = []
    for r in range(oh):
        for c in range(ow):
            if limit is not None and len(out) >= limit:
                return out
            cells = tuple((r * dh.stride + a * dh.dilation, c * dw.stride + b * dw.dilation)
                          for a in range(kh) for b in range(kw))
            text = ""
            if padded is not None:
                value = sum(k * x for k, x in ar.window_terms(padded, kernel, spec, r, c))
                text = ar.cell_step(padded, kernel, spec, r, c, value).text
            out.append(Frame((r, c), cells, text))
    return out


def picture(params: dict, with_output: bool = True, padded: bool = True) -> Picture | None:
    """The layout of a question's convolution; None when torch rejects it (nothing to draw).
    ``padded=False`` draws the bare input (when the padding is what the student must find)."""
    spec = spec_of(params)
    if spec is None:
        return None
    dh, dw = spec.dims
    image, kernel = params.get("image"), params.get("kernel")
    pads = ((dh.pad_left, dh.pad_right), (dw.pad_left, dw.pad_right)) if padded else ((0, 0), (0, 0))
    rows = dh.size + sum(pads[0])
    cols = dw.size + sum(pads[1])
    cell = max(MIN_CELL, min(MAX_CELL, PANEL_WIDTH // max(rows, cols)))
    shown = ar.pad_matrix(image, spec) if image is not None and padded else image
    top = 24                                  # room for the panel titles
    grid_in = Grid(MARGIN, top, rows, cols, cell, shown if cell >= 18 else None, pads)
    kcell = max(cell, 18) if kernel is not None else cell
    grid_k = Grid(grid_in.x + max(grid_in.width, LABEL_ROOM) + GAP, top, dh.kernel, dw.kernel, kcell,
                  kernel if kcell >= 18 else None)
    oh, ow = spec.output_shape
    values = _output_values(image, kernel, spec) if with_output else None
    grid_out = Grid(grid_k.x + max(grid_k.width, LABEL_ROOM) + GAP, top, oh, ow, cell if not values else max(cell, 18),
                    values if values and cell >= 18 else None)
    shown_frames = frames(spec, image, kernel, MAX_FRAMES) if with_output and padded else []
    longest = max((len(f.sum_text) for f in shown_frames), default=0)
    width = max((grid_out.x + max(grid_out.width, LABEL_ROOM)) if with_output else grid_k.x + max(grid_k.width, LABEL_ROOM),
                longest * TEXT_WIDTH) + MARGIN
    height = top + max(grid_in.height, grid_k.height, grid_out.height if with_output else 0) + 44
    return Picture(width, height, grid_in, grid_k, grid_out, shown_frames, oh * ow, spec,
                   (dh.dilation, dw.dilation))


def _output_values(image, kernel, spec):
    if image is None or kernel is None:
        return None
    return ar.correlate2d(image, kernel, spec)
