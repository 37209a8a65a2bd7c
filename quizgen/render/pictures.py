"""Pictures of a convolution: the padded input (padding cells apart), the kernel, the output, and the frames
of the kernel window sliding over the input with the question's stride and dilation. Pure geometry and
layout (pixels) over a question record's parameters; the SVG itself is written by templates/svg/.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..arithmetic import conv as ar
from ..core.errors import InvalidConfiguration
from ..core.numbers import format_number

MAX_DRAWN_CELLS = 40_000  # beyond this (input, kernel and output together) no picture is drawn: it would not
                          # be readable, and a picture must never cost more memory than the question
MAX_FRAMES = 48           # an animation longer than this shows the first positions (the caption says so)
MAX_CELL, MIN_CELL = 30, 5
MIN_VALUE_CELL, MAX_VALUE_CELL = 18, 56   # numbers are written in cells at least this big, and grow up to
DIGIT_WIDTH = 7                           # pixels per character of the 12px value font
PANEL_WIDTH = 360         # the input panel's width at most, in pixels
GAP = 28
LABEL_ROOM = 190          # a panel is at least as wide as its title ("Input 24×24 (grey: zero padding)")
MARGIN = 2                # strokes at the edges stay inside the picture
TEXT_WIDTH = 7            # pixels per character of the 13px caption font (room for the product-sum)


@dataclass(frozen=True)
class Frame:
    """One position of the window: the output cell written and (``cells``) the padded-input cells under
    the kernel."""
    out: tuple
    spec: object
    sum_text: str = ""    # y[r,c] = k·x + ... = value, when values matter

    @property
    def cells(self) -> tuple:
        return tuple(ar.window_cells(self.spec, *self.out))

    @property
    def origin(self) -> tuple:
        """The padded-input cell under the kernel's first element (the window's top-left corner)."""
        dh, dw = self.spec.dims
        return self.out[0] * dh.stride, self.out[1] * dw.stride


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

    # What the template draws: a few elements per grid, not one per cell (a 128×128 input stays small and
    # fast to write).
    @property
    def lines(self) -> str:
        """Every grid line as one SVG path."""
        rows = "".join(f"M{self.x} {self.y + r * self.cell}h{self.width}" for r in range(self.rows + 1))
        cols = "".join(f"M{self.x + c * self.cell} {self.y}v{self.height}" for c in range(self.cols + 1))
        return rows + cols

    @property
    def padding_bands(self) -> list[tuple]:
        """(x, y, width, height) of the padding's top, bottom, left and right bands."""
        (top, bottom), (left, right) = self.padding
        c, inner = self.cell, self.rows - top - bottom
        bands = [(self.x, self.y, self.width, top * c), (self.x, self.y + (self.rows - bottom) * c, self.width, bottom * c),
                 (self.x, self.y + top * c, left * c, inner * c),
                 (self.x + (self.cols - right) * c, self.y + top * c, right * c, inner * c)]
        return [band for band in bands if band[2] and band[3]]

    @property
    def labels(self) -> list[tuple]:
        """(x, y, value) at the centre of every cell, when values are shown."""
        if not self.values:
            return []
        half = self.cell / 2
        return [(self.x + c * self.cell + half, self.y + r * self.cell + half, v)
                for r, row in enumerate(self.values) for c, v in enumerate(row)]

    def squares(self, cells) -> str:
        """The outline of some cells as one SVG path."""
        c = self.cell
        return "".join(f"M{self.x + j * c} {self.y + i * c}h{c}v{c}h-{c}z" for i, j in cells)


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

    @property
    def sequence(self) -> bool:
        """A conv1d's: drawn as rows one cell high."""
        return len(self.spec.dims) == 1

    def size_text(self, grid: "Grid | None" = None) -> str:
        """A panel's size as its caption gives it: 5×5, or a sequence's length (the input's unpadded)."""
        if grid is None:
            return ar.shape_text(self.spec.input_shape, "×")
        return str(grid.cols) if self.sequence else f"{grid.rows}×{grid.cols}"

    # The animation: the window and the output cell are one path each, moved from frame to frame by a
    # discrete translate (every window is the first one shifted by the stride), so a picture costs a few
    # elements whatever its number of frames; only the captions are one element per frame.
    @property
    def window(self) -> str:
        return self.input.squares(self.frames[0].cells) if self.frames else ""

    @property
    def current(self) -> str:
        return self.output.squares([self.frames[0].out]) if self.frames else ""

    @property
    def window_moves(self) -> str:
        """SMIL translate values, one per frame: where the first window moves to."""
        (r0, c0), cell = self.frames[0].origin, self.input.cell
        return ";".join(f"{(f.origin[1] - c0) * cell} {(f.origin[0] - r0) * cell}" for f in self.frames)

    @property
    def current_moves(self) -> str:
        cell = self.output.cell
        return ";".join(f"{f.out[1] * cell} {f.out[0] * cell}" for f in self.frames)

    @property
    def captions(self) -> list[tuple[str, str]]:
        """(keyTimes, product-sum) per frame when values matter (the caption shows during its frame's
        second of the loop); none otherwise: the lit output cell says which one is written."""
        n = len(self.frames)
        return [(f"0;{_time(i / n)};{_time((i + 1) / n)}", f.sum_text)
                for i, f in enumerate(self.frames) if f.sum_text]


