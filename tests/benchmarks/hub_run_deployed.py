"""Benchmark: ``hub run`` as deployed, against the broker's ceiling and a hand-written forwarder
measured in the same run.

    PYTHONPATH=. python tests/benchmarks/hub_run_deployed.py [--inputs 20000] [--workers 1 2]
        [--journal-url postgresql+psycopg://...] [--forwarded 2000]

On a fresh RabbitMQ virtual host, with 1.3 KB penalty records from a department that the
shipped routes send to three destinations (city platform, credit platform, service hall):

1. ceiling: pika publishing the same bodies with pipelined confirms (window 1000), msg/s;
2. peer: what an integrator writes by hand, pika, prefetch 1, ``json.loads`` and a field check,
   three confirmed publishes, ack: inputs/s;
3. ``hub run --workers W`` in a subprocess, every default on (the evidence journal on SQLite,
   or ``--journal-url``; metrics served), draining the pre-loaded inputs: inputs/s and
   envelopes/s (three per input) between 10% and 90% drained, and the CPU time per input of
   the hub's processes over the same stretch (from /proc);
4. latency, publish to delivered (the record's arrival in the city platform's queue), p50 and
   p99, with inputs published at 25% and 50% of the saturated rate of one worker to a running
   ``hub run``.

With py-spy installed (``pip install ".[bench]"``), the first ``hub run`` is sampled while it
drains (200 Hz, every thread) and the samples are broken down by stage: consume, decode,
validate, authorise, route, build envelopes, publish, confirm, ack, journal, metrics, logging;
each stage's share of the samples and its CPU per input (the share of the measured CPU).

Prints last, each alone on a line, ``envelopes/ceiling: X`` and ``hub/peer: Y`` for the first
worker count. Not a test: the figures depend on the machine; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pika

#: Stage -> function names (py-spy's ``name (file:line)`` frames start with them); a sample
#: belongs to the innermost stage on its stack, so a stage inside another counts as itself.
STAGES: dict[str, tuple[str, ...]] = {
    "consume": ("Connection.drain_events", "BrokerSession.drain", "_to_inbound"),
    "decode": ("decode_record ", "decode_json ", "read_json"),
    "validate": ("validate_record ",),
    "authorise": ("authorise ",),
    "route": ("RouteTable.route ", "route (hub/pipeline/route.py"),
    "build envelopes": ("build (hub/pipeline/build.py",),
    "publish": ("ConfirmedPublisher.publish ",),
    "confirm": ("ConfirmedPublisher.settle ",),
    "ack": ("Message.ack ",),
    "journal": ("JournalWriter", "JournalHooks", "outcome_snapshot "),
    "metrics": ("(monitor/",),
    "logging": ("_log_outcome ", "(logging/"),
}

SAMPLE = Path(__file__).parents[1] / "schemas" / "samples" / "valid" / "administrative_penalty.json"
TICKS = os.sysconf("SC_CLK_TCK")
DESTINATIONS = ("hub.out.city-platform", "hub.out.credit-platform", "hub.out.service-hall")


def _vhost() -> str:
    name = f"hub-deployed-{uuid.uuid4().hex[:8]}"
    for args in (["add_vhost", name], ["set_permissions", "-p", name, "guest", ".*", ".*", ".*"]):
        subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True)
    return name


def _drop_vhost(name: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], check=False, capture_output=True)


def bodies(count: int, market_code: str) -> list[bytes]:
    record = json.loads(SAMPLE.read_text(encoding="utf-8"))
    record.update(authority_credit_code=market_code, data_source_credit_code=market_code)
    record["violation_facts"] = record["violation_facts"] * 12  # about 1.3 KB in all
    made = []
    for n in range(count):
        record["decision_number"] = f"闵市监案处字〔2026〕第{n}号"
        made.append(json.dumps(record, ensure_ascii=False).encode())
    return made


def pipelined(url: str, exchange: str, routing_key: str, payloads: list[bytes],
              window: int = 1000) -> float:
    """Publish ``payloads`` with confirms, at most ``window`` unconfirmed; msg/s."""
    state = {"sent": 0, "confirmed": 0, "start": 0.0, "end": 0.0}
    channel_box: list[pika.channel.Channel] = []
    properties = pika.BasicProperties(delivery_mode=2, content_type="application/json")

    def pump() -> None:
        channel = channel_box[0]
        while state["sent"] < len(payloads) and state["sent"] - state["confirmed"] < window:
            channel.basic_publish(exchange, routing_key, payloads[int(state["sent"])], properties)
            state["sent"] += 1

    def on_confirm(frame: pika.frame.Method) -> None:
        state["confirmed"] = max(state["confirmed"], frame.method.delivery_tag)
        if state["confirmed"] >= len(payloads):
            state["end"] = time.perf_counter()
            connection.close()
        else:
            pump()

    def on_channel(channel: pika.channel.Channel) -> None:
        channel_box.append(channel)
        channel.confirm_delivery(on_confirm)
        state["start"] = time.perf_counter()
        pump()

    def on_channel_closed(channel: pika.channel.Channel, reason: Exception) -> None:
        if not state["end"]:
            failure.append(reason)
            connection.close()

    failure: list[Exception] = []
    connection = pika.SelectConnection(
        pika.URLParameters(url),
        on_open_callback=lambda c: c.channel(on_open_callback=on_channel).add_on_close_callback(
            on_channel_closed),
        on_close_callback=lambda c, reason: c.ioloop.stop(),
    )
    connection.ioloop.start()
    if failure:
        raise RuntimeError(f"publishing to {exchange or 'the default exchange'} failed: {failure[0]}")
    return len(payloads) / (state["end"] - state["start"])


def forwarder(url: str, payloads: list[bytes]) -> float:
    """The hand-written forwarder over ``payloads``: inputs/s."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    for name in ("peer.in", "peer.out.1", "peer.out.2", "peer.out.3"):
        channel.queue_declare(name, durable=True)
    connection.close()
    pipelined(url, "", "peer.in", payloads)
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.basic_qos(prefetch_count=1)
    properties = pika.BasicProperties(delivery_mode=2, content_type="application/json")
    done = 0
    start = time.perf_counter()
    for method, _props, body in channel.consume("peer.in"):
        record = json.loads(body)
        if record.get("party") and record.get("decision_number"):
            for out in ("peer.out.1", "peer.out.2", "peer.out.3"):
                channel.basic_publish("", out, body, properties)  # returns once confirmed
        channel.basic_ack(method.delivery_tag)
        done += 1
        if done == len(payloads):
            break
    elapsed = time.perf_counter() - start
    channel.cancel()
    connection.close()
    return done / elapsed


