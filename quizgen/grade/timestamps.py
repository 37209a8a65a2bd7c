"""When a submission was made, as Forms exports and spreadsheets write it, so that the latest submission of a
student counts even after the rows were sorted.

Read: ISO 8601 (``2024-03-05 10:15:23``, as a spreadsheet's date cell is read), Google Forms' CSV
(``2024/03/05 10:15:23 a. m. GMT+1``, ``2026/09/27 3:00:00 PM GMT+5:30``), and day/month/year or
month/day/year with an optional time (``5/3/2024 10:15:23``, ``8/13/26 9:33``). A date such as 5/3/2024 may
be either: both readings are kept, and ``later`` says when they disagree.
"""
from __future__ import annotations

import datetime as dt
import re

TIMESTAMP_COLUMNS = ("timestamp", "marca temporal", "completion time", "hora de finalización", "submitted",
                     "submitted at", "submission time", "enviado", "fecha de envío", "fecha y hora")

_NUMERIC = re.compile(
    r"^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(AM|PM)?)?"
    r"\s*(?:(?:GMT|UTC)?\s*([+-])(\d{1,2})(?::?(\d{2}))?|Z|GMT|UTC)?$")


def parse_time(text: str, order: str | None = None) -> tuple | None:
    """(earliest, latest, as written): the readings of ``text`` as UTC datetimes (the same when unambiguous),
    or None when it is empty or not a date. ``order`` ("dmy" or "mdy", from ``DateOrder``) settles
    5/3/2024."""
    written, text = str(text).strip(), _normal(text)
    match = _NUMERIC.match(text)
    if not match:
        return None
    a, b, c, hour, minute, second, half, sign, off_h, off_m = match.groups()
    if len(a) == 4:
        orders = [(int(a), int(b), int(c))]                      # year first: always y/m/d
    else:
        year = int(c) + (2000 if len(c) <= 2 else 0)
        orders = [(year, int(b), int(a)), (year, int(a), int(b))]  # day first, month first
        orders = orders[:1] if order == "dmy" else orders[1:] if order == "mdy" else orders
    clock = int(hour or 0), int(minute or 0), int(second or 0)
    if half:
        clock = ((clock[0] % 12) + (12 if half == "PM" else 0), *clock[1:])
    offset = dt.timedelta(hours=int(off_h or 0), minutes=int(off_m or 0)) * (-1 if sign == "-" else 1)
    readings = []
    for year, month, day in orders:
        try:
            readings.append(dt.datetime(year, month, day, *clock) - offset)
        except ValueError:
            continue
    if not readings:
        return None
    return min(readings), max(readings), written


class DateOrder:
    """Whether a column writes day/month or month/day, from the dates that can be read only one way
    (13/3/2024, 3/25/2024): ``see`` each, then ``order`` is "dmy", "mdy", or None when none tells (or they
    disagree), so that the column's other dates are read the same way."""

    def __init__(self):
        self.day_first = self.month_first = False

    def see(self, text: str) -> None:
        match = _NUMERIC.match(_normal(text)) if text else None
        if match and len(match.group(1)) < 4:
            first, second = int(match.group(1)), int(match.group(2))
            self.day_first |= first > 12 >= second
            self.month_first |= second > 12 >= first

    @property
    def order(self) -> str | None:
        if self.day_first != self.month_first:
            return "dmy" if self.day_first else "mdy"
        return None


def later(a: tuple | None, b: tuple | None) -> bool | None:
    """Whether submission time ``a`` is after ``b``: True, False, or None when a time is missing, the same, or
    its day and month could be read either way (then the order of the rows decides)."""
    if a is None or b is None or a[:2] == b[:2]:
        return None
    if a[0] > b[1]:
        return True
    if a[1] < b[0]:
        return False
    return None


def shown(value: tuple) -> str:
    """A submission time as the file writes it."""
    return value[2]


def _normal(text: str) -> str:
    text = str(text).replace("\u202f", " ").replace("\xa0", " ").strip()
    text = re.sub(r"\b([ap])\.?\s?m\.?(?=\s|$)", lambda m: "AM" if m.group(1).lower() == "a" else "PM", text,
                  flags=re.IGNORECASE)
    return " ".join(text.split())
