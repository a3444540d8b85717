"""The journal's errors, placed in the hub's one error tree (see :mod:`schemas.contract.errors`)
by what a caller does with them."""

from __future__ import annotations

from schemas.contract.errors import PermanentError, TransientError


class JournalUnavailable(TransientError):
    """The journal database cannot be reached, or a lock was not granted in time: retry later."""


class JournalClosed(PermanentError):
    """The journal writer was closed; nothing more can be submitted to it.

    Permanent, not transient: that writer never reopens, so retrying on it (as the consumer
    loops do with a TransientError) could not succeed; the loop stops instead and the unacked
    input is redelivered to the next process.
    """


class RecordsRefused(PermanentError):
    """The journal database refused a batch for what is in it (a data error: a value too long,
    a character it cannot store; a constraint violated): writing the same records again cannot
    succeed. The writer isolates the records it refuses and sets them aside
    (:class:`hub.journal.JournalWriter`); the cause is chained (``from``)."""
