"""The versions handed out, and which of them a version written in a submission names.

Only a version that was handed out is ever graded: a row naming another is matched to one when the match is
unambiguous under what spreadsheets and people do to ids (case, spaces, leading zeros dropped as in
``00123`` -> ``123``, ``123.0``, ``1`` or ``Version 1`` for ``v1``), and rejected with a "did you mean"
otherwise. A version is never drawn afresh for a row.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from itertools import islice

from ..core.caches import remember

_VERSION = re.compile(r"^v([1-9][0-9]*)$")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")
_SPREADSHEET_DECIMAL = re.compile(r"^([0-9]+)\.0+$")       # 123.0: a number cell written back as a float
_VERSION_WORD = re.compile(r"^(?:versión|version|variante|variant|ver)\.?", re.IGNORECASE)
SUGGEST_AMONG = 20_000      # ids a "did you mean" looks through
RESOLVED = 10_000           # versions as written whose resolution is remembered


def is_numbered(version: str) -> bool:
    """v1, v2, ...: a version of --versions, not a student's."""
    return bool(_VERSION.match(version))


def canon(text: str) -> str:
    """How two ways of writing one id compare: case, spaces and leading zeros aside."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(text.split())
    text = _SPREADSHEET_DECIMAL.sub(r"\1", text)
    return _LEADING_ZEROS.sub("", text)


@dataclass(frozen=True)
class Resolution:
    version: str | None     # the version handed out that the text names; None: none does
    note: str               # "" (written as handed out), how it was read, or why no version matches (without
                            # the noun: "'V1' read as 'v1'", so that a caller says "version" or "student")


class HandedOut:
    """The versions handed out: v1..vN (``count``) or a list of ids (a roster's, a key's).

    ``per_student``: versions are student ids (a roster), so a row without a version column is the
    student's own version. ``source`` says where the set comes from, for messages."""

    def __init__(self, *, count: int | None = None, ids: list[str] | None = None, source: str,
                 per_student: bool = False):
        self.count, self.ids, self.source, self.per_student = count, ids, source, per_student
        self.notes: list[str] = []      # what the summary should say about the set (how its file was read)
        self._set = None if ids is None else set(ids)
        self._canon: dict[str, list[str]] | None = None
        self._resolved: dict[str, Resolution] = {}

    def __contains__(self, version: str) -> bool:
        if self._set is not None:
            return version in self._set
        match = _VERSION.match(version)
        return bool(match) and int(match.group(1)) <= self.count

    def __len__(self) -> int:
        return len(self.ids) if self.ids is not None else self.count

    def single(self) -> str | None:
        """The one version, when only one was handed out."""
        if len(self) != 1:
            return None
        return self.ids[0] if self.ids is not None else "v1"

    def describe(self) -> str:
        if self.ids is None:
            return "v1" if self.count == 1 else f"v1..v{self.count}"
        shown = ", ".join(islice(self.ids, 5))      # not all: a roster may name a million
        return shown + (f", ... ({len(self.ids)} in all)" if len(self.ids) > 5 else "")

    def resolve(self, written: str) -> Resolution:
        """Which version handed out ``written`` names (remembered: a file names few versions many times)."""
        found = self._resolved.get(written)
        if found is None:
            found = remember(self._resolved, written, self._resolve(written), RESOLVED)
        return found

    def _resolve(self, written: str) -> Resolution:
        if written in self:
            return Resolution(written, "")
        key = canon(written)
        if self.ids is None:
            bare = _VERSION_WORD.sub("", key)
            candidates = [key] if key in self else [f"v{bare}"] if bare.isdigit() and f"v{bare}" in self else []
        else:
            candidates = self._by_canon().get(key, [])
            if not candidates:
                bare = _VERSION_WORD.sub("", key)
                candidates = self._by_canon().get(f"v{bare}", []) if bare.isdigit() else []
        if len(candidates) == 1:
            return Resolution(candidates[0], f"{written!r} read as {candidates[0]!r}")
        if candidates:
            shown = " or ".join(repr(c) for c in candidates[:3])
            return Resolution(None, f"{written!r} could be {shown}; write it as handed out")
        hint = self._suggestion(written)
        return Resolution(None, f"{written!r} was not handed out ({self.source}: {self.describe()})"
                                + (f"; did you mean {hint!r}?" if hint else ""))

    def _by_canon(self) -> dict[str, list[str]]:
        if self._canon is None:
            self._canon = {}
            for version in self.ids:
                self._canon.setdefault(canon(version), []).append(version)
        return self._canon

    def _suggestion(self, written: str) -> str | None:
        if self.ids is None:
            digits = re.sub(r"\D", "", written)
            return f"v{int(digits)}" if digits and f"v{int(digits)}" in self else None
        # a roster's ids are people: a near miss (A0005 for A0004) is another student, not a typo to suggest
        pool = self.ids if len(self.ids) <= SUGGEST_AMONG and not self.per_student else []
        close = difflib.get_close_matches(written, pool, n=1, cutoff=0.75)
        return close[0] if close else None
