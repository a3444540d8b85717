"""The error taxonomy adapters raise; the core decides what each means for the record.

The three classes are the branches of the hub's one error tree (defined, with a table of every
class, in :mod:`schemas.contract.errors`), re-exported here so that third-party adapters import
them from :mod:`adapters.sdk` only. :class:`ConfigError` (the adapter's options are wrong) stops
start-up.

- :class:`TransientError` (the system is down, slow, locked, answered 5xx or timed out): the
  core retries. Inbound: the poll or call is tried again later with back-off and nothing is
  marked taken. Outbound: the delivery runner retries, then parks the record on the broker's
  delay schedule.
- :class:`PermanentError` (the system understood and refused, or the adapter is misconfigured):
  never retried. Outbound: the record goes to the destination's dead-letter queue with this
  reason. Inbound failures about one record are reported with :class:`RecordProblem` instead.
- :class:`RecordProblem`: one inbound record (a row, a file, a request) is unusable as it is.
  The adapter hands it to :meth:`adapters.sdk.InboundPort.reject` with its original bytes; the
  core quarantines it with the code, location and message, and sends feedback to the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from schemas.contract.errors import ConfigError, PermanentError, TransientError
from schemas.contract.problems import Problem
from schemas.contract.reasons import Reason, table

__all__ = [
    "ADAPTER_REASONS",
    "ADAPTER_REASON_CODES",
    "ConfigError",
    "PermanentError",
    "RecordProblem",
    "TransientError",
]

#: Reason codes adapters report for inbound records: the SDK's part of the one reason registry.
ADAPTER_REASONS: tuple[Reason, ...] = table({
    "adapter.malformed": "The system sent something the adapter cannot read (bad SOAP, bad JSON, "
    "a corrupt file).",
    "adapter.encoding": "The bytes are not in the encoding the source declared or is configured "
    "with.",
    "adapter.row_invalid": "A row of a batch (CSV, xlsx, exchange table) lacks columns or has "
    "values the adapter cannot convert.",
    "adapter.unauthorised": "The caller's credentials do not name the source it claims to be.",
    "adapter.unsupported": "The record type or operation is not one this adapter carries.",
    "adapter.not_a_regular_file": "An entry in an exchange folder is not a regular file (a "
    "symbolic or hard link, a directory, a FIFO, a device, a socket) or was swapped while being "
    "checked; it was not read. Drop plain files only.",
})

#: The same codes as ``{code: meaning}`` (what an adapter may pass to :class:`RecordProblem`).
ADAPTER_REASON_CODES: Mapping[str, str] = MappingProxyType({r.code: r.meaning for r in ADAPTER_REASONS})


def unreadable_json(code: str, message: str, path: str = "",
                    *, malformed: str = "adapter.malformed") -> RecordProblem:
    """The problem an adapter reports for a body the hub's strict JSON reader refused with
    ``code`` (``transforms.read_json``: ``json.*``): ``adapter.encoding`` for an encoding
    refusal, else ``malformed`` (``adapter.malformed``; ``adapter.row_invalid`` for rows). The
    message starts with the reader's own code, so the source still learns the exact reason
    (``json.duplicate_key: key 'a' appears twice ...``)."""
    adapter_code = "adapter.encoding" if code.startswith("json.encoding") else malformed
    return RecordProblem(adapter_code, f"{code}: {message}", path)


class RecordProblem(Problem):
    """Why one inbound record is refused: a :class:`~schemas.contract.problems.Problem` built
    in the SDK's argument order, ``RecordProblem(code, message, path="")``.

    It *is* a Problem (same fields, ``as_dict``, frozen), so the core handles adapters'
    refusals like any other; only the constructor differs, because adapter authors name the
    code and message first and often have no location. ``path`` locates the record in what the
    source sent (``row 12/licence_number``). ``code`` is one of :data:`ADAPTER_REASON_CODES`.
    """

    def __init__(self, code: str, message: str, path: str = "") -> None:
        # Problem is frozen: set the fields the way its generated __init__ does.
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "path", path)
