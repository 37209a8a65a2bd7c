"""Numbers as text, one function per reader, so that no two places round the same number differently.

- ``exact_text``: the key's number exactly, in plain decimals (answers, LMS keys and tolerances: never rounded);
- ``decimal_text``: the same with a decimal point always (formats that tell integers from decimals);
- ``format_number``: a worked solution's number: exact when it terminates, else two places (1.67);
- ``people_number``: a score or percentage as people read it (at most two decimals);
- ``exact_number``: a score as a CSV holds it (ten decimals).
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction


def exact_text(value) -> str:
    """A number exactly as the key holds it, in plain decimal notation: 16, -5, 0.1635992 (an LMS answer
    or tolerance must not be rounded for display)."""
    exact = Decimal(repr(float(value))) if not isinstance(value, int) else Decimal(value)
    return format(exact.normalize(), "f") if exact else "0"


def decimal_text(value, offset=0) -> str:
    """A number (plus an offset, exactly) with a decimal point and no exponent: 4.0, 0.0125, -2.5."""
    exact = Decimal(repr(float(value))) + Decimal(repr(float(offset)))
    text = format(exact.normalize(), "f") if exact else "0"
    return text if "." in text else text + ".0"


def format_number(value) -> str:
    """Integers as integers; terminating decimals exactly, however long (2.5, -0.5867, 0.1635992); others
    to two places (1.67)."""
    if type(value) is int:       # the common cases, and the hottest line of a big run
        return str(value)
    if type(value) is float and value.is_integer():
        return str(int(value))
    binary = isinstance(value, float)
    value = Fraction(repr(value)) if binary else Fraction(value)  # 0.1 as written
    if value.denominator == 1:
        return str(value.numerator)
    places = _decimal_places(value.denominator)
    if places is None or (binary and places > 12):   # 1/3 (or its float, 0.3333333333333333): two places
        return f"{float(value):.2f}".rstrip("0").rstrip(".")
    scaled = value * 10 ** places
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def people_number(value) -> str:
    """A score or percentage as people read it: at most two decimals, no trailing zeros (4.22, 4.5, 11)."""
    return f"{float(value):.2f}".rstrip("0").rstrip(".").replace("-0", "0") if value is not None else ""


def exact_number(value) -> str:
    """A score as a CSV holds it: integers as integers, others to 10 decimals (4.2222222222), which is exact
    for every score quizgen gives short of a repeating fraction."""
    if value is None:
        return ""
    return exact_text(round(float(value), 10))


def _decimal_places(denominator: int) -> int | None:
    """How many decimal places a fraction with this denominator needs; None if it never terminates."""
    twos = fives = 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    return max(twos, fives) if denominator == 1 else None
