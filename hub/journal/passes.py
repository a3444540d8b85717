"""Reading messages with their hop events, as passes through the pipeline, for reports.

A :class:`Pass` is one trip of an input through the hub: the message as received and its
events in journal order. ``hub replay`` publishes an input again under a new message id, with a
``hub-replay-of`` header naming the original; :func:`replay_passes` finds those copies (and
copies of copies) so a report can judge an input by all of its passes. Only ids, sources,
times, event kinds, destinations and the pipeline's outcome (which stands for its own hops) are
read: no bodies, payloads or headers beyond the one header value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from hub.journal.records import PipelineOutcome
from hub.journal.tables import EventRow, MessageRow
from schemas.contract.messages import REPLAY_OF_HEADER
from schemas.contract.states import EventKind

#: How long before its ``replayed`` event a replay copy may have been received: the event is
#: journaled once the broker confirmed the copy, and the worker may take it before that, on a
#: host whose clock differs a little.
REPLAY_CLOCK_MARGIN = timedelta(hours=1)
_ROWS_PER_FETCH = 5000
#: Events no report reads; "received" stays, telling a message without events apart.
_UNUSED_EVENTS = (EventKind.STANDARDISED,)


class Step(NamedTuple):
    """One journal event of a message, as reports read it (a tuple: there are millions)."""

    #: An :class:`EventKind` value. Read from the journal, it stays the plain string the row
    #: holds (equal to the member): a report reads millions of steps, and converting each
    #: would cost more than the report's own work.
    kind: str
    destination: str | None
    at: datetime


class Pass(NamedTuple):
    """One pass of an input through the pipeline: the original, or a replay copy.
    ``steps`` are in journal order (by time, then by the order they were recorded)."""

    received_at: datetime
    steps: tuple[Step, ...]


class Received(NamedTuple):
    """Who sent a message, when, and which message it replays (None for an original)."""

    message_id: str
    source: str
    received_at: datetime
    replay_of: str | None


def received_between(
    connection: Connection, since: datetime, until: datetime
) -> Iterator[tuple[Received, Pass]]:
    """The messages received in ``[since, until)``, each with its pass, by message id."""
    window = (MessageRow.received_at >= since) & (MessageRow.received_at < until)
    return _messages(connection, window)


def replay_passes(
    connection: Connection, replayed: Mapping[str, datetime], since: datetime
) -> Iterator[tuple[str, Pass]]:
    """(original id, pass) for every replay copy, and copy of a copy, of the messages in
    ``replayed`` (message id -> when it was first replayed); none received before ``since``."""
    wanted = {message_id: message_id for message_id in replayed}  # replayed id -> original
    earliest = dict(replayed)
    while wanted:
        start = max(since, min(earliest[wanted[m]] for m in wanted) - REPLAY_CLOCK_MARGIN)
        copies = (MessageRow.received_at >= start) & _replay_of().is_not(None)
        found: dict[str, str] = {}
        for message, one in _messages(connection, copies):
            original = wanted.get(message.replay_of or "")
            if original is None:
                continue
            yield original, one
            if any(step.kind == EventKind.REPLAYED for step in one.steps):
                found[message.message_id] = original
        wanted = found


def first_replayed(one: Pass) -> datetime | None:
    """When the message of ``one`` was first replayed, or None if it never was."""
    return min((s.at for s in one.steps if s.kind == EventKind.REPLAYED), default=None)


def _replay_of() -> Any:
    return MessageRow.headers[REPLAY_OF_HEADER].as_string()


def _messages(connection: Connection, where: Any) -> Iterator[tuple[Received, Pass]]:
    """The messages matching ``where``, each with its steps, streamed in message id order."""
    query = (
        select(
            MessageRow.message_id, MessageRow.source, MessageRow.received_at,
            _replay_of().label("replay_of"), MessageRow.outcome, EventRow.event,
            EventRow.destination, EventRow.at,
        )
        .select_from(MessageRow)
        .outerjoin(EventRow, (EventRow.message_id == MessageRow.message_id)
                   & (EventRow.event.not_in(_UNUSED_EVENTS)))
        .where(where)
        .order_by(MessageRow.message_id, EventRow.at, EventRow.id)
    )
    rows = connection.execute(query, execution_options={"yield_per": _ROWS_PER_FETCH})
    for _, group in groupby(rows, key=lambda row: row.message_id):
        events = list(group)
        first = events[0]
        recorded = [
            Step(row.event, row.destination, row.at) for row in events if row.event is not None
        ]
        steps = _pipeline_steps(first) + recorded
        if recorded and recorded[0].at < first.received_at:  # another host's clock, behind
            steps.sort(key=lambda step: step.at)
        yield (Received(first.message_id, first.source, first.received_at, first.replay_of),
               Pass(first.received_at, tuple(steps)))


def _pipeline_steps(row: Any) -> list[Step]:
    """The steps a message row's pipeline outcome stands for (none on rows older than it)."""
    if row.outcome is None:
        return []
    # standardised=False: no report reads that hop (see _UNUSED_EVENTS).
    hops = PipelineOutcome.from_document(row.outcome).hops(row.source, standardised=False)
    return [Step(kind, destination, row.received_at) for kind, destination, _ in hops]
