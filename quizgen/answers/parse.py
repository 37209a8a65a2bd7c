"""Stage: parse. What a student typed becomes a value of the answer's kind, or a format error that says
what was expected. Tolerant of how people write (3x3, 3×3, (3, 3), 1,5 with a Spanish decimal comma,
one matrix row per line), exact about what they meant. Pure and total: no string makes it raise.

A format error is not a wrong answer: the grader reports it apart, and the feedback says what to write.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

# Unicode that people (and spreadsheets, and phones) type for ASCII signs.
_TRANSLATE = str.maketrans({"−": "-", "–": "-", "—": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " ",
                            "×": "x", "✕": "x", "＊": "*", "；": ";", "，": ",", "（": "(", "）": ")",
                            "［": "[", "］": "]", "\r": "\n"})
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*|,[0-9]+)?|[.,][0-9]+)(?:[eE][+-]?[0-9]{1,3})?(?:/[0-9]+)?")   # 4. as numpy prints it
# What torch and numpy print around values: tensor([[4., 4.]]), array([...], dtype=float32), torch.Size([3, 4]),
# tensor([[[[4., 4.]]]], grad_fn=<ConvolutionBackward0>) (a layer's output, as a lab notebook prints it).
_WRAPPER = re.compile(r"^(?:torch\.|np\.|numpy\.)?(?:tensor|array|size)\((.*?)(?:,\s*(?:dtype|device|requires_grad|"
                      r"grad_fn)\s*=[^()]*)*\)$", re.IGNORECASE | re.DOTALL)
_TORCH_SIZE = re.compile(r"^\s*(?:torch\.)?size\s*\(", re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"(?<=[0-9]),(?=[0-9])")
_MAX_CHARS = 20_000   # an answer longer than this is not an answer; do not spend time on it
_MAX_MAGNITUDE = 10 ** 100   # beyond this a "number" is noise, and floats would overflow


@dataclass(frozen=True)
class Parsed:
    """A well-formed answer: ``value`` has the key's structure (numbers are Fractions, exact)."""
    value: object


@dataclass(frozen=True)
class Blank:
    """No answer: the cell was empty."""


@dataclass(frozen=True)
class Malformed:
    """Not an answer of the expected kind. ``problem`` is a code the templates turn into words; ``token``
    is the piece that could not be read (student text: escape it wherever it is shown)."""
    problem: str
    token: str = ""


BLANK = Blank()
# Every Malformed.problem code (templates/<lang>/words.j2 words each one)
PROBLEMS = ("not_a_number", "dimensions", "sizes", "missing_size", "ragged", "empty_row", "unbalanced", "padding_layout",
            "unknown_option", "not_an_option", "too_long", "several_numbers", "not_an_integer", "not_a_sequence")


def parse(kind: str, text, expected=None):
    """Parse ``text`` as an answer of ``kind`` (a name of answers.kinds.KINDS). ``expected`` is the key's
    value: it tells how many dimensions to read, which letters exist, and settles a comma that could be
    a decimal comma or a separator."""
    if text is None:
        return BLANK
    text = str(text)
    if len(text) > _MAX_CHARS:
        return Malformed("too_long")
    text = _normalise(text)
    if not text:
        return BLANK
    from .kinds import KINDS  # noqa: PLC0415 - the registry names this module's parsers

    if kind != "choice":
        sized = _TORCH_SIZE.match(text)
        text = _WRAPPER.sub(r"\1", text).strip()
        if sized and KINDS[kind].torch_size_tail:
            text = _size_tail(text, len(expected) if expected is not None else 2)
    return KINDS[kind].parse(text, expected)


def _size_tail(sizes: str, ndim: int) -> str:
    """torch.Size([1, 1, 3, 4]), what torch prints for a layer's output on one image of one channel: its last
    ``ndim`` sizes, where the sizes before them (batch, channel) are 1."""
    parts = [p.strip() for p in _strip_brackets(sizes).split(",")]
    extra = len(parts) - ndim
    if extra in (1, 2) and all(p == "1" for p in parts[:extra]):
        return ", ".join(parts[extra:])
    return sizes


