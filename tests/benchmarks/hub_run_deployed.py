"""Benchmark: ``hub run`` as deployed, against the broker's ceiling and a hand-written forwarder
measured in the same run.

    PYTHONPATH=. python tests/benchmarks/hub_run_deployed.py [--inputs 20000] [--workers 1 2]
        [--clients pika kombu] [--postgres postgresql+psycopg://postgres@127.0.0.1/postgres]
        [--cluster] [--forwarded 2000] [--latency-seconds 20] [--rss-inputs 1000000]

On a fresh RabbitMQ virtual host (``--cluster``: on the 3-node cluster of
``tests/cluster/rabbitmq-cluster.sh``, with quorum queues), with 1.3 KB penalty records from a
department that the shipped routes send to three destinations (city platform, credit platform,
service hall) and to the hub's own supervision database (a fourth envelope per input, which the
``hub run`` process itself lands; envelopes/s below counts only the three that leave the hub, as
the peer's do):

1. ceiling: pika publishing the same bodies with pipelined confirms (window 1000), msg/s;
2. peer: what an integrator writes by hand, pika, prefetch 1, ``json.loads`` and a field check,
   three confirmed publishes, ack: inputs/s;
3. ``hub run --workers W`` in a subprocess, every default on (the evidence journal on SQLite,
   or with ``--postgres`` on a new PostgreSQL database per run; metrics served), draining the
   pre-loaded inputs, for each worker broker client of ``--clients`` (pika, the default on
   RabbitMQ, and kombu, as before it): inputs/s and envelopes/s (three per input) between 10%
   and 90% drained, and the CPU time per input of the hub's processes over the same stretch
   (from /proc); beside them, the supervision database's landing rate over the same stretch,
   its backlog at 90% and how long after that the last record landed (whether landing keeps
   up with the pipeline);
4. latency, publish to delivered (the record's arrival in the city platform's queue), p50 and
   p99, with inputs published at 25% and 50% of the saturated rate of one worker to a running
   ``hub run``;
5. with ``--rss-inputs N``: N distinct inputs fed to one running ``hub run`` (inbound kept
   topped up, destinations emptied), its RSS read every N/10 inputs.

With py-spy installed (``pip install ".[bench]"``), the first ``hub run`` is sampled while it
drains (200 Hz, the thread holding the GIL) and the samples are broken down by stage: consume,
decode, validate, authorise, route, build envelopes, publish, confirm, ack, journal, metrics,
logging; each stage's share of the samples and its CPU per input (the share of the measured
CPU), then the functions most sampled outside every stage.

Prints last, each alone on a line, ``envelopes/ceiling: X`` and ``hub/peer: Y`` for the first
client and worker count. Not a test: the figures depend on the machine; the ratios are what to
compare.
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pika

#: Stage -> function names (py-spy's ``name (file:line)`` frames start with them); a sample
#: belongs to the innermost stage on its stack, so a stage inside another counts as itself.
STAGES: dict[str, tuple[str, ...]] = {
    "consume": ("Connection.drain_events", "BrokerSession.drain", "_delivery ",
                "Link.drain ", "Link.get ", "PikaLink._on_message "),
    "decode": ("decode_record ", "decode_json ", "read_json"),
    "validate": ("validate_record ",),
    "authorise": ("authorise ",),
    "route": ("RouteTable.route ", "route (hub/pipeline/route.py"),
    "build envelopes": ("build (hub/pipeline/build.py",),
    "publish": ("ConfirmedPublisher.publish ", "Link.publish "),
    "confirm": ("ConfirmedPublisher.settle ", "Link.settle ", "PikaLink._on_confirm "),
    "ack": ("Message.ack ", "Link.ack "),
    "journal": ("JournalWriter", "JournalHooks", "outcome_snapshot "),
    "metrics": ("(monitor/",),
    "logging": ("_log_outcome ", "(logging/"),
}

SAMPLE = Path(__file__).parents[1] / "schemas" / "samples" / "valid" / "administrative_penalty.json"
TICKS = os.sysconf("SC_CLK_TCK")
DESTINATIONS = ("hub.out.city-platform", "hub.out.credit-platform", "hub.out.service-hall")
#: The queue of the supervision database, which the hub itself lands (one record per input).
LANDING = "hub.out.supervision-db"


CLUSTER_SCRIPT = Path(__file__).parents[1] / "cluster" / "rabbitmq-cluster.sh"


@dataclass(frozen=True)
class Broker:
    """Where the runs happen: the local RabbitMQ, or the 3-node cluster of
    ``tests/cluster/rabbitmq-cluster.sh`` (quorum queues, every node in the hub's URL list)."""

    hosts: tuple[str, ...]
    ctl: tuple[str, ...]
    queue_type: str

    @classmethod
    def local(cls, host: str) -> Broker:
        return cls((host,), ("rabbitmqctl", "-q"), "classic")

    @classmethod
    def cluster(cls) -> Broker:
        subprocess.run(["bash", str(CLUSTER_SCRIPT), "start"], check=True, stdout=subprocess.DEVNULL)
        urls = subprocess.run(["bash", str(CLUSTER_SCRIPT), "urls"], check=True,
                              capture_output=True, text=True).stdout.strip().split(";")
        hosts = tuple(url.split("@")[1].rstrip("/") for url in urls)
        return cls(hosts, ("bash", str(CLUSTER_SCRIPT), "ctl"), "quorum")

    @contextmanager
    def vhost(self) -> Iterator[tuple[str, str]]:
        """A fresh virtual host: the hub's URL (every node), and one node's for the tools."""
        name = f"hub-deployed-{uuid.uuid4().hex[:8]}"
        for args in (["add_vhost", name], ["set_permissions", "-p", name, "guest", ".*", ".*", ".*"]):
            subprocess.run([*self.ctl, *args], check=True, capture_output=True)
        try:
            urls = [f"amqp://guest:guest@{host}/{name}" for host in self.hosts]
            yield ";".join(urls), urls[0]
        finally:
            subprocess.run([*self.ctl, "delete_vhost", name], check=False, capture_output=True)


@contextmanager
def journal_database(admin_url: str | None) -> Iterator[str | None]:
    """A new PostgreSQL database for one run's journal (dropped afterwards), or None: SQLite
    in the hub's data directory. A journal is never shared between runs: the same inputs
    would be the same messages to it."""
    if admin_url is None:
        yield None
        return
    import sqlalchemy

    name = f"hubbench_{uuid.uuid4().hex[:10]}"
    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sqlalchemy.make_url(admin_url).set(database=name).render_as_string(
            hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


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


def _declare_topology(url: str, queue_type: str) -> None:
    """The hub's queues and exchanges, declared as ``hub run`` declares them."""
    from hub.assembly import Hub
    from hub.config.settings import load_settings

    with Hub(load_settings(broker_url=url, queue_type=queue_type)).session():
        pass


def _hub_env(url: str, data_dir: str, queue_type: str, journal_url: str | None,
             client: str, port: int) -> dict[str, str]:
    env = {**os.environ, "HUB_BROKER_URL": url, "HUB_DATA_DIR": data_dir,
           "HUB_QUEUE_TYPE": queue_type, "HUB_BROKER_CLIENT": client,
           "HUB_METRICS_PORT": str(port)}
    if journal_url:
        env["HUB_JOURNAL_URL"] = journal_url
    return env


def _stage(frames: list[str]) -> str:
    for frame in reversed(frames):  # innermost first
        for stage, markers in STAGES.items():
            if any(marker in frame for marker in markers):
                return stage
    return "other"


def breakdown(raw: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Share of py-spy's samples (raw format) per stage, and of the samples in no stage per
    the function they were taken in (its name and file, without the line)."""
    counts: dict[str, int] = {}
    others: dict[str, int] = {}
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            frames = stack.split(";")
            stage = _stage(frames)
            counts[stage] = counts.get(stage, 0) + int(count)
            if stage == "other":
                leaf = frames[-1].rsplit(":", 1)[0] + ")" if ":" in frames[-1] else frames[-1]
                others[leaf] = others.get(leaf, 0) + int(count)
    total = sum(counts.values()) or 1

    def shares(tally: dict[str, int]) -> dict[str, float]:
        return {k: n / total for k, n in sorted(tally.items(), key=lambda kv: -kv[1])}

    return shares(counts), shares(others)


def _sampler(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return None
    return subprocess.Popen([spy, "record", "--rate", "200", "--duration", str(max(1, int(seconds))),
                             "--format", "raw", "--output", str(out), "--pid", str(pid),
                             "--nonblocking", *os.environ.get("HUB_BENCH_SPY", "--gil").split()], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@dataclass(frozen=True)
class Target:
    """One run's hub: its broker URL (every node), one node's URL for this script's own
    clients, the queue type, the journal (None: SQLite) and the worker's broker client."""

    hub_url: str
    tool_url: str
    queue_type: str
    journal_url: str | None
    client: str

    def env(self, data_dir: str, port: int) -> dict[str, str]:
        return _hub_env(self.hub_url, data_dir, self.queue_type, self.journal_url, self.client,
                        port)


def hub_run(target: Target, payloads: list[bytes], workers: int,
            profile: Path | None = None) -> dict[str, float]:
    """Pre-load ``payloads`` into hub.inbound, run ``hub run --workers``, time the drain."""
    url = target.tool_url
    _declare_topology(url, target.queue_type)
    pipelined(url, "hub.inbound", "market.administrative_penalty", payloads)
    deadline = time.monotonic() + 600
    with tempfile.TemporaryDirectory() as data_dir:
        env = target.env(data_dir, _free_port())
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
                    landed_at_10 = done - _depth(url, LANDING)
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
                    backlog = _depth(url, LANDING)
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"hub run ended or stalled: {log.read_text()[-2000:]}")
                time.sleep(0.02)
            while min(_depth(url, q) for q in DESTINATIONS) < total or _depth(url, LANDING):
                if time.monotonic() > deadline:
                    raise RuntimeError("not every record reached its destinations and was landed")
                time.sleep(0.1)
            drained = time.perf_counter()
        finally:
            if sampler is not None:
                sampler.wait(120)
            process.terminate()
            process.wait(120)
    seconds = marks["90"][0] - marks["10"][0]
    inputs = last_done - first_done
    cpu = (marks["90"][1] - marks["10"][1]) / TICKS
    return {"inputs/s": inputs / seconds, "envelopes/s": 3 * inputs / seconds,
            "cpu µs/input": cpu / inputs * 1e6,
            "landed/s": (last_done - backlog - landed_at_10) / seconds,
            "landing backlog": backlog, "landing tail s": drained - marks["90"][0]}


def _quantile(values: list[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(q * len(ordered) + 0.5) - 1))]


def latency(target: Target, payloads: list[bytes], rate: float) -> tuple[float, float]:
    """p50 and p99 (ms) from publish to arrival at the city platform's queue, with ``payloads``
    published at ``rate`` per second to a running ``hub run`` (one worker)."""
    import requests

    url = target.tool_url
    _declare_topology(url, target.queue_type)
    sent: dict[str, float] = {}
    arrived: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as data_dir:
        port = _free_port()
        env = target.env(data_dir, port)
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




def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def rss_run(target: Target, market_code: str, total: int, step: int) -> list[tuple[int, float]]:
    """Feed ``total`` distinct inputs to a running ``hub run`` (one worker), keeping
    hub.inbound topped up and the destinations' queues emptied; the process's RSS (MB) each
    time another ``step`` inputs have gone through."""
    url = target.tool_url
    _declare_topology(url, target.queue_type)
    record = json.loads(SAMPLE.read_text(encoding="utf-8"))
    record.update(authority_credit_code=market_code, data_source_credit_code=market_code)
    record["violation_facts"] = record["violation_facts"] * 12
    readings: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory() as data_dir:
        with (Path(data_dir) / "hub.log").open("wb") as stderr:
            process = subprocess.Popen([sys.executable, "-m", "hub.app.cli", "run"],
                                       env=target.env(data_dir, _free_port()), stderr=stderr)
        connection = pika.BlockingConnection(pika.URLParameters(url))
        try:
            channel = connection.channel()
            properties = pika.BasicProperties(delivery_mode=2, content_type="application/json")
            sent = 0
            while True:
                depth = channel.queue_declare("hub.inbound", passive=True).method.message_count
                done = sent - depth
                if done >= (len(readings) + 1) * step:
                    readings.append((done, _rss_mb(process.pid)))
                    print(f"  {done:>9} inputs: RSS {readings[-1][1]:6.1f} MB", flush=True)
                if done >= total:
                    break
                if process.poll() is not None:
                    raise RuntimeError("hub run ended during the RSS run")
                while sent < total and depth < 20_000:
                    record["decision_number"] = f"闵市监案处字〔2026〕第{sent}号"
                    channel.basic_publish("hub.inbound", "market.administrative_penalty",
                                          json.dumps(record, ensure_ascii=False).encode(),
                                          properties)
                    sent += 1
                    depth += 1
                for queue in DESTINATIONS:
                    channel.queue_purge(queue)
                connection.sleep(0.5)
        finally:
            connection.close()
            process.terminate()
            process.wait(120)
    return readings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=20000)
    parser.add_argument("--forwarded", type=int, default=2000,
                        help="inputs the hand-written forwarder takes (it is slow)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", nargs="+", default=["pika", "kombu"],
                        choices=["pika", "kombu"],
                        help="the worker's broker client (HUB_BROKER_CLIENT), each measured")
    parser.add_argument("--postgres", metavar="ADMIN_URL",
                        help="journal on PostgreSQL: a new database per run, made through this "
                             "URL (e.g. postgresql+psycopg://postgres@127.0.0.1/postgres)")
    parser.add_argument("--cluster", action="store_true",
                        help="on the 3-node cluster of tests/cluster/rabbitmq-cluster.sh (started "
                             "if down; quorum queues; every node in the hub's URL list)")
    parser.add_argument("--host", default="127.0.0.1:5672")
    parser.add_argument("--latency-seconds", type=float, default=20.0,
                        help="how long each paced run publishes (0: no latency runs)")
    parser.add_argument("--rss-inputs", type=int, default=0,
                        help="also feed this many inputs to one running hub and read its RSS")
    args = parser.parse_args()

    from hub.config.system_catalogue import SystemCatalogue

    [market_code] = SystemCatalogue.load().credit_codes("market")
    payloads = bodies(args.inputs, market_code)
    broker = Broker.cluster() if args.cluster else Broker.local(args.host)
    where = f"{len(broker.hosts)}-node cluster, quorum queues" if args.cluster else broker.hosts[0]
    print(f"inputs: {args.inputs} penalty records (~{len(payloads[0])} bytes), 3 destinations "
          f"each; RabbitMQ {where}; journal {'PostgreSQL' if args.postgres else 'SQLite'}")
    with broker.vhost() as (_, url):
        with pika.BlockingConnection(pika.URLParameters(url)) as connection:
            connection.channel().queue_declare("ceiling", durable=True, arguments={
                "x-queue-type": broker.queue_type})
        ceiling = pipelined(url, "", "ceiling", payloads)
        peer = forwarder(url, payloads[:args.forwarded])
    print(f"ceiling, pika, pipelined confirms (window 1000): {ceiling:8.0f} msg/s")
    print(f"peer, hand-written forwarder (prefetch 1)      : {peer:8.0f} inputs/s "
          f"= {3 * peer:.0f} envelopes/s")

    @contextmanager
    def target(client: str) -> Iterator[Target]:
        with broker.vhost() as (hub_url, tool_url), journal_database(args.postgres) as journal:
            yield Target(hub_url, tool_url, broker.queue_type, journal, client)

    profile = Path(os.environ.get("HUB_BENCH_PROFILE") or Path(tempfile.mkdtemp()) / "hub-run.pyspy")
    results: dict[tuple[str, int], dict[str, float]] = {}
    first = (args.clients[0], args.workers[0])
    for client in args.clients:
        for workers in args.workers:
            with target(client) as run:
                results[client, workers] = hub_run(
                    run, payloads, workers, profile if (client, workers) == first else None)
            figures = results[client, workers]
            print(f"hub run --workers {workers}, worker on {client}: {figures['inputs/s']:6.0f} "
                  f"inputs/s = {figures['envelopes/s']:.0f} envelopes/s, "
                  f"{figures['cpu µs/input']:.0f} µs CPU per input (all processes)")
            print(f"  supervision database: {figures['landed/s']:6.0f} records/s landed over the "
                  f"same stretch ({figures['landed/s'] / figures['inputs/s']:.2f} of the inputs' "
                  f"rate); {figures['landing backlog']:.0f} waiting at 90%, all landed "
                  f"{figures['landing tail s']:.1f} s later")
            if (client, workers) == first:
                _print_breakdown(profile, figures["cpu µs/input"])
    for workers in args.workers:
        if len(args.clients) > 1:
            base = results[args.clients[-1], workers]["inputs/s"]
            ratio = results[args.clients[0], workers]["inputs/s"] / base
            print(f"--workers {workers}: {args.clients[0]}/{args.clients[-1]} {ratio:.2f}x inputs/s")
    if args.latency_seconds > 0:
        saturated = results[args.clients[0], 1 if 1 in args.workers else args.workers[0]]
        for share in (0.25, 0.5):
            rate = share * saturated["inputs/s"]
            count = max(1, min(len(payloads), int(rate * args.latency_seconds)))
            with target(args.clients[0]) as run:
                p50, p99 = latency(run, payloads[:count], rate)
            print(f"latency at {share:.0%} of the saturated rate ({rate:.0f} inputs/s, "
                  f"{count} inputs): p50 {p50:.1f} ms, p99 {p99:.1f} ms, publish to delivered")
    if args.rss_inputs:
        print(f"RSS of one hub run process over {args.rss_inputs} inputs "
              f"(worker on {args.clients[0]}):")
        with target(args.clients[0]) as run:
            readings = rss_run(run, market_code, args.rss_inputs,
                               max(1, args.rss_inputs // 10))
        print(f"RSS at {readings[-1][0]} / at {readings[0][0]} inputs: "
              f"{readings[-1][1] / readings[0][1]:.3f}")
    print(f"envelopes/ceiling: {results[first]['envelopes/s'] / ceiling:.2f}")
    print(f"hub/peer: {results[first]['inputs/s'] / peer:.2f}")


def _print_breakdown(profile: Path, cpu: float) -> None:
    if not profile.exists():
        print('  (no per-stage breakdown: install py-spy, pip install ".[bench]")')
        return
    print(f"  where the time goes (py-spy samples of the thread holding the GIL; µs of CPU per "
          f"input as the share of {cpu:.0f}):")
    stages, others = breakdown(profile)
    for stage, share in stages.items():
        print(f"    {stage:<16} {share * 100:5.1f}%  {share * cpu:7.0f} µs")
    print("  the largest parts of 'other', by the function sampled:")
    for leaf, share in list(others.items())[:8]:
        print(f"    {share * 100:5.1f}%  {share * cpu:7.0f} µs  {leaf}")


if __name__ == "__main__":
    main()