def _depth(url: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def _cpu_ticks(pid: int) -> int:
    """utime + stime of ``pid`` and of its children still running."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _declare_topology(url: str) -> None:
    """The hub's queues and exchanges, declared as ``hub run`` declares them."""
    from hub.assembly import Hub
    from hub.config.settings import load_settings

    with Hub(load_settings(broker_url=url)).session():
        pass


def _stage(frames: list[str]) -> str:
    for frame in reversed(frames):  # innermost first
        for stage, markers in STAGES.items():
            if any(marker in frame for marker in markers):
                return stage
    return "other"


def breakdown(raw: Path) -> dict[str, float]:
    """Share of py-spy's samples (raw format) per stage."""
    counts: dict[str, int] = {}
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stage = _stage(stack.split(";"))
            counts[stage] = counts.get(stage, 0) + int(count)
    total = sum(counts.values()) or 1
    return {stage: n / total for stage, n in sorted(counts.items(), key=lambda kv: -kv[1])}


def _sampler(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return None
    return subprocess.Popen([spy, "record", "--rate", "200", "--duration", str(max(1, int(seconds))),
                             "--format", "raw", "--output", str(out), "--pid", str(pid),
                             "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def hub_run(url: str, payloads: list[bytes], workers: int, journal_url: str | None,
            profile: Path | None = None) -> dict[str, float]:
    """Pre-load ``payloads`` into hub.inbound, run ``hub run --workers``, time the drain."""
    _declare_topology(url)
    pipelined(url, "hub.inbound", "market.administrative_penalty", payloads)
    deadline = time.monotonic() + 600
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "HUB_BROKER_URL": url, "HUB_DATA_DIR": data_dir,
               "HUB_METRICS_PORT": str(_free_port())}
        if journal_url:
            env["HUB_JOURNAL_URL"] = journal_url
        log = Path(data_dir) / "hub.log"
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "hub.app.cli", "run", "--workers", str(workers)],
                env=env, stderr=stderr)
        total = len(payloads)
        marks: dict[str, tuple[float, int]] = {}
        sampler: subprocess.Popen[bytes] | None = None
        try:
            while "90" not in marks:
                left = _depth(url, "hub.inbound")
                done = total - left
                now = time.perf_counter()
                if "10" not in marks and done >= total * 0.1:
                    marks["10"] = (now, _cpu_ticks(process.pid))
                    first_done = done
                    if profile is not None and "rate" in marks:
                        # Sample for the time the middle half should take at the rate so far.
                        rate = (done - marks["rate"][1]) / max(now - marks["rate"][0], 1e-3)
                        sampler = _sampler(process.pid, 0.5 * total / rate, profile)
                if "rate" not in marks and done > 0:
                    marks["rate"] = (now, done)
                if "10" in marks and done >= total * 0.9:
                    marks["90"] = (now, _cpu_ticks(process.pid))
                    last_done = done
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"hub run ended or stalled: {log.read_text()[-2000:]}")
                time.sleep(0.02)
            while min(_depth(url, q) for q in DESTINATIONS) < total:
                if time.monotonic() > deadline:
                    raise RuntimeError("not every record reached its three destinations")
                time.sleep(0.1)
        finally:
            if sampler is not None:
                sampler.wait(120)
            process.terminate()
            process.wait(120)
    seconds = marks["90"][0] - marks["10"][0]
    inputs = last_done - first_done
    cpu = (marks["90"][1] - marks["10"][1]) / TICKS
    return {"inputs/s": inputs / seconds, "envelopes/s": 3 * inputs / seconds,
            "cpu µs/input": cpu / inputs * 1e6}