def _normalise(text: str) -> str:
    """Full-width and compatibility forms to ASCII (３ｘ４ is 3x4), typographic signs to ASCII ones."""
    return unicodedata.normalize("NFKC", text).translate(_TRANSLATE).strip()


def number(token: str) -> Fraction | None:
    """One number: 4, -4, +4, 4.5, 4,5 (decimal comma), .5, 1e-3, 8/3. None if it is not one."""
    token = _normalise(token)
    if not _NUMBER.fullmatch(token):
        return None
    body, _, denominator = token.partition("/")
    try:
        value = Fraction(body.replace(",", "."))
        if denominator:
            value /= int(denominator)
    except (ValueError, ZeroDivisionError):
        return None
    return value if abs(value) < _MAX_MAGNITUDE else None


def _strip_brackets(text: str) -> str:
    """'(3, 3)', '[3,3]', '{3 3}' -> the inside; unbalanced brackets are left for the caller to refuse."""
    while len(text) >= 2 and text[0] + text[-1] in ("()", "[]", "{}"):
        text = text[1:-1].strip()
    return text


def _numbers(parts: list[str]):
    values = []
    for part in parts:
        value = number(part)
        if value is None:
            return Malformed("not_a_number", part.strip())
        values.append(value)
    return values


# --- shape: height x width -----------------------------------------------------------------------

def parse_shape(text: str, expected=None, wrong_count: str = "dimensions"):
    """Sizes written as 3x4, 3 4, (3, 4), 3,4, torch.Size([3, 4]); ``wrong_count`` names the problem of a
    count of sizes other than ``expected``'s."""
    ndim = len(expected) if expected is not None else 2
    inner = _strip_brackets(text.lower())
    if re.search(r"[x*]", inner):
        parts = re.split(r"\s*[x*]\s*", inner)
    elif ";" in inner:
        parts = inner.split(";")
    elif "," in inner and (len(re.split(r"\s*,\s*", inner)) == ndim
                           or all(number(p) is not None for p in re.split(r"\s*,\s*", inner))):
        # 3,3 and 3, 3: the comma separates sizes; so it does in 1, 1, 3, 3 (tuple(layer(x).shape)): so many sizes
        parts = re.split(r"\s*,\s*", inner)
    else:
        parts = inner.split()                       # 3 3 (and 2,5 3: the comma is part of a number)
    parts = [p.strip() for p in parts]
    if "" in parts and len(parts) > 1:
        return Malformed("missing_size")      # 3x4x, x3x4, 3xx4: a separator with no size on one side
    values = _numbers([p for p in parts if p])
    if isinstance(values, Malformed):
        return values
    if len(values) != ndim:
        return Malformed(wrong_count, str(len(values)))
    return Parsed(values)


def parse_tensor_shape(text: str, expected=None):
    """Every size of a tensor, as a shape is written (2x8x5x5, (2, 8, 5, 5), torch.Size([...])); a count of
    sizes other than the tensor's is the problem "sizes" (a tensor has one per dimension, not two)."""
    return parse_shape(text, expected, "sizes")


# --- matrix ---------------------------------------------------------------------------------------

def parse_matrix(text: str, expected=None):
    rows = _matrix_rows(text)
    if isinstance(rows, Malformed):
        return rows
    readings = [[_row_cells(row, decimal_comma) for row in rows] for decimal_comma in (False, True)]
    cells = _best_reading(readings, expected, usual=0 if "[" in text else 1)
    if any(not row for row in cells):
        return Malformed("empty_row")
    if len({len(row) for row in cells}) != 1:
        return Malformed("ragged", " / ".join(str(len(row)) for row in cells))
    values = [_numbers(row) for row in cells]
    return next((v for v in values if isinstance(v, Malformed)), None) or Parsed(values)


