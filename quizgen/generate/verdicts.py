"""torch's verdicts, remembered across runs, so that a run whose configurations torch has already measured
does not import torch at all (its import is most of a small job: about 1.3 s of CPU).

A verdict is what torch measured for one probe (an output shape, or the reason it refused) or computed for
one values job (the output matrix). They are kept in the user's cache directory, in one SQLite file per torch
version and per version of quizgen's probes (``PROBES``, raised whenever a probe measures something
another way), so a verdict is reused only for the same torch measuring the same thing. The cross-check
itself is unchanged: every answer is still compared with torch's verdict, the formula's side computed anew.

``QUIZGEN_CACHE`` names the folder (default: $XDG_CACHE_HOME/quizgen, else ~/.cache/quizgen); ``off``
turns the cache off. A cache that cannot be read or written is passed over, never an error.
"""
from __future__ import annotations

import json
import os
import sqlite3
from functools import lru_cache

from ..core.paths import cache_folder

PROBES = 1              # raise when a probe in reference.py measures another way


@lru_cache(maxsize=1)
def torch_version() -> str | None:
    """The installed torch's version, read from its metadata (without importing torch)."""
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version("torch")
    except PackageNotFoundError:
        return None


class Verdicts:
    """A lazily opened SQLite table key -> JSON value; one connection per process (forked --jobs processes
    open their own)."""

    def __init__(self):
        self._db, self._pid, self._pending = None, None, {}

    def _open(self):
        if self._pid == os.getpid():
            return self._db
        self._pid, self._db = os.getpid(), None
        folder, version = cache_folder(), torch_version()
        if folder is None or version is None:
            return None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(folder / f"verdicts-torch{version}-probes{PROBES}.sqlite", timeout=5)
            db.execute("CREATE TABLE IF NOT EXISTS verdict (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._db = db
        except (OSError, sqlite3.Error):
            self._db = None
        return self._db

    def get_many(self, keys: list[str]) -> dict:
        """The verdicts known for ``keys`` (those not known are absent)."""
        db = self._open()
        if db is None or not keys:
            return {}
        found = {}
        try:
            for start in range(0, len(keys), 500):
                part = keys[start:start + 500]
                marks = ",".join("?" * len(part))
                for key, value in db.execute(f"SELECT key, value FROM verdict WHERE key IN ({marks})", part):
                    found[key] = json.loads(value)
        except (sqlite3.Error, ValueError):
            return {}
        return found

    def put(self, key: str, value) -> None:
        self._pending[key] = json.dumps(value)

    def save(self) -> None:
        """Write the verdicts learnt since the last save (one transaction)."""
        pending, self._pending = self._pending, {}
        db = self._open()
        if db is None or not pending:
            return
        try:
            with db:
                db.executemany("INSERT OR REPLACE INTO verdict (key, value) VALUES (?, ?)", pending.items())
        except sqlite3.Error:
            pass


VERDICTS = Verdicts()
