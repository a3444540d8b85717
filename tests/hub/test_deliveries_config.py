"""The deliveries file: which destinations the hub delivers to, and on what schedule."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.app import Hub
from hub.config import load_settings
from hub.delivery.runner import DeliveryRunner
from hub.errors import ConfigError
from hub.journal import Journal, JournalWriter


def _hub(tmp_path: Path, deliveries: str) -> Hub:
    path = tmp_path / "deliveries.yaml"
    path.write_text(deliveries, encoding="utf-8")
    return Hub(load_settings(broker_url="memory://", data_dir=tmp_path, deliveries_file=path,
                             delivery_retry_schedule="10s,1m"))


def test_a_destination_can_have_its_own_retry_schedule(tmp_path: Path) -> None:
    hub = _hub(tmp_path, """deliveries:
  credit-platform: {kind: webhook, url: "http://127.0.0.1:9/x", retry_schedule: "3m,1d"}
  tax: {kind: webhook, url: "http://127.0.0.1:9/y"}
""")
    queues = set(hub.topology.queue_names())
    assert {"hub.delay.10s", "hub.delay.1m", "hub.delay.3m", "hub.delay.1d"} <= queues
    journal = Journal.open(hub.settings.resolved_journal_url())
    with JournalWriter(journal) as writer:
        loops = hub.runtime(journal, writer).loops
    runners = {name: loop for name, loop in loops.items() if isinstance(loop, DeliveryRunner)}
    assert [d.label for d in runners["deliver:credit-platform"].policy.schedule] == ["3m", "1d"]
    assert [d.label for d in runners["deliver:tax"].policy.schedule] == ["10s", "1m"]
    journal.close()


@pytest.mark.parametrize(
    ("deliveries", "message"),
    [
        ("deliveries:\n  nowhere: {kind: webhook, url: 'http://x/'}\n", "unknown destination"),
        ("deliveries:\n  tax: {kind: webhook, url: 'http://x/', retries: 3}\n", "retries"),
        ("deliveries:\n  tax: {kind: webhook, url: 'http://x/', retry_schedule: '5 min'}\n", "5 min"),
    ],
    ids=["unknown-system", "unknown-key", "bad-schedule"],
)
def test_a_bad_deliveries_file_stops_start_up_naming_the_problem(
    tmp_path: Path, deliveries: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        _hub(tmp_path, deliveries)
