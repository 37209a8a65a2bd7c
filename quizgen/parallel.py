"""Work spread over processes (``--jobs N``), the results taken back in order, so that what is written is
byte for byte what one process writes."""
from __future__ import annotations

from collections import deque
from typing import Callable, Iterable, Iterator

_WORK: tuple = ()   # (function, state) of the run, inherited by the processes when they are forked


def ordered_map(function: Callable, state, tasks: Iterable, jobs: int = 1) -> Iterator:
    """``function(state, task)`` for each task, in order. With ``jobs`` > 1, in that many forked
    processes: each starts with ``state`` as it is (templates compiled, caches warm), only tasks and
    results travel between processes, and only a few tasks run ahead of the one taken back, so memory
    stays bounded however many tasks there are."""
    global _WORK
    if jobs <= 1:
        for task in tasks:
            yield function(state, task)
        return
    import multiprocessing  # noqa: PLC0415

    _WORK = (function, state)
    try:
        with multiprocessing.get_context("fork").Pool(jobs, initializer=_single_threaded_torch) as pool:
            pending: deque = deque()
            for task in tasks:
                pending.append(pool.apply_async(_call, (task,)))
                if len(pending) > 2 * jobs:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        _WORK = ()


def _single_threaded_torch() -> None:
    """A forked process must not use the OpenMP threads of its parent (they are not there: it would hang)."""
    import sys  # noqa: PLC0415

    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def _call(task):
    function, state = _WORK
    return function(state, task)
