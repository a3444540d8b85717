"""Two small, correct adapters over a folder, written as a third party would write them.

``example-folder-in`` polls a folder in which the system writes one JSON record per file,
named by a sequence number; the last file taken is the checkpoint. ``example-folder-out``
writes each envelope as ``<content hash>.json`` (atomically, so a redelivery replaces the same
file). A missing folder (a mount that is away) is transient; a path that is not a folder is a
permanent refusal (the destination is misconfigured).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from adapters.sdk import (
    AdapterConfig,
    Health,
    InboundRecord,
    OutboundAdapter,
    OutboundConfig,
    PermanentError,
    PollingInboundAdapter,
    RecordProblem,
    TransientError,
)
from schemas.contract.envelope import Envelope

CHECKPOINT = "last-file"


class FolderInConfig(AdapterConfig):
    """Take JSON records from a folder."""

    directory: Path = Field(description="The folder the system writes records to.")
    record_type: str = Field(description="Record type of every file.")
    poll_seconds: float = Field(default=5.0, gt=0, description="Wait between polls.")


class FolderInAdapter(PollingInboundAdapter[FolderInConfig]):
    kind: ClassVar[str] = "example-folder-in"
    mode = "file"
    Config = FolderInConfig
    summary: ClassVar[str] = "Take JSON files from a folder, in name order."

    def poll(self) -> int:
        last = self.port.checkpoints.get(CHECKPOINT) or ""
        try:
            listed = os.listdir(self.config.directory)  # a missing folder raises, glob would not
            names = sorted(n for n in listed if n.endswith(".json") and n > last)
            bodies = [(name, (self.config.directory / name).read_bytes()) for name in names]
        except OSError as e:
            raise TransientError(f"{self.config.directory}: {e}") from e
        pending: list[InboundRecord] = []
        taken = 0
        for name, body in bodies:
            try:
                json.loads(body)
            except ValueError as e:
                taken += self._flush(pending)
                self.port.reject(body, RecordProblem("adapter.malformed", str(e), name),
                                 record_type=self.config.record_type, source_message_id=name)
                self.port.checkpoints.put(CHECKPOINT, name)
                continue
            pending.append(InboundRecord(body, self.config.record_type, source_message_id=name))
        return taken + self._flush(pending)

    def _flush(self, pending: list[InboundRecord]) -> int:
        if not pending:
            return 0
        self.port.submit(pending)  # raises TransientError: nothing is marked taken
        self.port.checkpoints.put(CHECKPOINT, pending[-1].source_message_id or "")
        count = len(pending)
        pending.clear()
        return count


class FolderOutConfig(OutboundConfig):
    """Write each envelope to a folder."""

    directory: Path = Field(description="The folder the system reads records from.")


class FolderOutAdapter(OutboundAdapter[FolderOutConfig]):
    kind: ClassVar[str] = "example-folder-out"
    mode = "file"
    Config = FolderOutConfig
    summary: ClassVar[str] = "Write each envelope as <content hash>.json in a folder."

    def deliver(self, envelope: Envelope, body: bytes) -> None:
        name = envelope.content_hash.replace(":", "-") + ".json"
        partial = self.config.directory / f".{name}.partial"
        try:
            partial.write_bytes(body)
            os.replace(partial, self.config.directory / name)
        except FileNotFoundError as e:
            raise TransientError(f"{self.config.directory} is not there: {e}") from e
        except (NotADirectoryError, IsADirectoryError, PermissionError) as e:
            raise PermanentError(f"{self.config.directory} refuses records: {e}") from e
        except OSError as e:
            raise TransientError(f"{self.config.directory}: {e}") from e

    def health(self) -> Health:
        if self.config.directory.is_dir():
            return Health(True, f"{self.config.directory} is there")
        return Health(False, f"{self.config.directory} is not a folder")
