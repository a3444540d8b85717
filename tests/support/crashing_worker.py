"""A hub worker process that dies (``os._exit``) on any input whose body contains a marker.

A stand-in for a poison message that takes the whole process down (a native crash, the OOM
killer): run as ``python -m tests.support.crashing_worker MARKER`` with the ``HUB_*`` settings in
the environment.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.pipeline.processor import Outcome, Processor
from hub.runtime.worker import Worker
from schemas.contract.messages import InboundMessage

CRASH_EXIT_CODE = 70


class CrashingProcessor(Processor):
    """The hub's processor, except that a body containing ``marker`` kills the process."""

    def __init__(self, marker: bytes, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.marker = marker

    def process(self, message: InboundMessage) -> Outcome:
        if self.marker in message.body:
            os._exit(CRASH_EXIT_CODE)
        return super().process(message)


def main() -> None:
    hub = Hub(load_settings())
    processor = CrashingProcessor(
        sys.argv[1].encode(),
        systems=hub.systems,
        routes=hub.routes,
        mappings=hub.mappings,
        max_message_bytes=hub.settings.max_message_bytes,
    )
    worker = Worker(hub.settings, hub.topology, processor)
    # As hub run does: SIGTERM finishes the batch in hand, acks it and exits.
    signal.signal(signal.SIGTERM, lambda signum, frame: worker.stop())
    worker.run()


if __name__ == "__main__":
    main()
