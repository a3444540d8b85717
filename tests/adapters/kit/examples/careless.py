"""Adapters with the mistakes the conformance suite exists to catch. Never use these.

- :class:`CarelessOutAdapter`: claims a built-in's name, accepts unknown keys, takes a password
  inline and without a description, keeps the resolved token in its config, leaves a thread
  running and a socket listening after ``stop()``, names files by message id (a redelivery
  makes a second copy) and calls every failure permanent (an outage dead-letters records).
- :class:`CarelessInAdapter`: its config is a plain pydantic model; it moves its "since"
  watermark to the poll's start even when the poll failed or the hub refused the records (so
  an outage loses them) and skips bad records with a log line instead of rejecting them.
- :class:`SlowStartAdapter`: ``start()`` does its first poll in the caller's thread, slowly.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from adapters.sdk import (
    Health,
    InboundRecord,
    OutboundAdapter,
    OutboundConfig,
    PermanentError,
    PollingInboundAdapter,
    SecretRef,
    resolve_secret,
)
from schemas.contract.envelope import Envelope
from tests.adapters.kit.examples.folder import FolderInAdapter


class CarelessOutConfig(OutboundConfig):
    """Write envelopes to a folder, carelessly."""

    model_config = ConfigDict(extra="allow", frozen=True)

    directory: Path = Field(description="The folder.")
    password: str | None = None
    token: SecretRef | None = Field(default=None, description="A token, by reference.")
    token_value: str | None = Field(default=None, description="The token, resolved.")

    @model_validator(mode="after")
    def _resolve_now(self) -> CarelessOutConfig:
        if self.token is not None and self.token_value is None:
            object.__setattr__(self, "token_value", resolve_secret(self.token).get_secret_value())
        return self


class CarelessOutAdapter(OutboundAdapter[CarelessOutConfig]):
    kind: ClassVar[str] = "rest-out"
    mode = "file"
    Config = CarelessOutConfig

    def __init__(self, config: CarelessOutConfig, *, system: str) -> None:
        super().__init__(config, system=system)
        self._forever = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._forever.wait, name="careless-keepalive", daemon=True).start()
        self._callbacks = socket.create_server(("127.0.0.1", 0))  # never closed

    def deliver(self, envelope: Envelope, body: bytes) -> None:
        try:
            (self.config.directory / f"{envelope.message_id}.json").write_bytes(body)
        except OSError as e:
            raise PermanentError(str(e)) from e

    def health(self) -> Health:
        return Health(True)


class CarelessInConfig(BaseModel):
    """Take JSON files from a folder, carelessly."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(description="The adapter's name.")
    directory: Path = Field(description="The folder.")
    record_type: str = Field(description="Record type of every file.")
    poll_seconds: float = Field(default=5.0, description="Wait between polls.")


class CarelessInAdapter(PollingInboundAdapter[Any]):
    kind: ClassVar[str] = "careless-folder-in"
    mode = "file"
    Config = CarelessInConfig  # type: ignore[assignment]

    def poll(self) -> int:
        started = time.time_ns()
        since = int(self.port.checkpoints.get("since") or 0)
        newest = 0
        try:
            records = []
            for entry in sorted(os.scandir(self.config.directory), key=lambda e: e.name):
                if not entry.name.endswith(".json") or entry.stat().st_mtime_ns <= since:
                    continue
                body = Path(entry.path).read_bytes()
                newest = max(newest, entry.stat().st_mtime_ns)
                try:
                    json.loads(body)
                except ValueError:
                    self.log.warning("skipping %s: not JSON", entry.name)
                    continue
                records.append(InboundRecord(body, self.config.record_type,
                                             source_message_id=entry.name))
            if records:
                self.port.submit(records)
            return len(records)
        finally:  # the mistake: the watermark moves whatever happened
            self.port.checkpoints.put("since", str(newest or started))


class SlowStartAdapter(FolderInAdapter):
    kind: ClassVar[str] = "slow-start-folder-in"

    def start(self) -> None:
        time.sleep(2)
        super().start()
