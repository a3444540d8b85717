"""A real hub worker in a thread, with a department's view of the broker.

``RunningHub`` starts the worker on any broker URL, publishes raw messages the way a department
does, reads queues back, and on ``stop`` re-raises anything the worker thread died of, so a
crash in the pipeline fails the test instead of hanging it (dramatiq's ``join(fail_fast=True)``).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kombu import Producer, Queue

from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.pipeline.processor import Outcome
from hub.runtime.broker import body_bytes
from schemas.contract.messages import OutboundMessage
from schemas.contract.topology import INBOUND


@dataclass
class Received:
    """A message read back from a hub queue."""

    body: bytes
    headers: dict[str, Any]
    properties: dict[str, Any]
    content_type: str | None

    def json(self) -> Any:
        return json.loads(self.body)


class RunningHub:
    def __init__(self, broker_url: str, data_dir: Path, **settings: Any) -> None:
        self.settings = load_settings(broker_url=broker_url, data_dir=data_dir, **settings)
        self.hub = Hub(self.settings)
        self.outcomes: list[Outcome] = []
        self.worker = self.hub.worker(on_outcome=self.outcomes.append)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.session = self.hub.session()

    def _run(self) -> None:
        try:
            self.worker.run()
        except BaseException as e:  # noqa: BLE001 - handed to the test thread in stop()
            self._error = e

    def open(self) -> RunningHub:
        """Connect the department's side (declaring the topology) without starting the worker."""
        if self.session.connection is None:
            self.session.open()
        return self

    def start(self) -> RunningHub:
        self.open()
        self._thread.start()
        if not self.worker.ready.wait(30):
            self.stop()
            raise AssertionError("the worker did not start consuming within 30 s")
        return self

    def stop(self) -> None:
        """Stop the worker (queues stay readable); re-raise whatever it died of."""
        self.worker.stop()
        if self._thread.is_alive():
            self._thread.join(60)
        if self._error is not None:
            raise self._error
        assert not self._thread.is_alive(), "the worker did not stop within 60 s"

    def publish(
        self, routing_key: str, body: bytes, content_type: str | None = "application/json", **props: Any
    ) -> None:
        """Publish one raw message to hub.inbound, as a department's own client would."""
        producer = Producer(self.session.default_channel)
        producer.publish(
            body,
            exchange=INBOUND,
            routing_key=routing_key,
            content_type=content_type or "application/octet-stream",
            content_encoding="binary",
            delivery_mode=2,
            **props,
        )

    def publish_output(self, message: OutboundMessage) -> None:
        """Publish a message the pipeline would publish (confirmed before returning)."""
        publisher = self.session.publisher()
        publisher.publish(message)
        assert publisher.settle(30) == set()

    def wait_processed(self, count: int, timeout: float = 30.0) -> list[Outcome]:
        deadline = time.monotonic() + timeout
        while len(self.outcomes) < count:
            if self._error is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"processed {len(self.outcomes)} of {count} inputs")
            time.sleep(0.02)
        return list(self.outcomes)

    def read(self, queue: str, count: int, timeout: float = 15.0) -> list[Received]:
        """Take ``count`` messages from ``queue`` (acking them); fail if fewer arrive in time."""
        bound = Queue(queue, no_declare=True)(self.session.default_channel)
        received: list[Received] = []
        deadline = time.monotonic() + timeout
        while len(received) < count:
            message = bound.get(no_ack=False)
            if message is None:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{queue}: {len(received)} of {count} messages arrived")
                time.sleep(0.02)
                continue
            received.append(
                Received(
                    body_bytes(message),
                    dict(message.headers or {}),
                    dict(message.properties or {}),
                    message.content_type,
                )
            )
            message.ack()
        return received

    def close(self) -> None:
        self.stop()
        self.session.close()

    def depth(self, queue: str) -> int:
        return self.session.queue_depth(queue)
