"""Helpers for the JSON-door attack tests: a running hub with a rest-push webhook in front.

The webhook publishes through the core's real :class:`BrokerInboundPort`, exactly as ``hub run``
wires it, so what the tests see is what a department pushing to the hub sees.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from adapters.rest.push import RestPushAdapter, RestPushConfig
from adapters.testing import MemoryCheckpoints
from hub.hosting.adapter_host import BrokerInboundPort
from tests.support.running_hub import RunningHub

SOURCE = "service-hall"
LICENCE = "administrative_licence"
ROUTING_KEY = f"{SOURCE}.{LICENCE}"


def _dumps_nested(depth: int) -> bytes:
    return b'{"licence_number": ' + b"[" * depth + b"]" * depth + b"}"


#: Hostile JSON bodies: (name, body, the reason code the hub's strict reader gives).
BAD_JSON: list[tuple[str, bytes, str]] = [
    ("duplicate_key", b'{"licence_number": "JY1", "licence_number": "JY2"}', "json.duplicate_key"),
    ("deep_nesting", _dumps_nested(5000), "json.too_deep"),
    ("lone_surrogate", b'{"licence_number": "JY\\ud800"}', "json.lone_surrogate"),
    ("utf16", json.dumps({"licence_number": "JY1"}).encode("utf-16"), "json.encoding_unsupported"),
    ("huge_integer", b'{"licence_number": ' + b"9" * 5000 + b"}", "json.number_too_large"),
    ("nan", b'{"licence_number": "JY1", "fine_amount": NaN}', "json.malformed"),
]


@dataclass
class Door:
    """A running hub and the webhook in front of it."""

    hub: RunningHub
    webhook: RestPushAdapter
    port: BrokerInboundPort

    def post(self, body: bytes, *, path: str = f"/records/{LICENCE}",
             headers: dict[str, str] | None = None) -> requests.Response:
        return requests.post(self.webhook.url + path, data=body, timeout=30,
                             headers={"Content-Type": "application/json", **(headers or {})})


@contextmanager
def webhook_door(broker_url: str, data_dir: Path) -> Iterator[Door]:
    """A hub worker on ``broker_url`` and an anonymous rest-push webhook for service-hall."""
    hub = RunningHub(broker_url, data_dir).start()
    port = BrokerInboundPort(broker_url, hub.hub.topology, SOURCE, "rest-push", MemoryCheckpoints())
    config = RestPushConfig(kind="rest-push", port=0, allow_anonymous=True, max_body_bytes=64 * 1024,
                            request_timeout_seconds=5)
    webhook = RestPushAdapter(config, system=SOURCE, port=port)
    try:
        webhook.start()
        yield Door(hub, webhook, port)
    finally:
        webhook.stop()
        port.close()
        hub.close()

