"""The reconciliation report (``hub report --date D``): what each department sent on one day and
what became of it, computed from the message journal alone.

Semantics (decisions, not accidents; :mod:`monitor.report_format` prints them too):

- **Day.** ``D`` is a calendar day in the district's time zone (Asia/Shanghai unless told
  otherwise). A message belongs to ``D`` when the hub received it that day
  (``journal_messages.received_at`` in ``[D 00:00, D+1 00:00)`` local time).
- **Rows.** One row per source system that sent anything that day (unknown sources included,
  so that the rows add up to the TOTAL row). Replay copies (inputs carrying ``hub-replay-of``,
  published again by ``hub replay``) are not new input: they are not received on their own
  day (the ``replay_copies`` column counts them there) but judged with their original.
- **State** of every message, as of when the report runs, exactly one of:

  - ``rejected``: its (latest) pass through the pipeline was quarantined, by the worker or by
    the review verifier;
  - ``dead_lettered``: not rejected, and the latest step at one of its destinations is
    ``dead_lettered``, or the review verifier handed it over to people (``dead_lettered`` at
    ``review``);
  - ``delivered``: it passed the pipeline (directly, or ``verified`` after review) and every
    destination it was routed to has it: for a destination without an outbound adapter
    ("queue-only": the system reads ``hub.out.<id>`` itself, so routing is the hub's last
    step) a ``routed`` event suffices, otherwise the latest step there is ``delivered`` or
    ``duplicate``. A valid message routed nowhere counts as delivered (nothing is owed);
  - ``in_flight``: everything else (under review or waiting for the legal-entity library,
    retrying, routed but not yet delivered, or no events at all).

  So received = delivered + rejected + dead_lettered + in_flight on every row; the report
  checks it and raises :class:`ReconciliationError` if it ever fails.
- **Latest step wins, per destination.** A dead letter retried with ``hub dead-letters retry``
  keeps its message id: its later ``delivered`` replaces the ``dead_lettered``. ``hub replay``
  publishes the original input again under a new message id (the copy's ``hub-replay-of``
  header names the original); the copy's events count as later steps of the original: its
  pass through the pipeline replaces the original's verdict, and its routing and deliveries
  are later steps at their destinations. A destination the copy was routed to waits (in
  flight) until the copy's delivery there is journaled. Within one pass a routing precedes
  its deliveries and the worker's ``review`` precedes the verifier's steps, whatever the
  hosts' clocks say; between delivery steps and between passes, time decides.
- **Feedback rate**: the share (0..1) of received messages with at least one ``feedback``
  event (any pass); None when nothing was received.
- **Delay**: per copy delivered to a destination, seconds from the original's ``received_at``
  to the first ``delivered`` event there (any pass), or for a queue-only destination to the
  first ``routed`` event there; a copy with only ``duplicate`` is not timed (the destination
  had the record from another message). Negative differences (clock skew between hosts)
  count as 0. Median and p99 by the **nearest-rank** method: the smallest observed delay
  that at least 50% (99%) of the copies do not exceed. None when no copy was timed.
- **Destinations**: per destination, the copies of that day's messages routed to it (in any
  pass), each one delivered, dead_lettered or in_flight by the same per-destination rule.

Limit: the journal knows an input by the message id the worker gave it. An input the worker
processed twice (its outputs refused by the broker and retried, or redelivered after a lost
connection) is two journal messages, and counts twice here; the copy whose outputs never
reached the broker stays in flight at destinations with an adapter.

Cost: one streamed query over the day's messages joined with their events (ordered by message
id; no bodies, payloads or headers leave the database, only the ``hub-replay-of`` value), and,
only when some of them were replayed, one more over the messages received since the earliest
replay. Memory holds one tally per department plus one float per timed copy (for exact
quantiles) and the events of replayed messages.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from hub.journal.engine import create_journal_engine, unavailable_as_transient
from hub.journal.migrate import upgrade_to_head
from hub.journal.passes import Pass, first_replayed, received_between, replay_passes
from monitor.fate import DEAD, DONE, PENDING, STATES, Fate, judge
from schemas.contract.errors import PermanentError

DEFAULT_TIME_ZONE = "Asia/Shanghai"


class ReconciliationError(PermanentError):
    """The classification broke its own identity: a bug in the report, never in the data.

    Permanent: the same journal gives the same report. No longer a ``RuntimeError``, which
    nothing caught it as.
    """


@dataclass(frozen=True)
class SourceRow:
    """One source system's messages of the day (or the TOTAL row, ``source`` "TOTAL")."""

    source: str
    received: int
    delivered: int
    rejected: int
    dead_lettered: int
    in_flight: int
    with_feedback: int
    replay_copies: int
    timed_copies: int
    delay_median_seconds: float | None
    delay_p99_seconds: float | None

    @property
    def feedback_rate(self) -> float | None:
        return self.with_feedback / self.received if self.received else None