def _best_reading(readings: list, expected, usual: int) -> list:
    """A comma between digits separates in [[1,2]] and is a decimal comma in '1,5 2,5'. Take the reading
    that gives the key's shape; else the one whose rows agree in length; else the usual one for the
    notation (with brackets, a separator)."""
    def rectangular(cells):
        return len({len(row) for row in cells}) == 1

    def expected_shape(cells):
        return bool(expected) and rectangular(cells) and (len(cells), len(cells[0])) == (len(expected),
                                                                                         len(expected[0]))
    for fits in (expected_shape, rectangular):
        chosen = [cells for cells in readings if fits(cells)]
        if len(chosen) == 1:
            return chosen[0]
    return readings[usual]


def _matrix_rows(text: str):
    """The rows of a matrix as texts: [[1,2],[3,4]], [1 2; 3 4], 1 2; 3 4, or one row per line."""
    if text.count("[") != text.count("]") or text.count("(") != text.count(")"):
        return Malformed("unbalanced")
    text = text.replace("(", "[").replace(")", "]")
    if text.count("[") >= 2:   # nested or side by side: each innermost bracket is a row
        leftover = re.sub(r"\[[^\[\]]*\]", " ", text).strip(" ,;\n[]")
        if leftover:   # numbers outside any row mean the brackets are off; anything else is not a number
            return Malformed("unbalanced") if re.search(r"[0-9]", leftover) else Malformed("not_a_number",
                                                                                          leftover.split()[0])
        return [row.strip() for row in re.findall(r"\[([^\[\]]*)\]", text)]
    body = _strip_brackets(text)
    if "[" in body or "]" in body:
        return Malformed("unbalanced")
    separator = ";" if ";" in body else "\n"
    return [row.strip() for row in body.split(separator) if row.strip()] or [body]


def _row_cells(row: str, comma_is_decimal: bool) -> list[str]:
    """Cells of one row. Whitespace separates; a comma separates, unless it sits between two digits and
    the row is read with decimal commas (1,5 2,5)."""
    if comma_is_decimal:
        row = _DECIMAL_COMMA.sub("\0", row)
    cells = [c for c in re.split(r"[\s,]+", row) if c]
    return [c.replace("\0", ",") for c in cells]


# --- sequence: a conv1d's output, one row of numbers ------------------------------------------------

def parse_sequence(text: str, expected=None):
    """Numbers separated by commas or spaces, bracketed or not: [1, 2, 3], 1 2 3, tensor([1., 2., 3.]), or one
    number per line; read like a matrix's single row (so 1,5 2 3 has a decimal comma when the key has
    three values)."""
    read = parse_matrix(text, [list(expected)] if expected else None)
    if not isinstance(read, Parsed):
        return read
    rows = read.value
    if len(rows) == 1:
        return Parsed(rows[0])
    if all(len(row) == 1 for row in rows):   # a column: one number per line
        return Parsed([row[0] for row in rows])
    return Malformed("not_a_sequence", f"{len(rows)}x{len(rows[0])}")


# --- padding: one number, one per dimension, or before,after per dimension ------------------------

def parse_padding(text: str, expected=None):
    ndim = len(expected) if expected is not None else 2
    lowered = text.lower()
    if ndim == 1:
        return _padding_1d(lowered)
    if "[" in lowered or "(" in lowered:
        rows = _matrix_rows(lowered)
        if isinstance(rows, Malformed):
            return rows
        groups = [_row_cells(row, False) for row in rows]
        if len(groups) == 1:
            groups = [[cell] for cell in groups[0]]   # (1, 2): torch's per-dimension tuple
    elif "x" in lowered or "*" in lowered:
        groups = [_row_cells(part, False) for part in re.split(r"\s*[x*]\s*", lowered)]
    else:
        flat = _row_cells(lowered, False)
        groups = [[cell] for cell in flat]
    if ndim == 1 and len(groups) == 2 and all(len(g) == 1 for g in groups):
        groups = [groups[0] + groups[1]]   # one dimension: two numbers are its before,after
    if len(groups) == 1:
        groups = groups * ndim   # one number: the same padding on every side
    if len(groups) != ndim or any(len(g) not in (1, 2) for g in groups):
        return Malformed("padding_layout", str(sum(len(g) for g in groups)))
    values = []
    for group in groups:
        numbers = _numbers(group)
        if isinstance(numbers, Malformed):
            return numbers
        values.append(numbers * 2 if len(numbers) == 1 else numbers)
    return Parsed(values)


