"""Where the shipped templates, banks and schemas are (inside the wheel, or beside the package in a checkout),
and the user's cache folder (torch's verdicts, compiled templates)."""
from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent     # quizgen/


def data_dir(name: str) -> Path:
    installed = _PACKAGE / "_data" / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


def cache_folder(part: str = "") -> Path | None:
    """``QUIZGEN_CACHE`` (a folder; ``off``: no cache), else $XDG_CACHE_HOME/quizgen, else ~/.cache/quizgen;
    with ``part``, that folder inside it. None when the cache is off."""
    chosen = os.environ.get("QUIZGEN_CACHE", "")
    if chosen.lower() == "off":
        return None
    base = Path(chosen) if chosen else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "quizgen"
    return base / part if part else base
