"""Benchmark: the hub pipeline's throughput on RabbitMQ against baselines measured in the same run.

    python tests/benchmarks/pipeline_throughput.py [--inputs 5000] [--host H:P] [--journal-rounds 3]

Runs in a fresh virtual host. Prints, in messages per second:
  1. publish, one confirm awaited per message    (the pattern the hub must not use)
  2. publish, confirms pipelined                 (the broker's ceiling for one Python publisher)
  3. the hub pipeline: inputs standardised and routed per second, and outputs published per
     second, with every input acked only after its outputs were confirmed
and the ratios between them. With ``--journal-rounds N``, then N interleaved rounds of the
pipeline alone and the pipeline journaling every input (as ``hub run`` does: JournalHooks feeding a
JournalWriter on the evidence journal in SQLite, each batch acked only once its records are
committed), each on a freshly published queue: inputs per second until the last input is acked,
and until the journal has written everything; and the CPU time per input of the worker thread
and of the whole process (the difference is what the journal costs). With ``--paced-rate R``, the same
comparison at a steady arrival rate of R inputs per second (a department publishing as records
arise, below saturation): the latency from publish to processed, p50 and p99, per round. Not a
test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import NamedTuple

from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.observers.journal_hooks import JournalHooks
from hub.pipeline.processor import Outcome
from hub.runtime.broker import BrokerSession
from schemas.contract.messages import OutboundMessage
from schemas.contract.topology import INBOUND

LICENCE = Path(__file__).parents[1] / "hub" / "records" / "licence.json"


def _vhost() -> str:
    name = f"hub-bench-{uuid.uuid4().hex[:8]}"
    for args in (["add_vhost", name], ["set_permissions", "-p", name, "guest", ".*", ".*", ".*"]):
        subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True)
    return name


def _bodies(count: int) -> list[bytes]:
    record = json.loads(LICENCE.read_bytes())
    bodies = []
    for n in range(count):
        record["licence_number"] = f"JY{n:014d}"
        bodies.append(json.dumps(record, ensure_ascii=False).encode())
    return bodies


def _inbound(body: bytes) -> OutboundMessage:
    return OutboundMessage(INBOUND, "market.administrative_licence", body, "application/json")


def publish_one_confirm_each(session: BrokerSession, bodies: list[bytes]) -> float:
    publisher = session.publisher()
    start = time.perf_counter()
    for body in bodies:
        publisher.publish(_inbound(body))
        publisher.settle(30)
    return len(bodies) / (time.perf_counter() - start)


def publish_pipelined(session: BrokerSession, bodies: list[bytes]) -> float:
    publisher = session.publisher()
    start = time.perf_counter()
    for body in bodies:
        publisher.publish(_inbound(body))
    publisher.settle(60)
    return len(bodies) / (time.perf_counter() - start)


class Run(NamedTuple):
    inputs_per_s: float
    outputs_per_s: float
    worker_cpu_us: float  # the worker thread's CPU time per input


def pipeline(hub: Hub, inputs: int, hooks: JournalHooks | None = None) -> Run:
    outputs = 0
    processed = threading.Event()
    count = 0
    worker_cpu = 0.0

    def on_outcome(outcome: Outcome) -> None:
        nonlocal count, outputs
        if hooks is not None:
            hooks.on_outcome(outcome)
        count += 1
        outputs += len(outcome.outputs)
        if count == inputs:
            processed.set()

    worker = hub.worker(on_outcome=on_outcome, on_backlog=hooks.on_backlog if hooks else None,
                        ack_barrier=hooks.ack_barrier if hooks else None)

    def run() -> None:
        nonlocal worker_cpu
        started = time.thread_time()
        worker.run()
        worker_cpu = time.thread_time() - started

    thread = threading.Thread(target=run)
    start = time.perf_counter()
    thread.start()
    processed.wait(600)
    worker.stop()
    thread.join()  # the last batch is confirmed and acked before run() returns
    elapsed = time.perf_counter() - start
    return Run(inputs / elapsed, outputs / elapsed, worker_cpu * 1e6 / inputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=5000)
    parser.add_argument("--host", default="127.0.0.1:5672")
    parser.add_argument("--journal-rounds", type=int, default=0)
    parser.add_argument("--paced-rate", type=float, default=0.0)
    args = parser.parse_args()
    vhost = _vhost()
    try:
        url = f"amqp://guest:guest@{args.host}/{vhost}"
        _run(url, args.inputs)
        if args.journal_rounds:
            _journal_rounds(url, args.inputs, args.journal_rounds)
        if args.paced_rate:
            _paced_rounds(url, args.inputs, args.paced_rate, max(1, args.journal_rounds))
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], check=False)


def _run(url: str, inputs: int) -> None:
    hub = Hub(load_settings(broker_url=url, data_dir=Path(tempfile.mkdtemp())))
    bodies = _bodies(inputs)
    with hub.session() as session:
        one_by_one = publish_one_confirm_each(session, bodies[: max(500, inputs // 10)])
        session.default_channel.queue_purge("hub.inbound")
    with hub.session() as session:
        ceiling = publish_pipelined(session, bodies)
    inputs_per_s, outputs_per_s, _ = pipeline(hub, inputs)
    print(f"inputs: {inputs} licence records (~{len(bodies[0])} bytes), 2 outputs each")
    print(f"publish, one confirm awaited per message : {one_by_one:9.0f} msg/s")
    print(f"publish, pipelined confirms (ceiling)   : {ceiling:9.0f} msg/s  "
          f"({ceiling / one_by_one:.1f}x one-by-one)")
    print(f"hub pipeline, inputs processed           : {inputs_per_s:9.0f} msg/s")
    print(f"hub pipeline, outputs published+confirmed: {outputs_per_s:9.0f} msg/s  "
          f"({outputs_per_s / ceiling:.2f}x the ceiling, {outputs_per_s / one_by_one:.1f}x one-by-one)")


def _journal_rounds(url: str, inputs: int, rounds: int) -> None:
    data_dir = Path(tempfile.mkdtemp())
    hub = Hub(load_settings(broker_url=url, data_dir=data_dir))
    bodies = _bodies(inputs)
    alone: list[float] = []
    journaled: list[float] = []
    written: list[float] = []
    # CPU per input: the worker thread's, and the whole process's (through everything written)
    cpu: dict[str, list[float]] = {"worker alone": [], "worker, journal": [],
                                   "process alone": [], "process, journal": []}
    for _ in range(rounds):
        with hub.session() as session:
            publish_pipelined(session, bodies)
        process_cpu = time.process_time()
        run = pipeline(hub, inputs)
        cpu["process alone"].append((time.process_time() - process_cpu) * 1e6 / inputs)
        alone.append(run.inputs_per_s)
        cpu["worker alone"].append(run.worker_cpu_us)
        with hub.session() as session:
            publish_pipelined(session, bodies)
        journal = hub.open_journal()  # as hub run opens it: sealing, chaining, signing
        writer = hub.journal_writer(journal)
        start, process_cpu = time.perf_counter(), time.process_time()
        run = pipeline(hub, inputs, JournalHooks(writer))
        journaled.append(run.inputs_per_s)
        cpu["worker, journal"].append(run.worker_cpu_us)
        writer.close()
        written.append(inputs / (time.perf_counter() - start))
        cpu["process, journal"].append((time.process_time() - process_cpu) * 1e6 / inputs)
        journal.close()
    print(f"\njournal overhead, {rounds} interleaved rounds of {inputs} inputs (best / median; "
          "paired: the median of each round's ratio to the round alone before it):")
    for label, values in (("pipeline alone", alone), ("pipeline + journal, acked", journaled),
                          ("pipeline + journal, all written", written)):
        paired = statistics.median(v / a for v, a in zip(values, alone, strict=True))
        print(f"  {label:32}: {max(values):7.0f} / {statistics.median(values):7.0f} inputs/s  "
              f"({max(values) / max(alone):.2f}x / "
              f"{statistics.median(values) / statistics.median(alone):.2f}x alone; "
              f"paired {paired:.2f}x)")
    if rounds > 1:
        control = sorted(a / b for a, b in zip(alone[1:], alone[:-1], strict=True))
        print(f"  control, each round alone against the one before it: median "
              f"{statistics.median(control):.2f}x, range {control[0]:.2f}x to {control[-1]:.2f}x "
              "(how far rounds differ with nothing changed)")
    print("CPU time per input, median of the rounds (process: every thread of the hub process, "
          "through everything written):")
    for label, values in cpu.items():
        print(f"  {label:32}: {statistics.median(values):7.1f} µs")


def paced(hub: Hub, bodies: list[bytes], rate: float,
          hooks: JournalHooks | None = None) -> list[float]:
    """Publish ``bodies`` at ``rate`` per second while the worker runs; each input's seconds
    from publish to processed (outputs published; acked with its batch soon after)."""
    sent: dict[str, float] = {}
    latencies: list[float] = []
    done = threading.Event()

    def on_outcome(outcome: Outcome) -> None:
        if hooks is not None:
            hooks.on_outcome(outcome)
        latencies.append(time.perf_counter() - sent[outcome.inbound.message_id or ""])
        if len(latencies) == len(bodies):
            done.set()

    worker = hub.worker(on_outcome=on_outcome, on_backlog=hooks.on_backlog if hooks else None,
                        ack_barrier=hooks.ack_barrier if hooks else None)
    thread = threading.Thread(target=worker.run)
    thread.start()
    worker.ready.wait(30)
    with hub.session() as session:
        publisher = session.publisher()
        start = time.perf_counter()
        for n, body in enumerate(bodies):
            time.sleep(max(0.0, start + n / rate - time.perf_counter()))
            message_id = str(n)
            sent[message_id] = time.perf_counter()
            publisher.publish(OutboundMessage(INBOUND, "market.administrative_licence", body,
                                              "application/json", message_id=message_id))
            if n % 50 == 49:
                publisher.settle(30)
        publisher.settle(30)
    done.wait(600)
    worker.stop()
    thread.join()
    return latencies


def _paced_rounds(url: str, inputs: int, rate: float, rounds: int) -> None:
    hub = Hub(load_settings(broker_url=url, data_dir=Path(tempfile.mkdtemp())))
    bodies = _bodies(inputs)

    def quantiles(values: list[float]) -> tuple[float, float]:
        ordered = sorted(values)
        return ordered[len(ordered) // 2] * 1000, ordered[int(len(ordered) * 0.99)] * 1000

    print(f"\npaced at {rate:.0f} inputs/s, {rounds} interleaved rounds of {inputs} inputs: "
          "latency publish -> processed, p50 / p99 ms")
    for n in range(rounds):
        alone = quantiles(paced(hub, bodies, rate))
        journal = hub.open_journal()
        writer = hub.journal_writer(journal)
        journaled = quantiles(paced(hub, bodies, rate, JournalHooks(writer)))
        writer.close()
        journal.close()
        print(f"  round {n + 1}: alone {alone[0]:6.1f} / {alone[1]:6.1f}   "
              f"with journal {journaled[0]:6.1f} / {journaled[1]:6.1f}")


if __name__ == "__main__":
    main()