def _quantile(values: list[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(q * len(ordered) + 0.5) - 1))]


def latency(url: str, payloads: list[bytes], rate: float, journal_url: str | None) -> tuple[float, float]:
    """p50 and p99 (ms) from publish to arrival at the city platform's queue, with ``payloads``
    published at ``rate`` per second to a running ``hub run`` (one worker)."""
    import requests

    _declare_topology(url)
    sent: dict[str, float] = {}
    arrived: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as data_dir:
        port = _free_port()
        env = {**os.environ, "HUB_BROKER_URL": url, "HUB_DATA_DIR": data_dir,
               "HUB_METRICS_PORT": str(port)}
        if journal_url:
            env["HUB_JOURNAL_URL"] = journal_url
        with (Path(data_dir) / "hub.log").open("wb") as stderr:
            process = subprocess.Popen([sys.executable, "-m", "hub.app.cli", "run"], env=env,
                                       stderr=stderr)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).ok:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("hub run did not get ready")
                time.sleep(0.1)

            def consume() -> None:
                connection = pika.BlockingConnection(pika.URLParameters(url))
                channel = connection.channel()
                for _method, _props, body in channel.consume(DESTINATIONS[0], auto_ack=True,
                                                             inactivity_timeout=30):
                    if body is None:
                        break
                    now = time.perf_counter()
                    arrived[json.loads(body)["payload"]["decision_number"]] = now
                    if len(arrived) == len(payloads):
                        break
                connection.close()

            consumer = threading.Thread(target=consume, daemon=True)
            consumer.start()
            connection = pika.BlockingConnection(pika.URLParameters(url))
            channel = connection.channel()
            properties = pika.BasicProperties(delivery_mode=2, content_type="application/json")
            start = time.perf_counter()
            for n, body in enumerate(payloads):
                pause = start + n / rate - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                sent[json.loads(body)["decision_number"]] = time.perf_counter()
                channel.basic_publish("hub.inbound", "market.administrative_penalty", body,
                                      properties)
            connection.close()
            consumer.join(120)
        finally:
            process.terminate()
            process.wait(120)
    delays = [(arrived[k] - sent[k]) * 1000 for k in sent if k in arrived]
    if len(delays) < len(payloads):
        raise RuntimeError(f"{len(payloads) - len(delays)} records did not arrive")
    return _quantile(delays, 0.5), _quantile(delays, 0.99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=20000)
    parser.add_argument("--forwarded", type=int, default=2000,
                        help="inputs the hand-written forwarder takes (it is slow)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--journal-url", help="the hub's journal (default: SQLite in its data dir)")
    parser.add_argument("--host", default="127.0.0.1:5672")
    parser.add_argument("--latency-seconds", type=float, default=20.0,
                        help="how long each paced run publishes (0: no latency runs)")
    args = parser.parse_args()

    from hub.config.system_catalogue import SystemCatalogue

    [market_code] = SystemCatalogue.load().credit_codes("market")
    payloads = bodies(args.inputs, market_code)
    print(f"inputs: {args.inputs} penalty records (~{len(payloads[0])} bytes), "
          f"3 destinations each; journal {args.journal_url or 'SQLite'}")
    results: dict[int, dict[str, float]] = {}
    vhost = _vhost()
    try:
        url = f"amqp://guest:guest@{args.host}/{vhost}"
        with pika.BlockingConnection(pika.URLParameters(url)) as connection:
            connection.channel().queue_declare("ceiling", durable=True)
        ceiling = pipelined(url, "", "ceiling", payloads)
        peer = forwarder(url, payloads[:args.forwarded])
    finally:
        _drop_vhost(vhost)
    print(f"ceiling, pika, pipelined confirms (window 1000): {ceiling:8.0f} msg/s")
    print(f"peer, hand-written forwarder (prefetch 1)      : {peer:8.0f} inputs/s "
          f"= {3 * peer:.0f} envelopes/s")
    profile = Path(tempfile.mkdtemp()) / "hub-run.pyspy"
    for workers in args.workers:
        vhost = _vhost()
        try:
            results[workers] = hub_run(f"amqp://guest:guest@{args.host}/{vhost}", payloads,
                                       workers, args.journal_url,
                                       profile if workers == args.workers[0] else None)
        finally:
            _drop_vhost(vhost)
        figures = results[workers]
        print(f"hub run --workers {workers}: {figures['inputs/s']:8.0f} inputs/s = "
              f"{figures['envelopes/s']:.0f} envelopes/s, {figures['cpu µs/input']:.0f} µs CPU "
              f"per input (all processes)")
        if workers == args.workers[0]:
            if profile.exists():
                cpu = figures["cpu µs/input"]
                print(f"  where the time goes (py-spy samples of every thread; µs of CPU per "
                      f"input as the share of {cpu:.0f}):")
                for stage, share in breakdown(profile).items():
                    print(f"    {stage:<16} {share * 100:5.1f}%  {share * cpu:7.0f} µs")
            else:
                print('  (no per-stage breakdown: install py-spy, pip install ".[bench]")')
    first = results[args.workers[0]]
    if args.latency_seconds > 0:
        for share in (0.25, 0.5):
            rate = share * results[1 if 1 in results else args.workers[0]]["inputs/s"]
            count = max(1, min(len(payloads), int(rate * args.latency_seconds)))
            vhost = _vhost()
            try:
                p50, p99 = latency(f"amqp://guest:guest@{args.host}/{vhost}", payloads[:count],
                                   rate, args.journal_url)
            finally:
                _drop_vhost(vhost)
            print(f"latency at {share:.0%} of the saturated rate ({rate:.0f} inputs/s, "
                  f"{count} inputs): p50 {p50:.1f} ms, p99 {p99:.1f} ms, publish to delivered")
    print(f"envelopes/ceiling: {first['envelopes/s'] / ceiling:.2f}")
    print(f"hub/peer: {first['inputs/s'] / peer:.2f}")


if __name__ == "__main__":
    main()
