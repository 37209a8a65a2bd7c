"""Work spread over processes (``--jobs N``), the results taken back in order, so that what is written is
byte for byte what one process writes."""
from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from collections import deque
from typing import Callable, Iterable, Iterator

from .errors import WorkerDied

_WORK: tuple = ()   # (function, state, folder) of the run, inherited by the processes when they are forked


def ordered_map(function: Callable, state, tasks: Iterable, jobs: int = 1) -> Iterator:
    """``function(state, task)`` for each task, in order. With ``jobs`` > 1, in that many forked
    processes: each starts with ``state`` as it is (templates compiled, caches warm), only tasks and
    results travel between processes, and only a few tasks run ahead of the one taken back, so memory
    stays bounded however many tasks there are. A process that dies (killed, out of memory) stops the
    run with an error instead of leaving it waiting: results (megabytes, for a batch of pages) go through
    files, so what crosses the pipe is a short message that a death cannot cut in half."""
    global _WORK
    if jobs <= 1:
        for task in tasks:
            yield function(state, task)
        return
    import multiprocessing  # noqa: PLC0415
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415
    from concurrent.futures.process import BrokenProcessPool  # noqa: PLC0415

    folder = tempfile.mkdtemp(prefix="quizgen-jobs-")
    _WORK = (function, state, folder)
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_single_threaded_torch) as pool:
            pending: deque = deque()
            for task in tasks:
                pending.append(pool.submit(_call, task))
                if len(pending) > 2 * jobs:
                    yield _load(pending.popleft().result())
            while pending:
                yield _load(pending.popleft().result())
    except BrokenProcessPool:
        raise WorkerDied("a --jobs process died (killed, or out of memory?); nothing was written; run again, "
                         "with fewer --jobs", field="--jobs") from None
    finally:
        _WORK = ()
        shutil.rmtree(folder, ignore_errors=True)


def _single_threaded_torch() -> None:
    """A forked process must not use the OpenMP threads of its parent (they are not there: it would hang)."""
    import sys  # noqa: PLC0415

    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def _call(task) -> str:
    """Run one task in a process; its result goes to a file, whose name is what is sent back."""
    function, state, folder = _WORK
    result = function(state, task)
    handle, path = tempfile.mkstemp(dir=folder)
    with os.fdopen(handle, "wb") as out:
        pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _load(path: str):
    with open(path, "rb") as handle:
        result = pickle.load(handle)
    os.remove(path)
    return result
