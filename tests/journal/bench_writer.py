"""Benchmark: what the journal writer costs the pipeline, against baselines in the same run.

    PYTHONPATH=. python tests/journal/bench_writer.py [--inputs 5000] [--rounds 5] [--no-postgres]

Each input is journalled as the hub would: one message (the original licence body, its unified
payload and the pipeline's outcome, which stands for its received, standardised and routed hops)
and the delivered event its delivery adds. Prints:
  1. the pipeline's own work per input (Processor.process on a licence record), for scale
  2. JournalWriter.submit per call while the writer thread is flushing (mean, p50, p99, max),
     against a no-op call with the same arguments: what the caller pays per input
  3. the pipeline with the journal: process + submit per input, through close() (everything
     written), against process alone; rounds interleaved, best and median of each, because the
     pipeline shares the interpreter lock and the CPU with the writer thread
  4. flush throughput to SQLite and PostgreSQL with the writer, against Journal.record called
     synchronously per input (one transaction each)
PostgreSQL runs in a new database on 127.0.0.1:5432, dropped afterwards. Not a test: figures
depend on the machine; on a busy machine compare the best rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.journal import (
    Journal,
    JournalEvent,
    JournalMessage,
    JournalWriter,
    PipelineOutcome,
)
from schemas.contract.envelope import content_hash
from schemas.contract.messages import InboundMessage

LICENCE = Path(__file__).parents[1] / "hub" / "records" / "licence.json"
POSTGRES_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"

Input = tuple[JournalMessage, list[JournalEvent]]


def journal_inputs(count: int) -> list[Input]:
    record = json.loads(LICENCE.read_bytes())
    inputs = []
    for n in range(count):
        record["licence_number"] = f"JY{n:014d}"
        body = json.dumps(record, ensure_ascii=False).encode()
        message_id, now = str(uuid.uuid4()), datetime.now(UTC)
        common: dict[str, Any] = {
            "message_id": message_id,
            "at": now,
            "source": "market",
            "record_type": "administrative_licence",
            "correlation_id": message_id,
        }
        message = JournalMessage(
            message_id=message_id,
            received_at=now,
            source="market",
            record_type="administrative_licence",
            routing_key="market.administrative_licence",
            correlation_id=message_id,
            body=body,
            content_type="application/json",
            headers={"hub-schema-version": "1.0"},
            credit_code="91310112087994932F",
            content_hash=content_hash("market", "administrative_licence", record),
            payload=dict(record),
            outcome=PipelineOutcome("delivered", {"tax": "licence-to-tax"}),
        )
        events = [JournalEvent(event="delivered", destination="tax", attempt=1, **common)]
        inputs.append((message, events))
    return inputs


def licence_processor() -> Callable[[], object]:
    """One licence input through the pipeline's own work (standardise, route, build outputs)."""
    hub = Hub(load_settings(broker_url="memory://", data_dir=Path(tempfile.mkdtemp())))
    processor = hub.processor()
    inbound = InboundMessage(
        body=LICENCE.read_bytes(),
        routing_key="market.administrative_licence",
        content_type="application/json",
    )
    processor.process(inbound)  # warm caches, as a running worker has them
    return lambda: processor.process(inbound)


def per_call_us(submit: Callable[..., None], inputs: Sequence[Input]) -> list[float]:
    timings = []
    clock = time.perf_counter_ns
    for message, events in inputs:
        start = clock()
        submit(messages=(message,), events=events)
        timings.append((clock() - start) / 1000)
    return timings


def noop(messages: Sequence[JournalMessage] = (), events: Sequence[JournalEvent] = ()) -> None:
    return None


def summary(timings: list[float]) -> str:
    ordered = sorted(timings)
    p99 = ordered[int(len(ordered) * 0.99)]
    return (
        f"mean {statistics.fmean(timings):6.2f} µs  p50 {ordered[len(ordered) // 2]:6.2f}  "
        f"p99 {p99:7.2f}  max {ordered[-1]:9.1f}"
    )


