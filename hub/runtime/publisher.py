"""Publishing with pipelined publisher confirms.

Waiting for one confirm per message caps a Python publisher near 1.5k msgs/s; this publisher
sends a whole batch and then waits once for the broker's (possibly ``multiple``) acks. The
caller acks its inputs only after :meth:`ConfirmedPublisher.settle` reports their outputs safe.

On RabbitMQ the channel is put in confirm mode and ``basic.ack``/``basic.nack``/``basic.return``
are tracked by delivery tag. Kombu's virtual transports (SQLite, memory) store a message before
``publish`` returns, so there every publish is confirmed on return: the same calls, the same
worker code path.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from kombu import Connection, Producer

from schemas.contract.errors import PublishNotConfirmed
from schemas.contract.messages import OutboundMessage

log = logging.getLogger(__name__)


class ConfirmTracker:
    """Which publishes of a confirm-mode channel the broker has yet to answer, and which it
    refused. Sequence numbers are the channel's delivery tags: 1, 2, 3... in publish order."""

    def __init__(self) -> None:
        self._next_seq = 1
        self._outstanding: dict[int, None] = {}  # insertion-ordered = publish order
        self._failed: set[int] = set()
        self._returned = False
        self._batch_start = 1

    @property
    def unsettled(self) -> int:
        return len(self._outstanding)

    def published(self) -> int:
        """Count one more publish; its sequence number."""
        seq = self._next_seq
        self._next_seq += 1
        self._outstanding[seq] = None
        return seq

    def acked(self, delivery_tag: int, multiple: bool) -> None:
        self._settled(delivery_tag, multiple)

    def nacked(self, delivery_tag: int, multiple: bool) -> None:
        self._failed.update(self._settled(delivery_tag, multiple))

    def returned(self) -> None:
        """A ``basic.return``: it cannot be tied to a delivery tag, so the whole batch fails."""
        self._returned = True

    def take_failed(self) -> set[int]:
        """The refused publishes of the batch now answered; starts the next batch."""
        failed = self._failed
        if self._returned:
            failed |= set(range(self._batch_start, self._next_seq))
        self._failed, self._returned, self._batch_start = set(), False, self._next_seq
        return failed

    def _settled(self, delivery_tag: int, multiple: bool) -> list[int]:
        if not multiple:
            if delivery_tag not in self._outstanding:
                return []
            del self._outstanding[delivery_tag]
            return [delivery_tag]
        done = []
        for seq in self._outstanding:
            if seq > delivery_tag:
                break
            done.append(seq)
        for seq in done:
            del self._outstanding[seq]
        return done


class ConfirmedPublisher:
    """Publishes persistent, mandatory messages on one channel and settles them in batches.

    Sequence numbers returned by :meth:`publish` are the channel's confirm delivery tags.
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._channel = connection.channel()
        self._producer = Producer(self._channel)
        self._tracks_confirms = connection.transport.driver_type == "amqp"
        self._confirms = ConfirmTracker()
        if self._tracks_confirms:
            self._channel.confirm_select()
            self._channel.events["basic_ack"].add(self._confirms.acked)
            self._channel.events["basic_nack"].add(self._confirms.nacked)
            self._channel.events["basic_return"].add(self._on_return)

    @property
    def unsettled(self) -> int:
        return self._confirms.unsettled

    def publish(self, message: OutboundMessage) -> int:
        """Send ``message`` without waiting; returns its sequence number."""
        seq = self._confirms.published()
        self._producer.publish(message.body, **message.properties())
        if not self._tracks_confirms:
            self._confirms.acked(seq, multiple=False)  # stored before publish returned
        return seq

    def settle(self, timeout: float) -> set[int]:
        """Wait until every published message is acked or nacked; return the failed ones.

        A ``basic.return`` (unroutable: a hub queue was deleted under us) fails every message
        of the batch: the inputs are retried, which at worst duplicates outputs that
        destinations suppress by content hash.

        Raises :class:`PublishNotConfirmed` if the broker has not answered within ``timeout``.
        """
        deadline = time.monotonic() + timeout
        while self._confirms.unsettled:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishNotConfirmed(
                    f"{self._confirms.unsettled} publishes not confirmed within {timeout}s"
                )
            try:
                self._connection.drain_events(timeout=min(remaining, 1.0))
            except TimeoutError:
                continue
        return self._confirms.take_failed()

    def close(self) -> None:
        try:
            self._channel.close()
        except Exception as e:  # noqa: BLE001 - closing a channel of a dead connection is not an error
            log.debug("closing the publisher channel: %s", e)

    def _on_return(self, exc: Any, exchange: str, routing_key: str, message: Any) -> None:
        self._confirms.returned()
