"""Scatter-gather for live data: ask the platforms about an entity in parallel, with a deadline.

The supervision database holds what the hub delivered; some questions want what a platform
says *now* (the legal-entity library's registration, the credit platform's items). On request
(a profile asked with ``live``), :meth:`LiveGatherer.gather` asks every live source at once on
a bounded thread pool and waits at most ``deadline_seconds``:

- each source that answered in time is in ``answers``: ``found`` and what it said, or
  ``found: false`` when it does not know the entity;
- each that did not is in ``missing`` with why (no answer within the deadline, or the error it
  raised: unreachable, refused), and the answer is marked ``partial``. A source that is not
  connected to this hub at all is missing too ("not connected");
- a slow source's request keeps running in its thread until its own timeout (every lookup
  adapter has one), but nobody waits for it; at most ``max_workers`` run at once, so a hung
  platform cannot take more threads than that.

What a caller sees of each source follows its policy: a source stands for a record type
(the library's answer is registration data, the credit platform's is credit data) and is
asked only for callers whose policy names that type.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from adapters.sdk.ports import EntityLookup, RecordsLookup

log = logging.getLogger(__name__)

#: The platforms a live profile asks, with the record type each one's answer stands for.
LIVE_SYSTEMS = {"legal-entity-library": "enterprise_registration",
                "credit-platform": "credit_record"}


class LiveAnswer(BaseModel):
    """What one source said in time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    found: bool = Field(description="Whether the source knows the entity.")
    data: dict[str, Any] | None = Field(description="What it says of the entity, as it says it.")
    seconds: float = Field(description="How long it took to answer.")


class LiveData(BaseModel):
    """The live sources' answers about one entity, gathered with a deadline."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    partial: bool = Field(description="Some source asked did not answer in time (see missing).")
    deadline_seconds: float
    answers: dict[str, LiveAnswer] = Field(description="By system id: the sources that answered.")
    missing: dict[str, str] = Field(description="By system id: the sources that did not, and why.")


@dataclass(frozen=True)
class LiveSource:
    """A platform asked live: its system id, the record type its answer stands for, and how to
    ask it (None: it does not know the entity; an exception: it could not answer)."""

    system: str
    record_type: str
    ask: Callable[[str], dict[str, Any] | None]
    close: Callable[[], None] = lambda: None


def library_source(lookup: EntityLookup, system: str = "legal-entity-library") -> LiveSource:
    """The legal-entity library, asked through its lookup adapter."""

    def ask(credit_code: str) -> dict[str, Any] | None:
        entity = lookup.lookup(credit_code)
        if entity is None:
            return None
        return {"credit_code": entity.credit_code, "name": entity.name,
                "registration_authority": entity.registration_authority,
                "status": entity.status}

    return LiveSource(system, LIVE_SYSTEMS.get(system, "enterprise_registration"), ask,
                      lookup.close)


def records_source(lookup: RecordsLookup, system: str = "credit-platform") -> LiveSource:
    """A platform holding records about entities (the credit platform), through its lookup:
    ``{"items": [...]}`` as it words them."""

    def ask(credit_code: str) -> dict[str, Any] | None:
        items = lookup.lookup_records(credit_code)
        return None if items is None else {"items": items}

    return LiveSource(system, LIVE_SYSTEMS.get(system, "credit_record"), ask, lookup.close)


class LiveGatherer:
    """Asks ``sources`` in parallel; the platforms of :data:`LIVE_SYSTEMS` without a source
    are reported missing ("not connected")."""

    def __init__(self, sources: Sequence[LiveSource], *, deadline_seconds: float = 3.0,
                 max_workers: int = 8) -> None:
        self.sources = tuple(sources)
        self.deadline_seconds = deadline_seconds
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="live")

    def gather(self, credit_code: str, record_types: Collection[str]) -> LiveData:
        """What the sources standing for ``record_types`` say of ``credit_code`` within the
        deadline (see the module doc)."""
        asked = [source for source in self.sources if source.record_type in record_types]
        started = time.monotonic()
        futures: dict[Future[tuple[dict[str, Any] | None, float]], LiveSource] = {
            self._pool.submit(_timed, source.ask, credit_code, started): source
            for source in asked}
        done, _late = wait(futures, timeout=self.deadline_seconds)
        answers: dict[str, LiveAnswer] = {}
        missing: dict[str, str] = {}
        for future, source in futures.items():
            if future not in done:
                future.cancel()
                missing[source.system] = f"no answer within {self.deadline_seconds:g} s"
                continue
            try:
                data, seconds = future.result()
            except Exception as e:  # noqa: BLE001 - a source's failure is reported, not raised
                log.warning("live data: %s could not answer: %s", source.system, e)
                missing[source.system] = f"could not answer: {e}"
                continue
            answers[source.system] = LiveAnswer(found=data is not None, data=data,
                                                 seconds=round(seconds, 3))
        connected = {source.system for source in self.sources}
        for system, record_type in LIVE_SYSTEMS.items():
            if system not in connected and record_type in record_types:
                missing[system] = "not connected to this hub"
        return LiveData(partial=bool(missing), deadline_seconds=self.deadline_seconds,
                        answers=answers, missing=missing)

    def close(self) -> None:
        """Stop taking questions and close the sources; requests still running finish in
        their threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        for source in self.sources:
            source.close()


def _timed(ask: Callable[[str], dict[str, Any] | None], credit_code: str, started: float
           ) -> tuple[dict[str, Any] | None, float]:
    data = ask(credit_code)
    return data, time.monotonic() - started
