"""Harnesses for the conformance suite: the real systems behind soap-serve and soap-call.

- :class:`SoapServeHarness` (:class:`~adapters.testing.InboundHarness`) is a city-like caller:
  it pushes records to the adapter's endpoint with zeep from a thread of its own, and like a
  real SOAP caller it keeps sending a record until the hub answers (refused connection, Server
  fault: try again), so ``offer`` may come before or after the adapter starts.
- :class:`SoapCallHarness` (:class:`~adapters.testing.OutboundHarness`) is the city platform
  simulator, which stores one record per idempotency key.
Both put the credentials their configs reference into ``os.environ`` under names of their own;
call ``close`` when done.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import requests
from zeep import Client, Settings
from zeep.exceptions import Fault
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from adapters.simulators.city_platform import CityPlatformSimulator
from adapters.simulators.ports import free_port
from adapters.soap.outcomes import fault_code
from tests.adapters.soap.conftest import licence

_XXE = (b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        b"<soap:Body>&x;</soap:Body></soap:Envelope>")


class SoapServeHarness:
    """The system that calls soap-serve (see the module docstring)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.user = "city-platform"
        self._password = secrets.token_urlsafe(16)
        self._env = f"SOAP_HARNESS_{uuid.uuid4().hex[:10].upper()}"
        os.environ[self._env] = self._password
        self._todo: queue.Queue[bytes | dict[str, Any] | None] = queue.Queue()
        self._open = threading.Event()
        self._open.set()
        self._closing = threading.Event()
        self._client: Client | None = None
        self.answers: list[str] = []
        self._thread = threading.Thread(target=self._send_all, name="soap-harness", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/soap/exchange"

    def config(self) -> dict[str, Any]:
        return {"kind": "soap-serve", "host": "127.0.0.1", "port": self.port,
                "callers": {self.user: f"env:{self._env}"}, "read_timeout_seconds": 5.0}

    def offer(self, count: int) -> None:
        for _ in range(count):
            number = f"JY{uuid.uuid4().int % 10**14:014d}"
            self._todo.put({"recordType": "administrative_licence",
                            "sourceMessageId": f"city-{number}",
                            "contentType": "application/json",
                            "body": json.dumps(licence(number), ensure_ascii=False)})

    def offer_bad(self) -> None:
        """Send a request with a DOCTYPE and an external entity (HTTP Basic, so it is kept)."""
        self._todo.put(_XXE)

    def outage(self) -> AbstractContextManager[None]:
        """The city's side is down: nothing is sent inside the block; offers wait."""
        return self._paused()

    def wait_sent(self, timeout: float = 10.0) -> None:
        """Wait until every offer so far has been answered."""
        deadline = time.monotonic() + timeout
        while self._todo.unfinished_tasks:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self._todo.unfinished_tasks} offers not answered")
            time.sleep(0.02)

    def close(self) -> None:
        self._closing.set()
        self._open.set()
        self._todo.put(None)
        self._thread.join(10)
        os.environ.pop(self._env, None)

    @contextmanager
    def _paused(self) -> Iterator[None]:
        self._open.clear()
        try:
            yield
        finally:
            self._open.set()

    def _send_all(self) -> None:
        while (item := self._todo.get()) is not None:
            while not self._closing.is_set():
                self._open.wait()
                if self._closing.is_set() or self._send(item):
                    break
                time.sleep(0.05)
            self._todo.task_done()
        self._todo.task_done()

    def _send(self, item: bytes | dict[str, Any]) -> bool:
        """Send once; True when answered for good (accepted, or refused as the caller's fault)."""
        try:
            if isinstance(item, bytes):
                answer = requests.post(self.url, data=item, auth=(self.user, self._password),
                                       headers={"Content-Type": "text/xml"}, timeout=5)
                return answer.status_code in (200, 500) and b"soap:Client" in answer.content
            if self._client is None:
                token = UsernameToken(self.user, self._password, use_digest=True)
                self._client = Client(f"{self.url}?wsdl", wsse=token,
                                      transport=Transport(timeout=5, operation_timeout=5),
                                      settings=Settings(strict=True, forbid_dtd=True))
            self.answers.append(str(self._client.service.SubmitRecord(**item).messageId))
            return True
        except Fault as fault:
            return fault_code(fault.code) == "Client"
        except OSError:  # requests' connection errors: the hub is not listening (yet)
            self._client = None
            return False


class SoapCallHarness:
    """The system soap-call delivers to: the city platform simulator."""

    def __init__(self) -> None:
        self.city = CityPlatformSimulator(env_prefix=f"SOAP_HARNESS_{uuid.uuid4().hex[:10].upper()}")
        self.city.start()
        os.environ.update(self.city.environment())

    def config(self) -> dict[str, Any]:
        outbound: dict[str, Any] = self.city.connection()["outbound"]
        return outbound

    def received(self) -> list[str]:
        return [record["content_hash"] for record in self.city.received()]

    def outage(self) -> AbstractContextManager[None]:
        return self.city.outage("fault")

    def refusing(self) -> AbstractContextManager[None]:
        return self.city.refusing()

    def close(self) -> None:
        self.city.stop()
        for name in self.city.environment():
            os.environ.pop(name, None)
