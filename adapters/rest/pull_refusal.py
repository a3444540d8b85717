"""A ``rest-pull`` page refused as a whole: what is quarantined, and what is remembered of it.

A page the hub's strict JSON reader refuses (duplicate keys, a lone surrogate, deep nesting, a
5000-digit number...) cannot be trusted item by item, so no item of it is taken and the
watermark stays before it. Its body goes to ``port.reject`` once, so it is quarantined and the
polled system hears why; :class:`RefusedPage` (kept in the adapter's checkpoints next to the
watermark) remembers the page's SHA-256 and the position it was asked for, so the same page
served again on the next polls is not quarantined again. A changed page (the system fixed it,
or broke it differently) is read afresh.

The quarantined copy is bounded like the journal's copy of an oversize input: a page up to the
hub's message size limit is kept whole, a larger one as its first :data:`PAGE_HEAD_BYTES` bytes,
the reason naming the full length and SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

#: The checkpoint key the last refused page is remembered under.
REFUSED_PAGE_KEY = "refused_page"

#: How much of a refused page over the size limit is quarantined (the journal's head size).
PAGE_HEAD_BYTES = 4096


@dataclass(frozen=True)
class RefusedPage:
    """A refused page: its SHA-256 (hex), the watermark it was asked for, its quarantined id."""

    sha256: str
    since: str | None
    message_id: str

    def same(self, sha256: str, since: str | None) -> bool:
        """Whether the page ``sha256`` asked for at ``since`` is this one, already quarantined."""
        return self.sha256 == sha256 and self.since == since

    def dumps(self) -> str:
        return json.dumps({"sha256": self.sha256, "since": self.since,
                           "message_id": self.message_id}, ensure_ascii=False)

    @classmethod
    def loads(cls, stored: str | None) -> RefusedPage | None:
        """The page stored by :meth:`dumps`; None when nothing (or an empty value) is stored or
        the value is not readable (then the page is at worst quarantined once more)."""
        if not stored:
            return None
        try:
            data = json.loads(stored)
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("sha256"), str):
            return None
        since = data.get("since")
        return cls(data["sha256"], None if since is None else str(since),
                   str(data.get("message_id", "")))


def page_digest(body: bytes) -> str:
    """The SHA-256 (hex) a page is remembered by."""
    return hashlib.sha256(body).hexdigest()


def bounded_page(body: bytes, max_bytes: int) -> tuple[bytes, str]:
    """The copy of ``body`` to quarantine and a note for the reason: ``body`` itself up to
    ``max_bytes``; beyond, its first :data:`PAGE_HEAD_BYTES` bytes (no more than ``max_bytes``)
    and a note naming the page's full length and SHA-256, so it can still be matched."""
    if len(body) <= max_bytes:
        return body, ""
    kept = min(PAGE_HEAD_BYTES, max_bytes)
    return body[:kept], (f"; the page has {len(body)} bytes, over the limit of {max_bytes}: its "
                         f"first {kept} are kept, sha256 {page_digest(body)}")