def _time(fraction: float) -> str:
    return repr(round(fraction, 6))


def spec_of(params: dict) -> ar.ConvSpec | None:
    try:
        return ar.conv_spec(params["input_shape"], params["kernel_shape"], params["stride"], params["padding"],
                            params["dilation"])
    except InvalidConfiguration:
        return None


def frames(spec: ar.ConvSpec, padded=None, kernel=None, values=None, limit: int | None = None) -> list[Frame]:
    """Window positions in the order the output is written (row by row), each with its input cells and,
    given the padded input, the kernel and the output values, its product-sum. A conv1d's are laid out as
    one row (``lifted``), its product-sums written as y[i]."""
    shown = lifted(spec)
    out = []
    for position in ar.output_cells(spec):
        if limit is not None and len(out) >= limit:
            return out
        value = ar.value_at(values, position) if values is not None else None
        text = ar.cell_step(padded, kernel, spec, position, value).text if values is not None else ""
        out.append(Frame((0,) + position if len(position) == 1 else position, shown, text))
    return out


def lifted(spec: ar.ConvSpec) -> ar.ConvSpec:
    """The spec drawn: a conv1d's as a row one cell high."""
    return ar.ConvSpec((ar.ConvDim(1, 1),) + spec.dims) if len(spec.dims) == 1 else spec


def _row(data):
    """A conv1d's sequence drawn as one row of a grid."""
    return None if data is None else [data] if data and not isinstance(data[0], (list, tuple)) else data


def picture(params: dict, with_output: bool = True, padded: bool = True) -> Picture | None:
    """The layout of a question's convolution; None when torch rejects it (nothing to draw) or when its grids
    hold more than MAX_DRAWN_CELLS cells.
    ``padded=False`` draws the bare input (when the padding is what the student must find). Every grid
    shares one cell size, so the input, kernel and output are to scale; values are shown where they fit."""
    spec = spec_of(params)
    if spec is None:
        return None
    dh, dw = lifted(spec).dims
    image, kernel = exact(params.get("image")), exact(params.get("kernel"))
    pads = ((dh.pad_left, dh.pad_right), (dw.pad_left, dw.pad_right)) if padded else ((0, 0), (0, 0))
    rows, cols = dh.size + sum(pads[0]), dw.size + sum(pads[1])
    oh, ow = lifted(spec).output_shape
    if rows * cols + dh.kernel * dw.kernel + oh * ow > MAX_DRAWN_CELLS:
        return None
    shown = ar.pad_matrix(image, spec) if image is not None and padded else image
    values = ar.correlate(image, kernel, spec) if with_output and image is not None and kernel is not None else None
    cell = max(MIN_CELL, min(MAX_CELL, PANEL_WIDTH // max(rows, cols)))
    widest = max((len(format_number(v)) for m in (shown, kernel, values) if m for row in _row(m) for v in row),
                 default=0)
    if widest and cell >= MIN_VALUE_CELL:     # grow the cells to fit the widest number, up to a limit
        cell = min(max(cell, widest * DIGIT_WIDTH + 8), MAX_VALUE_CELL)
    show_values = bool(widest) and cell >= MIN_VALUE_CELL and widest * DIGIT_WIDTH + 4 <= cell
    top = 24                                  # room for the panel titles
    grid_in = Grid(MARGIN, top, rows, cols, cell, _row(shown) if show_values else None, pads)
    grid_k = Grid(grid_in.x + max(grid_in.width, LABEL_ROOM) + GAP, top, dh.kernel, dw.kernel, cell,
                  _row(kernel) if show_values else None)
    grid_out = Grid(grid_k.x + max(grid_k.width, LABEL_ROOM) + GAP, top, oh, ow, cell,
                    _row(values) if show_values else None)
    shown_frames = frames(spec, shown, kernel, values, MAX_FRAMES) if with_output and padded else []
    longest = max((len(f.sum_text) for f in shown_frames), default=0)
    last = grid_out if with_output else grid_k
    width = max(last.x + max(last.width, LABEL_ROOM), longest * TEXT_WIDTH) + MARGIN
    height = top + max(grid_in.height, grid_k.height, grid_out.height if with_output else 0) + 44
    return Picture(width, height, grid_in, grid_k, grid_out, shown_frames, oh * ow, spec,
                   (dh.dilation, dw.dilation))


def exact(data):
    """A matrix (or a sequence) of the record (floats of exact decimals) as exact numbers, so sums are not
    float noise."""
    if data is None:
        return None
    if data and not isinstance(data[0], (list, tuple)):
        return [Fraction(repr(v)) if isinstance(v, float) else v for v in data]
    return [[Fraction(repr(v)) if isinstance(v, float) else v for v in row] for row in data]
