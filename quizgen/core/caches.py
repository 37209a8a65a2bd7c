"""Bounded caches: a big run reuses what versions and students share, without its memory growing with them."""
from __future__ import annotations


def remember(cache: dict, key, value, limit: int):
    """Store ``key -> value`` in a dict of at most ``limit`` entries, dropping the oldest; return value."""
    if len(cache) >= limit:
        cache.pop(next(iter(cache)))
    cache[key] = value
    return value
