"""The journal's errors, placed in the hub's error tree by what a caller does with them."""

from __future__ import annotations

from schemas.contract.errors import HubError, TransientError


class JournalUnavailable(TransientError):
    """The journal database cannot be reached, or a lock was not granted in time: retry later."""


class JournalClosed(HubError):
    """The journal writer was closed; nothing more can be submitted to it."""
