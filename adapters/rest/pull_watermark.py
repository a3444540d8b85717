"""The ``rest-pull`` watermark: how far a feed has been taken, kept in the adapter's checkpoints.

A feed is asked for the items after (or, with ``inclusive``, at and after) a cursor: the
sequence number or updated-at time of the last item taken. Besides the cursor, the watermark
keeps the *keys* of items the feed will serve again from that cursor, so a re-served item is
skipped rather than taken twice:

- in inclusive mode, the items already taken that share the cursor (several records updated in
  the same second);
- in both modes, items without a cursor (not a JSON object, no cursor field) that were already
  quarantined: the feed cannot be asked to skip them, so the adapter remembers them.

Keys are reset whenever the cursor moves on. The stored form is a small JSON object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Watermark:
    """A position in a feed. Immutable: :meth:`after` returns the next position."""

    cursor: str | None = None
    keys: frozenset[str] = field(default_factory=frozenset)

    def seen(self, key: str) -> bool:
        """Whether the item with ``key`` was already handled at this position."""
        return key in self.keys

    def after(self, cursor: str | None, key: str, *, inclusive: bool) -> Watermark:
        """The position once the item with ``cursor`` (None: it has none) and ``key`` is handled."""
        if cursor is None or cursor == self.cursor:
            return Watermark(self.cursor, self.keys | {key})
        return Watermark(cursor, frozenset({key}) if inclusive else frozenset())

    def dumps(self) -> str:
        return json.dumps({"cursor": self.cursor, "keys": sorted(self.keys)}, ensure_ascii=False)

    @classmethod
    def loads(cls, stored: str | None) -> Watermark:
        """The watermark as stored by :meth:`dumps`; the start of the feed for None.

        ValueError or TypeError if ``stored`` is not a watermark (written by something else).
        """
        if stored is None:
            return cls()
        data = json.loads(stored)
        keys = data.get("keys", []) if isinstance(data, dict) else None
        if not isinstance(keys, list):
            raise TypeError(f"not a rest-pull watermark: {stored[:100]!r}")
        cursor = data.get("cursor")
        return cls(None if cursor is None else str(cursor), frozenset(map(str, keys)))
