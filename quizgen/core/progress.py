"""Progress on long runs, with tqdm: shown on a terminal only (never into a pipe, a file or a CI log), only
once a stage has run a couple of seconds, and never with --quiet."""
from __future__ import annotations

import os
import sys
from typing import Iterable, Iterator

DELAY = float(os.environ.get("QUIZGEN_PROGRESS_DELAY", 2.0))   # seconds a stage runs before its bar appears
QUIET = False               # set by the command line's --quiet


def shown() -> bool:
    return not QUIET and sys.stderr.isatty()


def progress(items: Iterable, total: int | None, what: str, unit: str = "it") -> Iterator:
    """``items``, unchanged; on a terminal, with a bar saying how far ``what`` has got."""
    if not shown():
        return iter(items)
    from tqdm import tqdm  # noqa: PLC0415 - only a terminal needs it

    try:
        width = os.get_terminal_size(sys.stderr.fileno()).columns
    except OSError:
        width = 0
    # a terminal that does not say its size (a bare pseudo-terminal) is taken as 80 x 24
    return iter(tqdm(items, total=total, desc=what, unit=unit, delay=DELAY, leave=False, file=sys.stderr,
                     **({"dynamic_ncols": True} if width else {"ncols": 80, "nrows": 24})))
