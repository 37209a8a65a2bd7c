"""File and folder names made from ids that may be any text (``ana@uni.es``, ``José Pérez``, ``CON``, ``a/b``):
safe on Linux, macOS and Windows, and unique where file systems ignore case.

An id that is already a safe ASCII name is kept as it is (``ana``, ``v1``, ``ana@uni.es``); any other is
written in ASCII (accents dropped, other characters as ``_``) with 8 hex digits of the id's SHA-256 after
it (``Jose_Perez-1c0f3a9e``), so two ids never share a name and the name depends only on the id.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_NAME = 80
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")
_PLAIN = re.compile(r"^[A-Za-z0-9@+][A-Za-z0-9._@+-]*$")
# Names Windows refuses, with or without an extension (its documented reserved device names).
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)), *(f"lpt{n}" for n in range(1, 10))}


def _tag(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def safe_name(text: str) -> str:
    """The name for ``text`` alone (see the module's rules); ``SafeNames`` adds uniqueness without case."""
    if _PLAIN.match(text) and len(text) <= MAX_NAME and not text.endswith(".") \
            and text.split(".")[0].lower() not in _RESERVED:
        return text
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    base = _UNSAFE.sub("_", ascii_text).strip("._-")[:MAX_NAME - 9]
    return f"{base}-{_tag(text)}" if base else _tag(text)


class SafeNames:
    """Names for many ids, none two equal when case is ignored (macOS and Windows ignore it): the first id
    keeps its plain name; another that would share it gets its hash as well."""

    def __init__(self):
        self.taken: set[bytes] = set()     # 8-byte digests of the names given (a million in tens of MB)

    def name(self, text: str) -> str:
        name = safe_name(text)
        while _digest(name) in self.taken:
            name = f"{name}-{_tag(name + text)}"
        self.taken.add(_digest(name))
        return name


def _digest(name: str) -> bytes:
    return hashlib.blake2b(name.casefold().encode(), digest_size=8).digest()