def _padding_1d(text: str):
    """A sequence's padding: one number (both sides), or before,after: 1,2  1 2  1;2  (1, 2)  [1, 2]. A
    second dimension (1x2, [[1], [2]]) is not a sequence's padding."""
    if re.search(r"[x*×]", text):
        return Malformed("padding_layout", str(len(re.split(r"\s*[x*×]\s*", text.strip()))))
    text = text.replace(";", ",")   # where ',' is the decimal mark, people separate with ';'
    rows = _matrix_rows(text) if ("[" in text or "(" in text) else [text]
    if isinstance(rows, Malformed):
        return rows
    if len(rows) != 1:
        return Malformed("padding_layout", str(len(rows)))
    numbers = _numbers(_row_cells(rows[0], False))
    if isinstance(numbers, Malformed):
        return numbers
    if len(numbers) not in (1, 2):
        return Malformed("padding_layout", str(len(numbers)))
    return Parsed([numbers * 2 if len(numbers) == 1 else numbers])


# --- choice: a letter, a rule's code, or an option's text ----------------------------------------

def parse_choice(text: str, expected=None):
    """``expected`` is the key's answer record (value, letter, options)."""
    options = (expected or {}).get("options", [])
    cleaned = _strip_brackets(text.lower()).strip(" .:)")
    for option in options:
        names = (option["letter"].lower(), option["code"].lower(), option["code"].replace("_", " "),
                 option.get("text", "").lower().strip(" ."))
        # also the option as the problem set prints it: "e) Invalid: dilation not positive"
        printed = re.fullmatch(rf"\(?{re.escape(names[0])}[).:]\s*(.+)", cleaned)
        if cleaned in names or (printed and printed.group(1).strip(" .") == names[3]):
            return Parsed(option["code"])
    if len(cleaned) == 1 and cleaned.isalpha():
        return Malformed("unknown_option", text)
    return Malformed("not_an_option", text)


# --- number: one value ---------------------------------------------------------------------------

def parse_number(text: str, expected=None):
    value = number(_strip_brackets(text))
    if value is not None:
        return Parsed(value)
    parts = [p for p in re.split(r"[\s;]+|,(?![0-9])|(?<![0-9]),", _strip_brackets(text)) if p]
    if len(parts) > 1 and all(number(p) is not None for p in parts):
        return Malformed("several_numbers", str(len(parts)))
    return Malformed("not_a_number", text)


# --- set: every value that answers (inverse questions); order and repeats do not matter -----------

_EMPTY_SET = ("", "none", "ninguno", "ninguna", "∅", "{}", "[]", "()")
_RANGE = re.compile(r"^\s*([+-]?[0-9]{1,12})\s*\.\.\s*([+-]?[0-9]{1,12})\s*$")   # longer is not a size


def parse_set(text: str, expected=None):
    """Integers separated by commas, semicolons or spaces, in braces or brackets or none: 5, 6, 7 or
    {5 6 7}; a run as 5..7; 'none' (or ∅) for the empty set."""
    inner = _strip_brackets(text.lower())
    if inner in _EMPTY_SET:
        return Parsed([])
    if text.count("{") != text.count("}") or text.count("[") != text.count("]"):
        return Malformed("unbalanced")
    values = set()
    for part in (p for p in re.split(r"[\s,;]+", inner) if p):
        run = _RANGE.match(part)
        if run:
            low, high = int(run.group(1)), int(run.group(2))
            if high - low > 10_000:
                return Malformed("too_long")
            values.update(range(low, high + 1))
            continue
        value = number(part)
        if value is None:
            return Malformed("not_a_number", part)
        if value.denominator != 1:
            return Malformed("not_an_integer", part)
        values.add(value)
    return Parsed(sorted(Fraction(v) for v in values))
