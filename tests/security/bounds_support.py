"""A real hub worker whose outcomes are journaled, for the attack tests of the bounds topic.

:class:`JournaledHub` is :class:`tests.support.running_hub.RunningHub` with the journal hooks
``hub run`` uses (``JournalHooks`` with the hub's size limit, feeding a ``JournalWriter``) in
front of its outcome list, on a SQLite journal of its own.
"""

from __future__ import annotations

import string
from itertools import count, product
from pathlib import Path
from typing import Any

from hub.journal import Journal, JournalWriter
from hub.observers.journal_hooks import JournalHooks
from hub.pipeline.processor import Outcome
from tests.support.running_hub import RunningHub


class JournaledHub(RunningHub):
    def __init__(self, broker_url: str, data_dir: Path, **settings: Any) -> None:
        super().__init__(broker_url, data_dir, **settings)
        self.journal = Journal.open(f"sqlite:///{data_dir / 'journal.sqlite'}")
        self.writer = JournalWriter(self.journal, flush_interval=0.05)
        hooks = JournalHooks(self.writer, max_body_bytes=self.settings.max_message_bytes)

        def journaled(outcome: Outcome) -> None:
            hooks.on_outcome(outcome)
            self.outcomes.append(outcome)

        self.worker = self.hub.worker(on_outcome=journaled)

    def close(self) -> None:
        super().close()
        self.writer.close(30)
        self.journal.close()


def attribute_names() -> Any:
    """a, b, ..., z, aa, ab, ...: short distinct names, so 100k attributes fit in ~700 KB."""
    for length in count(1):
        for letters in product(string.ascii_lowercase, repeat=length):
            yield "".join(letters)


def attributes(how_many: int) -> bytes:
    names = attribute_names()
    return " ".join(f'{next(names)}=""' for _ in range(how_many)).encode()
