"""Two ``hub run`` processes under traffic on the real RabbitMQ: /metrics agrees with the journal.

The processes share the queues, the journal and the metrics directory. The first serves the
endpoint; the second finds the port taken and only records. Traffic: good and bad licence
records from two sources, delivered to the credit platform over HTTP while it answers 200, then
503 for a while (retries), then 422 (dead letters). The scrape, parsed with prometheus-client's
parser, must then match the journal's events count for count, and both processes must have
contributed (read from each process's own metric files). ``hub report`` on the same journal
accounts for every input.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from adapters.simulators.ports import free_port
from hub.journal import Journal, MessageQuery
from monitor.metric_catalogue import METRICS
from tests.hub.app.test_cli_subprocess import _env, _hub_command
from tests.hub.conftest import RECORDS
from tests.support import waiting
from tests.support.running_hub import RunningHub
from tests.support.webhook_server import WebhookServer

pytestmark = pytest.mark.rabbitmq

# Both the check character and the organisation code (positions 9-17) fail: rejected, not held
# for review.
WRONG_CODE = "91310112087894932X"
SHANGHAI = ZoneInfo("Asia/Shanghai")
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@dataclass
class Deployment:
    department: RunningHub
    server: WebhookServer
    endpoint: str
    data_dir: Path
    env: dict[str, str]
    processes: list[subprocess.Popen[str]]
    sent: int = 0

    def send(self, source: str, count: int, *, good: bool = True) -> None:
        record = json.loads((RECORDS / "licence.json").read_bytes())
        for _ in range(count):
            self.sent += 1
            record["licence_number"] = f"JY{self.sent:014d}"
            code = record["party"]["credit_code"] if good else WRONG_CODE
            body = {**record, "party": {**record["party"], "credit_code": code}}
            self.department.publish(f"{source}.administrative_licence", json.dumps(body).encode(),
                                    message_id=f"src-{self.sent}")

    def scrape(self) -> Samples:
        text = requests.get(f"{self.endpoint}/metrics", timeout=10).text
        return {(s.name, frozenset(s.labels.items())): s.value
                for family in text_string_to_metric_families(text) for s in family.samples}

    def report(self, days: set[date]) -> dict[str, dict[str, float]]:
        """``hub report --format json`` of ``days`` (Shanghai), the rows of all days added up:
        {"TOTAL": totals, "<system>": its row, "to <system>": its destination row}."""
        rows: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for day in days:
            result = subprocess.run([*_hub_command(), "report", "--date", day.isoformat(),
                                     "--format", "json"], env=self.env, capture_output=True,
                                    text=True, timeout=120, check=True)
            document = json.loads(result.stdout)
            named = [("TOTAL", document["totals"]["sources"])]
            named += [(row["system"], row) for row in document["sources"]]
            named += [(f"to {row['system']}", row) for row in document["destinations"]]
            for name, row in named:
                for key, value in row.items():
                    if isinstance(value, int):
                        rows[name][key] += value
        return rows

    def journal_events(self) -> Counter[tuple[str, str | None]]:
        """Every hop the journal holds, by (event, destination), read through its API (the
        pipeline's own hops are kept in the message rows, the others as events)."""
        journal = Journal.open(f"sqlite:///{self.data_dir / 'journal.sqlite'}")
        try:
            messages = journal.find_messages(MessageQuery(limit=100_000))
            return Counter((e.event, e.destination) for m in messages
                           for e in journal.trace(m.message_id))
        finally:
            journal.close()


def wait_until(check: Callable[[], bool], what: str) -> None:
    # Two hub processes and a journal written in batches: generous, and polled gently.
    waiting.wait_until(check, what, timeout=90, interval=0.2)


@pytest.fixture
def deployment(rabbitmq_url: str, tmp_path: Path) -> Iterator[Deployment]:
    server = WebhookServer()
    connections = tmp_path / "connections.yaml"
    connections.write_text(
        f"connections:\n  credit-platform:\n    outbound: {{kind: rest-out, url: '{server.url}'}}\n",
        encoding="utf-8",
    )
    port = free_port()
    env = _env(
        HUB_BROKER_URL=rabbitmq_url, HUB_DATA_DIR=str(tmp_path),
        HUB_CONNECTIONS_FILE=str(connections), HUB_DELIVERY_RETRY_SCHEDULE="1s,1s,1s,1s,1s,1s",
        HUB_METRICS_PORT=str(port), HUB_PREFETCH_COUNT="1", HUB_CONFIRM_BATCH_SIZE="1",
    )
    department = RunningHub(rabbitmq_url, tmp_path / "department").open()
    processes: list[subprocess.Popen[str]] = []
    context = Deployment(department, server, f"http://127.0.0.1:{port}", tmp_path, env, processes)
    try:
        for _ in range(2):
            processes.append(subprocess.Popen([*_hub_command(), "run"], env=env, text=True,
                                              stderr=subprocess.PIPE))
            wait_until(lambda: _ready(context.endpoint), "the first process serves /readyz")
        wait_until(lambda: department.session.queue_stats("hub.inbound")[1] == 2,
                   "both processes consume hub.inbound")
        yield context
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(60)
        department.close()
        server.close()


def _ready(endpoint: str) -> bool:
    try:
        return requests.get(f"{endpoint}/readyz", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def test_the_metrics_of_two_processes_agree_with_the_journal(deployment: Deployment) -> None:
    server = deployment.server
    days = {datetime.now(SHANGHAI).date()}
    deployment.send("market", 30)
    deployment.send("service-hall", 10)
    deployment.send("market", 8, good=False)
    wait_until(lambda: len(server.accepted) == 40, "40 records reached the credit platform")

    server.status = 503
    deployment.send("market", 5)
    wait_until(lambda: deployment.journal_events()[("retried", "credit-platform")] >= 3,
               "deliveries are being retried")
    server.status = 200
    wait_until(lambda: len(server.accepted) == 45, "the retried records are delivered")

    server.status = 422
    deployment.send("service-hall", 4)
    wait_until(lambda: deployment.department.depth("hub.out.credit-platform.dead") == 4,
               "4 records refused for good are dead-lettered")

    journal, metrics = settled(deployment)
    expected = expected_from_journal(journal)
    print("journal events:", json.dumps({f"{e}@{d}": n for (e, d), n in sorted(
        journal.items(), key=str)}))
    print("metrics:", json.dumps(expected))
    assert observed(metrics) == expected
    assert expected["received"] == deployment.sent == 57
    assert expected["rejected"] == 8 and expected["delivered@credit-platform"] == 45
    assert expected["dead_lettered@credit-platform"] == 4 and expected["retried@credit-platform"] >= 3

    depth = {dict(labels)["queue"]: value for (name, labels), value in metrics.items()
             if name == "hub_queue_messages"}
    assert (depth["hub.quarantine"], depth["hub.out.credit-platform.dead"]) == (8, 4)
    consumers = {dict(labels)["queue"]: value for (name, labels), value in metrics.items()
                 if name == "hub_queue_consumers"}
    assert consumers["hub.inbound"] == 2 and consumers["hub.out.credit-platform"] == 2
    assert metrics[("hub_broker_up", frozenset())] == 1
    assert metrics[("hub_messages_in_flight", frozenset())] == 0
    up = ("hub_system_up", frozenset({("system", "credit-platform"), ("direction", "outbound")}))
    assert metrics[up] in (0, 1)  # sampled from each process's adapter; live processes' max
    assert {name for name, _ in metrics} >= {s.name.removesuffix("_total") + "_total"
                                              if s.type == "counter" else s.name
                                              for s in METRICS if s.type != "histogram"} - {
        "hub_reviews_total", "hub_adapter_records_total"}  # no review, no inbound adapter here

    days.add(datetime.now(SHANGHAI).date())
    report = deployment.report(days)
    print("report totals:", json.dumps(report["TOTAL"]))
    states = ("received", "delivered", "rejected", "dead_lettered", "in_flight")
    assert [report["TOTAL"][k] for k in states] == [57, 45, 8, 4, 0]
    assert (report["market"]["received"], report["market"]["with_feedback"]) == (43, 8)
    assert [report["to credit-platform"][k] for k in ("routed", "delivered", "dead_lettered")] == [
        49, 45, 4]
    assert report["to city-platform"]["delivered"] == 49  # read from its queue: routed is delivered

    per_process = inputs_per_process(deployment.data_dir / "metrics")
    print("inputs per process:", per_process)
    assert len(per_process) == 2 and all(n > 0 for n in per_process.values())
    assert sum(per_process.values()) == 57

    second = deployment.processes[1]
    second.send_signal(signal.SIGTERM)
    assert second.wait(60) == 0
    assert second.stderr is not None and "metrics port" in second.stderr.read()
    assert deployment.scrape()[("hub_broker_up", frozenset())] == 1  # the first still is


def settled(deployment: Deployment) -> tuple[Counter[tuple[str, str | None]], Samples]:
    """The journal and a scrape once they agree (the journal is written in batches), or the
    last of each after 30 seconds."""
    deadline = time.monotonic() + 30
    while True:
        journal, metrics = deployment.journal_events(), deployment.scrape()
        if observed(metrics) == expected_from_journal(journal) or time.monotonic() > deadline:
            return journal, metrics
        time.sleep(0.5)


def expected_from_journal(journal: Counter[tuple[str, str | None]]) -> dict[str, float]:
    counts: dict[str, float] = {
        "received": journal[("received", None)],
        "rejected": journal[("rejected", "quarantine")],
        "feedback": sum(n for (event, _), n in journal.items() if event == "feedback"),
    }
    for (event, destination), n in journal.items():
        if event in ("routed", "delivered", "duplicate", "dead_lettered", "retried"):
            counts[f"{event}@{destination}"] = n
    return counts


def observed(metrics: Samples) -> dict[str, float]:
    """The same figures as :func:`expected_from_journal`, from the scrape."""
    counts: dict[str, float] = defaultdict(float)
    out_events = {"queued": "routed", "delivered": "delivered", "duplicate": "duplicate",
                  "dead_lettered": "dead_lettered"}
    for (name, frozen), value in metrics.items():
        labels = dict(frozen)
        if name == "hub_messages_in_total":
            counts["received"] += value
            if labels["outcome"] == "rejected":
                counts["rejected"] += value
        elif name == "hub_feedback_total":
            counts["feedback"] += value
        elif name == "hub_messages_out_total":
            counts[f"{out_events[labels['outcome']]}@{labels['destination']}"] += value
        elif name == "hub_retries_total":
            counts[f"retried@{labels['destination']}"] += value
    processed = sum(v for (name, _), v in metrics.items() if name == "hub_processing_seconds_count")
    assert processed == counts["received"], "every input's processing time is observed"
    return dict(counts)


def inputs_per_process(directory: Path) -> dict[int, float]:
    """``hub_messages_in_total`` of each process, from its own metric files."""
    totals = {}
    for counter_file in directory.glob("counter_*.db"):
        pid = int(counter_file.stem.rpartition("_")[2])
        alone = directory.parent / f"metrics-of-{pid}"
        alone.mkdir()
        shutil.copy(counter_file, alone / counter_file.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        totals[pid] = sum(s.value for f in registry.collect() for s in f.samples
                          if s.name == "hub_messages_in_total")
    return totals