@dataclass(frozen=True)
class DestinationRow:
    """The copies of the day's messages routed to one destination (or TOTAL)."""

    destination: str
    routed: int
    delivered: int
    dead_lettered: int
    in_flight: int


@dataclass(frozen=True)
class Report:
    """The reconciliation of one day; ``since``/``until`` are the day's bounds in UTC."""

    day: date
    time_zone: str
    since: datetime
    until: datetime
    generated_at: datetime
    sources: tuple[SourceRow, ...]
    source_total: SourceRow
    destinations: tuple[DestinationRow, ...]
    destination_total: DestinationRow


TOTAL = "TOTAL"


def day_window(day: date, time_zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC bounds ``[since, until)`` of the calendar day ``day`` in ``time_zone``."""
    since = datetime.combine(day, time(0), tzinfo=time_zone)
    until = datetime.combine(day + timedelta(days=1), time(0), tzinfo=time_zone)
    return since.astimezone(UTC), until.astimezone(UTC)


def reconcile(
    journal: Engine | Connection,
    day: date,
    time_zone: ZoneInfo,
    *,
    delivered_by_hub: Collection[str],
    now: datetime | None = None,
) -> Report:
    """The report for ``day`` from the journal database behind ``journal``.

    ``delivered_by_hub`` names the destinations with an outbound adapter (``Hub.deliveries``);
    the others are queue-only. ``now`` dates the report (default: the current time); the
    journal is read as it stands. Raises :class:`ReconciliationError` if a row does not add up.
    """
    generated_at = now or datetime.now(UTC)
    since, until = day_window(day, time_zone)
    if isinstance(journal, Engine):
        with journal.connect() as connection, connection.begin():
            tally = _tally(connection, since, until, frozenset(delivered_by_hub))
    else:
        tally = _tally(journal, since, until, frozenset(delivered_by_hub))
    sources = tuple(tally.sources[s].row(s) for s in sorted(tally.sources))
    destinations = tuple(tally.destinations[d].row(d) for d in sorted(tally.destinations))
    report = Report(
        day=day, time_zone=time_zone.key, since=since, until=until, generated_at=generated_at,
        sources=sources, source_total=_SourceTally.total(tally.sources.values()),
        destinations=destinations,
        destination_total=_DestinationTally.total(tally.destinations.values()),
    )
    _check(report)
    return report


def reconcile_journal(
    url: str, day: date, time_zone: ZoneInfo, *, delivered_by_hub: Collection[str]
) -> Report:
    """:func:`reconcile` on the journal database at ``url``, brought to the current schema
    first (as every command that opens the journal does). Raises
    :class:`hub.journal.JournalUnavailable` when the database cannot be reached."""
    engine = create_journal_engine(url)
    try:
        with unavailable_as_transient():
            upgrade_to_head(engine)
            return reconcile(engine, day, time_zone, delivered_by_hub=delivered_by_hub)
    finally:
        engine.dispose()


def _check(report: Report) -> None:
    for row in (*report.sources, report.source_total):
        states = row.delivered + row.rejected + row.dead_lettered + row.in_flight
        if states != row.received:
            raise ReconciliationError(
                f"{row.source}: received {row.received} != delivered {row.delivered} + rejected "
                f"{row.rejected} + dead_lettered {row.dead_lettered} + in_flight {row.in_flight}"
            )
    for dest in (*report.destinations, report.destination_total):
        if dest.delivered + dest.dead_lettered + dest.in_flight != dest.routed:
            raise ReconciliationError(
                f"destination {dest.destination}: routed {dest.routed} != delivered "
                f"{dest.delivered} + dead_lettered {dest.dead_lettered} + in_flight "
                f"{dest.in_flight}"
            )


@dataclass
class _SourceTally:
    received: int = 0
    states: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    with_feedback: int = 0
    replay_copies: int = 0
    delays: array[float] = field(default_factory=lambda: array("d"))

    def add(self, fate: Fate) -> None:
        self.received += 1
        if fate.state not in self.states:
            raise ReconciliationError(f"a message was classified {fate.state!r}")
        self.states[fate.state] += 1
        self.with_feedback += fate.feedback
        self.delays.extend(fate.delays)

    def row(self, source: str) -> SourceRow:
        ordered = sorted(self.delays)
        return SourceRow(
            source=source, received=self.received, with_feedback=self.with_feedback,
            replay_copies=self.replay_copies, timed_copies=len(ordered),
            delay_median_seconds=nearest_rank(ordered, 50),
            delay_p99_seconds=nearest_rank(ordered, 99),
            **self.states,
        )

    @classmethod
    def total(cls, tallies: Iterable[_SourceTally]) -> SourceRow:
        total = cls()
        for one in tallies:
            total.received += one.received
            for state, count in one.states.items():
                total.states[state] += count
            total.with_feedback += one.with_feedback
            total.replay_copies += one.replay_copies
            total.delays.extend(one.delays)
        return total.row(TOTAL)


@dataclass
class _DestinationTally:
    states: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys((DONE, DEAD, PENDING), 0)
    )

    def row(self, destination: str) -> DestinationRow:
        return DestinationRow(destination, sum(self.states.values()), **self.states)

    @classmethod
    def total(cls, tallies: Iterable[_DestinationTally]) -> DestinationRow:
        total = cls()
        for one in tallies:
            for state, count in one.states.items():
                total.states[state] += count
        return total.row(TOTAL)


def nearest_rank(ordered: Sequence[float], percent: int) -> float | None:
    """The nearest-rank ``percent``-th percentile of ascending ``ordered`` (None if empty)."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * percent // 100))  # ceil without floating point
    return ordered[rank - 1]


@dataclass
class _Tally:
    sources: dict[str, _SourceTally] = field(default_factory=dict)
    destinations: dict[str, _DestinationTally] = field(default_factory=dict)

    def add(self, source: str, fate: Fate) -> None:
        self.sources.setdefault(source, _SourceTally()).add(fate)
        for destination, state in fate.copies.items():
            self.destinations.setdefault(destination, _DestinationTally()).states[state] += 1


def _tally(
    connection: Connection, since: datetime, until: datetime, delivered_by_hub: frozenset[str]
) -> _Tally:
    tally = _Tally()
    replayed: dict[str, tuple[str, list[Pass]]] = {}  # original id -> (source, passes)
    first_replays: dict[str, datetime] = {}
    for message, one in received_between(connection, since, until):
        replayed_at = first_replayed(one)
        if message.replay_of is not None:
            tally.sources.setdefault(message.source, _SourceTally()).replay_copies += 1
        elif replayed_at is not None:
            replayed[message.message_id] = (message.source, [one])
            first_replays[message.message_id] = replayed_at
        else:
            tally.add(message.source, judge([one], delivered_by_hub))
    if first_replays:
        for original, one in replay_passes(connection, first_replays, since):
            replayed[original][1].append(one)
    for source, passes in replayed.values():
        tally.add(source, judge(sorted(passes, key=lambda p: p.received_at), delivered_by_hub))
    return tally
