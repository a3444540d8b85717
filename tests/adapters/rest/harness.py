"""Harnesses for the conformance suite over real HTTP on loopback, through the simulators.

- :class:`RestPullHarness` (InboundHarness): the credit platform's credit-record feed;
- :class:`LegalEntityFeedHarness` (InboundHarness): the legal-entity library's change feed;
- :class:`RestPushHarness` (InboundHarness): the service hall pushing licences to the webhook;
- :class:`RestOutHarness` (OutboundHarness): a simulator's inbox (credit platform, service hall).

Outages are real: the feed answers 503, the pushing system stops pushing (its records wait in
its queue and go out afterwards), the inbox answers 503; a refusal is an inbox answering 422.
Credentials go through ``env:`` references, set with the ``setenv`` the harness is given.
"""

from __future__ import annotations

import collections
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import requests

from adapters.sdk import InboundPort
from adapters.simulators.credit_platform import CreditPlatformSimulator
from adapters.simulators.legal_entity_library import LegalEntityLibrarySimulator
from adapters.simulators.rest_system import PushingSystem
from adapters.simulators.service_hall import ServiceHallSimulator
from adapters.testing import RecordingPort, sample_licence

if TYPE_CHECKING:
    import pytest

SetEnv = Callable[[str, str], None]


class Simulator(Protocol):
    """A simulated system: started, stopped, with its credentials as environment variables."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def environment(self) -> dict[str, str]: ...


SimulatorT = TypeVar("SimulatorT", bound=Simulator)


def running(simulator: SimulatorT, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorT]:
    """``simulator`` started, its credentials in the environment, for a fixture to yield from
    (stopped afterwards)."""
    simulator.start()
    for name, value in simulator.environment().items():
        monkeypatch.setenv(name, value)
    try:
        yield simulator
    finally:
        simulator.stop()


def as_port(port: RecordingPort) -> InboundPort:
    """``port`` typed as the SDK's port (mypy: ``InboundPort.checkpoints`` is a mutable
    attribute, so ``MemoryCheckpoints`` does not match it structurally)."""
    return cast(InboundPort, port)
#: A poller that looks often: the suite waits for records, it does not sleep.
FAST_POLL: dict[str, Any] = {"poll_seconds": 0.1, "timeout_seconds": 2.0}


def credit_record(number: int | str | None = None) -> dict[str, Any]:
    """A distinct credit_record in the unified standard."""
    ident = str(number if number is not None else uuid.uuid4().hex[:12])
    return {
        "record_id": f"XY-{ident}",
        "credit_code": "91310112087994932F",
        "entity_name": "上海闵行示例餐饮有限公司",
        "category": "良好信息",
        "title": f"守合同重信用企业 {ident}",
        "issued_by": "上海市闵行区市场监督管理局",
        "issued_on": "2026-11-02",
    }


def registration(number: int | str | None = None) -> dict[str, Any]:
    """A distinct enterprise_registration (establishment) in the unified standard."""
    ident = str(number if number is not None else uuid.uuid4().hex[:8])
    return {
        "event": "establishment",
        "credit_code": "91310112MA1GB2002R",
        "name": f"上海闵行示例物流有限公司{ident}",
        "legal_representative": "赵六",
        "registration_authority": "上海市闵行区市场监督管理局",
        "registration_date": "2026-11-20",
        "industry": {"code": "G5430", "edition": "2017"},
        "business_scope": {"licensed_items": ["食品经营（销售预包装食品）"],
                           "general_items": ["仓储服务"]},
    }


class RestPullHarness:
    """``rest-pull`` against the credit platform's credit-record feed."""

    def __init__(self, platform: CreditPlatformSimulator, setenv: SetEnv) -> None:
        self.platform = platform
        for name, value in platform.environment().items():
            setenv(name, value)

    def config(self) -> dict[str, Any]:
        return {**self.platform.pull_entry(), **FAST_POLL}

    def offer(self, count: int) -> None:
        for _ in range(count):
            self.platform.add_feed_item(credit_record())

    def offer_bad(self) -> bytes:
        item = ["not", "an", "object"]
        self.platform.add_raw_feed_item(item)
        return json.dumps(item, ensure_ascii=False).encode("utf-8")

    def outage(self) -> AbstractContextManager[None]:
        return self.platform.server.outage(503)


