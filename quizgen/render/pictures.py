"""Pictures of a convolution: the padded input (padding cells apart), the kernel, the output, and the frames
of the kernel window sliding over the input with the question's stride and dilation. Pure geometry and
layout (pixels) over a question record's parameters; the SVG itself is written by templates/svg/.

A picture stays small whatever the input: a dimension longer than ELIDE_ABOVE cells (of the padded input,
the kernel or the output) is drawn as its first and last cells with a cut between them (``Axis``), and
nothing is ever computed for the cells not drawn (a 5828×5828 padded input costs what a 30×30 one does).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

from ..arithmetic import conv as ar
from ..core.errors import InvalidConfiguration
from ..core.numbers import format_number

MAX_FRAMES = 48           # an animation longer than this shows the first positions (the caption says so)
ELIDE_ABOVE = 160         # a longer dimension is drawn with its first and last cells and a cut between them:
HEAD, TAIL = 12, 4        # cells kept before and after the cut (more, up to HEAD_MAX and TAIL_MAX, so that
HEAD_MAX, TAIL_MAX = 24, 12   # the first three windows and the last two are drawn whole where they fit)
CUT = 2                   # the cut's width, in cells (it holds a ⋯)
WINDOW_SQUARES = 1024     # a window of more cells is drawn as runs of cells (or its outline), not cell by cell
MAX_CAPTION = 480         # a longer product-sum shows its first and last products around a …
MAX_CELL, MIN_CELL = 30, 5
MIN_VALUE_CELL, MAX_VALUE_CELL = 18, 56   # numbers are written in cells at least this big, and grow up to
DIGIT_WIDTH = 7                           # pixels per character of the 12px value font
PANEL_WIDTH = 360         # the input panel's width at most, in pixels
GAP = 28
LABEL_ROOM = 190          # a panel is at least as wide as its title ("Input 24×24 (grey: zero padding)")
MARGIN = 2                # strokes at the edges stay inside the picture
TEXT_WIDTH = 7            # pixels per character of the 13px caption font (room for the product-sum)


@dataclass(frozen=True)
class Axis:
    """One dimension of a grid as drawn: its ``n`` cells, or (cut) its first ``head`` and last ``tail`` cells
    with CUT empty cells between them. Positions are counted in cells; ``at`` maps a cell of the dimension
    to its drawn position (None when it is not drawn)."""
    n: int
    head: int
    tail: int = 0

    @classmethod
    def whole(cls, n: int) -> "Axis":
        return cls(n, n)

    @property
    def cut(self) -> bool:
        return self.head + self.tail < self.n

    @property
    def hidden(self) -> int:
        return self.n - self.head - self.tail

    @property
    def drawn(self) -> int:
        return self.head + CUT + self.tail if self.cut else self.n

    @property
    def segments(self) -> tuple:
        """(first cell, end, drawn position of the first cell) of each part drawn."""
        if not self.cut:
            return ((0, self.n, 0),)
        return (0, self.head, 0), (self.n - self.tail, self.n, self.head + CUT)

    def at(self, i: int) -> int | None:
        for lo, hi, at in self.segments:
            if lo <= i < hi:
                return at + i - lo
        return None

    def indices(self) -> list[tuple[int, int]]:
        """(cell, drawn position) of every cell drawn, in order."""
        return [(i, at + i - lo) for lo, hi, at in self.segments for i in range(lo, hi)]

    def spans(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """(drawn position, length) of the drawn parts of cells lo to hi - 1."""
        return [(at + max(lo, a) - a, min(hi, b) - max(lo, a)) for a, b, at in self.segments if max(lo, a) < min(hi, b)]

    def inside(self, lo: int, hi: int) -> bool:
        """Cells lo to hi - 1 are drawn together (in one part, so as they are)."""
        return any(a <= lo and hi <= b for a, b, _ in self.segments)

    def progression(self, start: int, step: int, count: int) -> list[int]:
        """The drawn positions of the cells start + j·step (j < count) that are drawn: a window's rows or
        columns, found part by part (a kernel of a million cells costs nothing)."""
        out = []
        for lo, hi, at in self.segments:
            first, end = max(0, -(-(lo - start) // step)), min(count, -(-(hi - start) // step))
            out.extend(at + start + j * step - lo for j in range(first, end))
        return out


def _plain(n: int, limit: int = ELIDE_ABOVE) -> Axis:
    return Axis.whole(n) if n <= limit else Axis(n, HEAD, TAIL)


def _axes(n: int, dim, outputs: int, windows: bool, limit: int = ELIDE_ABOVE) -> tuple[Axis, Axis]:
    """The drawn (padded) input and output of one dimension, each cut when longer than ``limit``. A cut
    input keeps the first three windows and the last two whole where they fit in HEAD_MAX and TAIL_MAX
    cells; a cut output keeps those windows' cells (at least two at each end)."""
    if n <= limit or not windows:
        return _plain(n, limit), _plain(outputs, limit)
    extent, stride = (dim.kernel - 1) * dim.dilation + 1, dim.stride
    head = next((max(HEAD, extent + (w - 1) * stride) for w in (3, 2, 1)
                 if w <= outputs and extent + (w - 1) * stride <= HEAD_MAX), HEAD)
    tail = next((max(TAIL, n - (outputs - w) * stride) for w in (2, 1)
                 if w <= outputs and n - (outputs - w) * stride <= TAIL_MAX), TAIL)
    first = min(outputs, (head - extent) // stride + 1) if extent <= head else 0
    last = max(0, outputs - -(-(n - tail) // stride))
    inputs, out = Axis(n, head, tail), Axis(outputs, max(first, 2), max(last, 2))
    return (inputs if inputs.drawn < n else Axis.whole(n)), (out if outputs > limit and out.drawn < outputs else
                                                               Axis.whole(outputs))


def _layout(shape: tuple, spec: ar.ConvSpec, animated: bool, with_output: bool) -> tuple[tuple, tuple, tuple]:
    """The (rows, columns) axes of the input, the kernel and the output. Nothing longer than ELIDE_ABOVE
    cells is drawn whole; and once a grid drawn is cut, none longer than a cut one is (the grids share one
    cell size: a whole 150-cell output beside a cut input would be drawn with the input's big cells)."""
    for limit in (ELIDE_ABOVE, HEAD + CUT + TAIL):
        (in_r, out_r), (in_c, out_c) = (_axes(n, d, d.output, animated, limit) for n, d in zip(shape, spec.dims))
        axes = ((in_r, in_c), tuple(_plain(d.kernel, limit) for d in spec.dims), (out_r, out_c))
        if not _cut(axes, with_output):
            break
    return axes


def _cut(axes: tuple, with_output: bool) -> bool:
    """Some grid drawn (the input, the kernel and, with_output, the output) is cut."""
    return any(axis.cut for pair in (axes if with_output else axes[:2]) for axis in pair)


class _Padded:
    """The zero-padded input read cell by cell, never built (its padding may be millions of cells): ``at(r,
    c)`` in the drawn (lifted) grid; indexed as a sequence (conv1d) or a matrix like ar.pad_matrix's."""

    def __init__(self, image, spec: ar.ConvSpec, pads: tuple):
        self.sequence = len(spec.dims) == 1
        self.rows = [image] if self.sequence else image
        self.top, self.left = pads[0][0], pads[1][0]

    def at(self, r: int, c: int):
        i, j = r - self.top, c - self.left
        return self.rows[i][j] if 0 <= i < len(self.rows) and 0 <= j < len(self.rows[i]) else 0

    def __getitem__(self, i):
        return self.at(0, i) if self.sequence else _PaddedRow(self, i)


@dataclass(frozen=True)
class _PaddedRow:
    padded: _Padded
    r: int

    def __getitem__(self, c):
        return self.padded.at(self.r, c)


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
    """A grid drawn at (x, y) with square cells of ``cell`` pixels; ``values(r, c)`` are shown when given.
    ``rows`` and ``cols`` are the grid's own sizes; ``axes`` say how they are drawn (whole, or cut)."""
    x: int
    y: int
    rows: int
    cols: int
    cell: int
    values: object = None                # a function of (row, column), or None
    padding: tuple = ((0, 0), (0, 0))   # (top, bottom), (left, right): cells drawn as padding
    axes: tuple | None = None           # (rows, columns) as drawn: Axis; None: whole

    @property
    def row_axis(self) -> Axis:
        return self.axes[0] if self.axes else Axis.whole(self.rows)

    @property
    def col_axis(self) -> Axis:
        return self.axes[1] if self.axes else Axis.whole(self.cols)

    @property
    def width(self) -> int:
        return self.col_axis.drawn * self.cell

    @property
    def height(self) -> int:
        return self.row_axis.drawn * self.cell

    def is_padding(self, r: int, c: int) -> bool:
        (top, bottom), (left, right) = self.padding
        return r < top or r >= self.rows - bottom or c < left or c >= self.cols - right

    def _rects(self, rows: list, cols: list) -> list[tuple]:
        """(x, y, width, height) in pixels of the drawn parts of a block of cells, given as spans."""
        c = self.cell
        return [(self.x + j * c, self.y + i * c, w * c, h * c) for i, h in rows for j, w in cols]

    @property
    def blocks(self) -> list[tuple]:
        """(x, y, width, height) of each part of the grid drawn: the whole grid, or the parts between cuts."""
        return self._rects(self.row_axis.spans(0, self.rows), self.col_axis.spans(0, self.cols))

    # What the template draws: a few elements per grid, not one per cell (a 128×128 input stays small and
    # fast to write).
    @property
    def lines(self) -> str:
        """Every grid line as one SVG path."""
        c, out = self.cell, []
        for x, y, width, height in self.blocks:
            out += [f"M{x} {y + r * c}h{width}" for r in range(height // c + 1)]
            out += [f"M{x + j * c} {y}v{height}" for j in range(width // c + 1)]
        return "".join(out)

    @property
    def padding_bands(self) -> list[tuple]:
        """(x, y, width, height) of the padding's top, bottom, left and right bands (their drawn parts)."""
        (top, bottom), (left, right) = self.padding
        rows, cols = self.row_axis, self.col_axis
        inner = rows.spans(top, self.rows - bottom)
        bands = [(rows.spans(0, top), cols.spans(0, self.cols)),
                 (rows.spans(self.rows - bottom, self.rows), cols.spans(0, self.cols)),
                 (inner, cols.spans(0, left)), (inner, cols.spans(self.cols - right, self.cols))]
        return [band for spans in bands for band in self._rects(*spans) if band[2] and band[3]]

    @property
    def labels(self) -> list[tuple]:
        """(x, y, value) at the centre of every cell drawn, when values are shown."""
        if not self.values:
            return []
        half = self.cell / 2
        return [(self.x + dc * self.cell + half, self.y + dr * self.cell + half, self.values(r, c))
                for r, dr in self.row_axis.indices() for c, dc in self.col_axis.indices()]

    @property
    def marks(self) -> list[tuple]:
        """(x, y, mark) of the ⋯ in a cut between columns and the ⋮ in a cut between rows."""
        c, rows, cols = self.cell, self.row_axis, self.col_axis
        out = []
        if cols.cut:
            out += [(self.x + (cols.head + CUT / 2) * c, self.y + (at + h / 2) * c, "⋯")
                    for at, h in rows.spans(0, self.rows)]
        if rows.cut:
            out += [(self.x + (at + w / 2) * c, self.y + (rows.head + CUT / 2) * c, "⋮")
                    for at, w in cols.spans(0, self.cols)]
        return out

    @property
    def cuts(self) -> list[tuple]:
        """(x, y, mark, cells not drawn, "rows" or "columns") of the lines written under a cut grid."""
        found = [(axis, mark, kind) for axis, mark, kind in ((self.row_axis, "⋮", "rows"),
                                                              (self.col_axis, "⋯", "columns")) if axis.cut]
        return [(self.x, self.y + self.height + 16 * (n + 1), mark, axis.hidden, kind)
                for n, (axis, mark, kind) in enumerate(found)]

    def squares(self, cells) -> str:
        """The outline of some cells (those drawn) as one SVG path."""
        rows, cols = self.row_axis, self.col_axis
        return self._path((rows.at(i), cols.at(j)) for i, j in cells)

    def _path(self, positions) -> str:
        c = self.cell
        return "".join(f"M{self.x + j * c} {self.y + i * c}h{c}v{c}h-{c}z" for i, j in positions
                       if i is not None and j is not None)

    def window(self, rows: list[int], cols: list[int]) -> str:
        """The outline of a window whose drawn rows and columns (drawn positions) are given: cell by cell,
        or, past WINDOW_SQUARES cells, as runs of adjacent cells, or the outline of each part drawn."""
        if len(rows) * len(cols) <= WINDOW_SQUARES:
            return self._path(itertools.product(rows, cols))
        row_runs, col_runs = _runs(rows), _runs(cols)
        if len(row_runs) * len(col_runs) > WINDOW_SQUARES:
            row_runs, col_runs = _hulls(rows, self.row_axis), _hulls(cols, self.col_axis)
        return "".join(f"M{x} {y}h{w}v{h}h-{w}z" for x, y, w, h in self._rects(row_runs, col_runs))


def _runs(positions: list[int]) -> list[tuple[int, int]]:
    """(start, length) of each run of consecutive positions."""
    runs = []
    for p in positions:
        if runs and runs[-1][0] + runs[-1][1] == p:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((p, 1))
    return runs


def _hulls(positions: list[int], axis: Axis) -> list[tuple[int, int]]:
    """(start, length) from the first to the last of the positions in each part of ``axis`` drawn."""
    hulls = []
    for lo, hi, at in axis.segments:
        inside = [p for p in positions if at <= p < at + hi - lo]
        if inside:
            hulls.append((inside[0], inside[-1] - inside[0] + 1))
    return hulls


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
    first_frames: bool = True   # the frames are the first positions (else those drawn in a cut picture)

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
    # discrete translate (every window is the first one shifted by the stride; in a cut picture, only
    # windows drawn whole, each on one side of a cut, are shown), so a picture costs a few elements whatever
    # its number of frames; only the captions are one element per frame.
    def _origin(self, frame: Frame) -> tuple:
        return self.input.row_axis.at(frame.origin[0]), self.input.col_axis.at(frame.origin[1])

    def _out(self, frame: Frame) -> tuple:
        return self.output.row_axis.at(frame.out[0]), self.output.col_axis.at(frame.out[1])

    @property
    def window(self) -> str:
        if not self.frames:
            return ""
        (dh, dw), (r0, c0) = self.frames[0].spec.dims, self.frames[0].origin
        return self.input.window(self.input.row_axis.progression(r0, dh.dilation, dh.kernel),
                                 self.input.col_axis.progression(c0, dw.dilation, dw.kernel))

    @property
    def current(self) -> str:
        return self.output.squares([self.frames[0].out]) if self.frames else ""

    @property
    def window_moves(self) -> str:
        """SMIL translate values, one per frame: where the first window moves to."""
        (r0, c0), cell = self._origin(self.frames[0]), self.input.cell
        return ";".join(f"{(c - c0) * cell} {(r - r0) * cell}" for r, c in map(self._origin, self.frames))

    @property
    def current_moves(self) -> str:
        (r0, c0), cell = self._out(self.frames[0]), self.output.cell
        return ";".join(f"{(c - c0) * cell} {(r - r0) * cell}" for r, c in map(self._out, self.frames))

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
    """The layout of a question's convolution; None when torch rejects it (nothing to draw).
    ``padded=False`` draws the bare input (when the padding is what the student must find). Every grid
    shares one cell size, so the input, kernel and output are to scale; values are shown where they fit.
    A long dimension is cut (see Axis): only the cells drawn are ever read or computed."""
    spec = spec_of(params)
    if spec is None:
        return None
    shown_spec = lifted(spec)
    dh, dw = shown_spec.dims
    image, kernel = exact(params.get("image")), exact(params.get("kernel"))
    pads = ((dh.pad_left, dh.pad_right), (dw.pad_left, dw.pad_right)) if padded else ((0, 0), (0, 0))
    rows, cols = dh.size + sum(pads[0]), dw.size + sum(pads[1])
    oh, ow = shown_spec.output_shape
    animated = with_output and padded
    (in_rows, in_cols), k_axes, (out_rows, out_cols) = axes = _layout((rows, cols), shown_spec, animated,
                                                                      with_output)
    source = None if image is None else _Padded(image, spec, pads)
    kernel_at = None if kernel is None else (lambda r, c, k=_row(kernel): k[r][c])
    output_at = None
    if with_output and source is not None and kernel is not None:
        output_at = _memo(lambda r, c: sum(k * x for k, x in
                                            ar.window_terms(source, kernel, spec, *_position(spec, r, c))))
    sized = [in_rows, in_cols]
    if _cut(axes, with_output):               # the cell fits every grid drawn
        sized += [*k_axes, out_rows, out_cols] if with_output else [*k_axes]
    cell = max(MIN_CELL, min(MAX_CELL, PANEL_WIDTH // max(axis.drawn for axis in sized)))
    widest = 0
    if cell >= MIN_VALUE_CELL:                # the cells are big enough for numbers: measure the widest drawn
        grids = ((source and source.at, axes[0]), (kernel_at, k_axes), (output_at, axes[2]))
        widest = max((len(format_number(at(r, c))) for at, (ra, ca) in grids if at
                      for r, _ in ra.indices() for c, _ in ca.indices()), default=0)
    if widest and cell >= MIN_VALUE_CELL:     # grow the cells to fit the widest number, up to a limit
        cell = min(max(cell, widest * DIGIT_WIDTH + 8), MAX_VALUE_CELL)
    show_values = bool(widest) and cell >= MIN_VALUE_CELL and widest * DIGIT_WIDTH + 4 <= cell
    top = 24                                  # room for the panel titles
    grid_in = Grid(MARGIN, top, rows, cols, cell, source.at if show_values and source else None, pads,
                   (in_rows, in_cols))
    grid_k = Grid(grid_in.x + max(grid_in.width, LABEL_ROOM) + GAP, top, dh.kernel, dw.kernel, cell,
                  kernel_at if show_values else None, axes=k_axes)
    grid_out = Grid(grid_k.x + max(grid_k.width, LABEL_ROOM) + GAP, top, oh, ow, cell,
                    output_at if show_values else None, axes=(out_rows, out_cols))
    shown_frames, first = [], True
    if animated:
        outs = _drawn_positions(shown_spec, (in_rows, in_cols), (out_rows, out_cols))
        first = all(r * ow + c == n for n, (r, c) in enumerate(outs))
        shown_frames = [Frame((r, c), shown_spec, _sum_text(source, kernel, spec, output_at, r, c)
                              if output_at else "") for r, c in outs]
    longest = max((len(f.sum_text) for f in shown_frames), default=0)
    drawn = (grid_in, grid_k, grid_out) if with_output else (grid_in, grid_k)
    last = drawn[-1]
    width = max(last.x + max(last.width, LABEL_ROOM), longest * TEXT_WIDTH) + MARGIN
    height = top + max(g.height for g in drawn) + 44 + 18 * max(len(g.cuts) for g in drawn)
    return Picture(width, height, grid_in, grid_k, grid_out, shown_frames, oh * ow, spec,
                   (dh.dilation, dw.dilation), first)


def _position(spec: ar.ConvSpec, r: int, c: int) -> tuple:
    """An output position as the spec counts it: (row, column), or a conv1d's (i,)."""
    return (c,) if len(spec.dims) == 1 else (r, c)


def _memo(function):
    found = {}
    return lambda *key: found[key] if key in found else found.setdefault(key, function(*key))


def _drawn_positions(spec: ar.ConvSpec, inputs: tuple, outputs: tuple) -> list[tuple[int, int]]:
    """The output positions animated, in the order they are written: the first MAX_FRAMES of those whose
    output cell is drawn and whose window is drawn whole, on one side of any cut; else (a window wider than
    the parts drawn) the first position alone, its window drawn where it is drawn."""
    allowed = []
    for dim, axis, out_axis in zip(spec.dims, inputs, outputs):
        extent = (dim.kernel - 1) * dim.dilation + 1
        allowed.append([o for o, _ in out_axis.indices() if axis.inside(o * dim.stride, o * dim.stride + extent)])
    positions = list(itertools.islice(itertools.product(*allowed), MAX_FRAMES))
    return positions or [(0, 0)]


def _sum_text(source, kernel, spec: ar.ConvSpec, output_at, r: int, c: int) -> str:
    """The product-sum of one output cell; past MAX_CAPTION characters, its first and last products only."""
    text = ar.cell_step(source, kernel, spec, _position(spec, r, c), output_at(r, c)).text
    if len(text) <= MAX_CAPTION:
        return text
    name, _, rest = text.partition(" = ")
    products, _, value = rest.rpartition(" = ")
    terms = products.split(" + ")
    return f"{name} = {' + '.join(terms[:4] + ['…'] + terms[-2:])} = {value}"


def exact(data):
    """A matrix (or a sequence) of the record (floats of exact decimals) as exact numbers, so sums are not
    float noise."""
    if data is None:
        return None
    if data and not isinstance(data[0], (list, tuple)):
        return [Fraction(repr(v)) if isinstance(v, float) else v for v in data]
    return [[Fraction(repr(v)) if isinstance(v, float) else v for v in row] for row in data]
