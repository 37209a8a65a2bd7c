"""The worked steps' TeX as Typst math, for the printed exams (export/pdf.py). quizgen writes its TeX itself,
from a small vocabulary (fractions, floor and ceiling brackets, \\cdot, \\text, bmatrix...): each command maps
to Typst's own; anything outside it returns None, and the caller prints the step's plain text instead, so a
formula can never break a document. Pure: no Typst needed to convert.
"""
from __future__ import annotations

import functools
import re

SYMBOLS = {
    "cdot": "dot.op", "times": "times", "to": "arrow.r", "rightarrow": "arrow.r", "Rightarrow": "arrow.r.double",
    "checkmark": "checkmark", "ldots": "dots.h", "in": "in", "quad": "quad", "max": "max", "sum": "sum",
    "prod": "product", "neq": "!=", "geq": ">=", "leq": "<=", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈",
    "rceil": "⌉",
}
SPACES = {" ": "space", ";": "thick", ",": "thin", "{": "\\{", "}": "\\}"}
_TOKEN = re.compile(r"\\([a-zA-Z]+|.)|([A-Za-z]+)|(\d+(?:\.\d+)?)|(\s+)|(.)", re.S)
_PLAIN = set("0123456789+-=()[]<>,.'|/!:−·×…")


class _Unknown(Exception):
    pass


@functools.lru_cache(maxsize=8192)
def tex_to_typst(tex: str) -> str | None:
    """``tex`` as the body of a Typst math block ($ ... $), or None where it holds anything unknown."""
    try:
        tokens = [m for m in _TOKEN.finditer(tex)]
        out, rest = _convert(tokens, 0, None)
        if rest != len(tokens):
            raise _Unknown
        return out
    except (_Unknown, IndexError):
        return None


def _group(tokens, i):
    """The Typst of a {...} group starting at tokens[i] ('{'), and the index after it."""
    if tokens[i].group(5) != "{":
        return _convert(tokens, i, "one")
    body, j = _convert(tokens, i + 1, "}")
    return body, j + 1


def _convert(tokens, i, until):
    """Tokens from i until the closing ``until`` ('}', 'right', 'end' or 'one' for a single atom)."""
    parts = []
    while i < len(tokens):
        m = tokens[i]
        command, word, number, space, char = m.groups()
        if until == "}" and char == "}":
            return " ".join(parts), i
        if until == "right" and command == "right":
            return " ".join(parts), i
        if until == "end" and command == "end":
            return " ".join(parts), i
        if space:
            i += 1
            continue
        if command is not None:
            i, text = _command(tokens, i, command)
        elif word is not None:
            text = word if len(word) == 1 else f'"{word}"'
            i += 1
        elif number is not None:
            text = number
            i += 1
        elif char in "_^":
            script, i = _group(tokens, i + 1)
            text = f"{char}({script})" if " " in script or len(script) > 1 else f"{char}{script}"
        elif char == "{":
            inner, i = _group(tokens, i)
            text = f"({inner})"
        elif char in _PLAIN or char == "&":
            text = {"&": ",", "−": "-", "/": "\\/", "·": "dot.op", "×": "times", "…": "dots.h"}.get(char, char)
            i += 1
        else:
            raise _Unknown
        parts.append(text)
        if until == "one":
            return text, i
    if until is not None and until != "one":
        raise _Unknown
    return " ".join(parts), i


def _command(tokens, i, command):
    if command in SYMBOLS:
        return i + 1, SYMBOLS[command]
    if command in SPACES:
        return i + 1, SPACES[command]
    if command == "frac":
        top, j = _group(tokens, i + 1)
        bottom, j = _group(tokens, j)
        return j, f"frac({top}, {bottom})"
    if command == "text":
        m = tokens[i + 1]
        if m.group(5) != "{":
            raise _Unknown
        j, words = i + 2, []
        while tokens[j].group(5) != "}":
            words.append(tokens[j].group(0))
            j += 1
        text = "".join(words).replace("\\", "\\\\").replace('"', '\\"')
        return j + 1, f'"{text}"'
    if command == "left":
        opening = _delimiter(tokens[i + 1])
        body, j = _convert(tokens, i + 2, "right")
        closing = _delimiter(tokens[j + 1])
        return j + 2, f"lr({opening} {body} {closing})"
    if command == "begin":
        name, j = _group(tokens, i + 1)
        if name != '"bmatrix"':
            raise _Unknown
        body, j = _convert(tokens, j, "end")
        _, j = _group(tokens, j + 1)
        rows = [row.strip().strip(",").strip() for row in body.split(" \\\\ ")]
        return j, 'mat(delim: "[", ' + "; ".join(rows) + ")"
    if command == "\\":
        return i + 1, "\\\\"
    raise _Unknown


def _delimiter(token) -> str:
    command, _, _, _, char = token.groups()
    if command in ("lfloor", "rfloor", "lceil", "rceil"):
        return SYMBOLS[command]
    if command in ("{", "}"):
        return "\\" + command
    if char in "()[]|":
        return char
    raise _Unknown