class LegalEntityFeedHarness:
    """``legal-entity-feed`` against the library's change feed."""

    def __init__(self, library: LegalEntityLibrarySimulator, setenv: SetEnv) -> None:
        self.library = library
        for name, value in library.environment().items():
            setenv(name, value)

    def config(self) -> dict[str, Any]:
        return {**self.library.connection()["inbound"][0], **FAST_POLL}

    def offer(self, count: int) -> None:
        for _ in range(count):
            self.library.emit(registration(), "enterprise_registration")

    def offer_bad(self) -> bytes:
        """A change whose CHANGE_TYPE (吊销, revocation) the standard has no event for."""
        self.library.emit({"UNISCID": "91310112MA1GB2002R", "CHANGE_TYPE": "04",
                           "ENTNAME": "上海闵行示例物流有限公司"}, "enterprise_registration")
        item = self.library.changes()[-1]
        return json.dumps(item, ensure_ascii=False).encode("utf-8")

    def outage(self) -> AbstractContextManager[None]:
        return self.library.server.outage(503)


class RestPushHarness:
    """``rest-push`` with the service hall pushing licences, from a queue of its own: an
    offer returns at once, and records offered during an outage go out after it."""

    def __init__(self, hall: ServiceHallSimulator, setenv: SetEnv) -> None:
        self.hall = hall
        for name, value in hall.environment().items():
            setenv(name, value)
        self.answers: list[tuple[int, dict[str, Any]]] = []
        self._queue: collections.deque[bytes] = collections.deque()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._paused = False

    def config(self) -> dict[str, Any]:
        return self.hall.push_entry()

    def offer(self, count: int) -> None:
        for _ in range(count):
            self._enqueue(json.dumps(sample_licence(), ensure_ascii=False).encode("utf-8"))

    def offer_bad(self) -> bytes:
        body = '{"licence_number": "JY-未完'.encode()
        self._enqueue(body)
        return body

    @contextmanager
    def outage(self) -> Iterator[None]:
        self._paused = True
        try:
            yield
        finally:
            self._paused = False

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until every offered record got an answer."""
        deadline = time.monotonic() + timeout
        while self._worker is not None and time.monotonic() < deadline:
            time.sleep(0.02)

    def _enqueue(self, body: bytes) -> None:
        with self._lock:
            self._queue.append(body)
            if self._worker is None:
                self._worker = threading.Thread(target=self._drain, name="harness-push",
                                                daemon=True)
                self._worker.start()

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._worker = None
                    return
                body = self._queue[0]
            self.answers.append(self._post_until_answered(body))
            with self._lock:
                self._queue.popleft()

    def _post_until_answered(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """POST until the hub answers other than 5xx (the system retries while the hub is away)."""
        url = f"{self.hall.pusher.base}/administrative_licence"
        headers = {"Authorization": f"Bearer {self.hall.push_token}",
                   "Content-Type": "application/json"}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if not self._paused:
                try:
                    response = requests.post(url, data=body, headers=headers, timeout=5)
                    if response.status_code < 500:
                        return response.status_code, response.json()
                except requests.ConnectionError:
                    pass
            time.sleep(0.05)
        return 0, {"error": "the webhook did not answer within 30s"}


class RestOutHarness:
    """``rest-out`` delivering to a simulator's inbox."""

    def __init__(self, system: PushingSystem, setenv: SetEnv) -> None:
        self.system = system
        for name, value in system.environment().items():
            setenv(name, value)

    def config(self) -> dict[str, Any]:
        return self.system.out_entry()

    def received(self) -> list[str]:
        return self.system.inbox.keys()

    def outage(self) -> AbstractContextManager[None]:
        return self.system.inbox.answering(503)

    def refusing(self) -> AbstractContextManager[None]:
        return self.system.inbox.answering(422)