def through_writer(url: str, inputs: Sequence[Input]) -> tuple[list[float], float]:
    """Per-submit timings, and inputs per second from the first submit to close() done."""
    journal = Journal.open(url)
    try:
        writer = JournalWriter(journal)
        start = time.perf_counter()
        timings = per_call_us(writer.submit, inputs)
        writer.close()
        return timings, len(inputs) / (time.perf_counter() - start)
    finally:
        journal.close()


def synchronous(url: str, inputs: Sequence[Input]) -> float:
    """Inputs per second with one Journal.record transaction per input (no writer)."""
    journal = Journal.open(url)
    try:
        start = time.perf_counter()
        for message, events in inputs:
            journal.record([message], events)
        return len(inputs) / (time.perf_counter() - start)
    finally:
        journal.close()


def pipeline_alone(process: Callable[[], object], inputs: Sequence[Input]) -> float:
    start = time.perf_counter()
    for _ in inputs:
        process()
    return len(inputs) / (time.perf_counter() - start)


def pipeline_with_writer(
    process: Callable[[], object], journal: Journal, inputs: Sequence[Input]
) -> float:
    """Inputs per second processed and journalled, up to everything written."""
    start = time.perf_counter()
    writer = JournalWriter(journal)
    for message, events in inputs:
        process()
        writer.submit(messages=(message,), events=events)
    writer.close()
    return len(inputs) / (time.perf_counter() - start)


@contextmanager
def postgres_database() -> Iterator[str]:
    import psycopg

    name = f"journal_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with ExitStack() as stack:
        directory = stack.enter_context(tempfile.TemporaryDirectory())
        urls = {"SQLite": f"sqlite:///{directory}/journal.sqlite"}
        if not args.no_postgres:
            urls["PostgreSQL"] = stack.enter_context(postgres_database())
        run(urls, licence_processor(), args.inputs, args.rounds)


def run(urls: dict[str, str], process: Callable[[], object], count: int, rounds: int) -> None:
    alone = max(pipeline_alone(process, journal_inputs(count)) for _ in range(2))
    sample = journal_inputs(count)
    print(f"inputs: {count}, each 1 message (~{len(sample[0][0].body)} B body) + 1 event")
    print(f"pipeline work per input (Processor.process): {1e6 / alone:7.1f} µs")
    floor = statistics.fmean(per_call_us(noop, sample))
    print(f"no-op call, same arguments (floor)          : {floor:7.2f} µs")
    for backend, url in urls.items():
        timings, _ = through_writer(url, journal_inputs(count))
        added = statistics.fmean(timings) - floor
        print(
            f"submit, writer on {backend:<10}: {summary(timings)}; "
            f"+{added:.2f} µs = {added * alone / 1e6:.2%} of the pipeline's work"
        )
    journals = {backend: Journal.open(url) for backend, url in urls.items()}
    rates: dict[str, list[float]] = {"alone": [], **{backend: [] for backend in urls}}
    for _ in range(rounds):
        rates["alone"].append(pipeline_alone(process, sample))
        for backend, journal in journals.items():
            # Fresh message ids each round: every round writes new rows, as live traffic does.
            rates[backend].append(pipeline_with_writer(process, journal, journal_inputs(count)))
    for journal in journals.values():
        journal.close()
    best, median = max(rates["alone"]), statistics.median(rates["alone"])
    print(f"pipeline alone                   : best {best:5.0f} inputs/s, median {median:5.0f}")
    for backend in urls:
        top, mid = max(rates[backend]), statistics.median(rates[backend])
        print(
            f"pipeline + journal on {backend:<10}: best {top:5.0f} inputs/s "
            f"({top / best - 1:+.1%}), median {mid:5.0f} ({mid / median - 1:+.1%}); all written"
        )
    for backend, url in urls.items():
        _, flushed = through_writer(url, journal_inputs(count))
        sync = synchronous(url, journal_inputs(max(200, count // 10)))
        print(
            f"flush to {backend:<10}: writer {flushed:5.0f} inputs/s ({flushed * 5:6.0f} "
            f"records/s); record() per input {sync:5.0f} inputs/s; batching {flushed / sync:.1f}x"
        )


if __name__ == "__main__":
    main()
