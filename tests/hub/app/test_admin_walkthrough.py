"""The README's administrator walkthrough, end to end, with the CLI an administrator types.

A destination refuses a record; the administrator finds it by credit code, sees why, repairs
the destination, retries it, replays it from the journal, and finds both actions in the audit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.app.cli import main
from hub.app.cli.admin_cmds import os_account
from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.journal import JournalWriter
from hub.runtime.loops import HubRuntime
from tests.hub.conftest import RECORDS
from tests.support.running_hub import RunningHub
from tests.support.webhook_server import WebhookServer

CODE = "91310112087994932F"


def _cli(*args: str) -> list[dict]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


def _eventually(check, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.fixture
def running(broker_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[WebhookServer, RunningHub]]:
    server = WebhookServer()
    connections = tmp_path / "connections.yaml"
    connections.write_text(
        f"connections:\n  credit-platform:\n    outbound: {{kind: rest-out, url: '{server.url}'}}\n",
        encoding="utf-8",
    )
    for key, value in {
        "HUB_BROKER_URL": broker_url, "HUB_DATA_DIR": str(tmp_path),
        "HUB_CONNECTIONS_FILE": str(connections), "HUB_DELIVERY_RETRY_SCHEDULE": "1s",
    }.items():
        monkeypatch.setenv(key, value)
    hub = Hub(load_settings())
    journal = hub.open_journal()
    writer = JournalWriter(journal, flush_interval=0.05)
    runtime: HubRuntime = hub.runtime(journal, writer)
    runtime.start()
    assert runtime.wait_ready(30)
    department = RunningHub(broker_url, tmp_path).open()
    yield server, department
    runtime.stop()
    runtime.join(60)
    writer.close()
    journal.close()
    department.close()
    server.close()


def test_find_see_why_repair_retry_replay_and_audit(running: tuple[WebhookServer, RunningHub]) -> None:
    server, department = running
    server.status = 422  # the credit platform rejects our records until it is repaired
    department.publish("market.administrative_licence", (RECORDS / "licence.json").read_bytes())

    # 1. Find the failed record by its credit code, and see why it failed.
    def dead_lettered() -> bool:
        return any(e["event"] == "dead_lettered" for e in _cli("timeline", CODE))

    _eventually(dead_lettered)
    timeline = _cli("timeline", CODE)
    events = [(e["event"], e["destination"]) for e in timeline]
    assert ("routed", "credit-platform") in events and ("delivered", "credit-platform") not in events
    [letter] = _cli("dead-letters", "list", "--destination", "credit-platform", "--credit-code", CODE)
    assert letter["reason"] == "delivery.refused" and "422" in letter["last_error"]
    message_id = letter["message_id"]
    assert [e["event"] for e in _cli("trace", message_id)][:2] == ["received", "standardised"]

    # 2. Repair the destination and retry the dead letter.
    server.status = 200
    [result] = _cli("dead-letters", "retry", "--destination", "credit-platform", "--all",
                    "--reason", "credit platform certificate renewed", "--actor", "ops-li")
    assert result["affected"] == 1
    _eventually(lambda: len(server.accepted) == 1)
    assert server.accepted[0]["credit_code"] == CODE

    # 3. Replay the record from the journal (dry run first): it goes through the pipeline again
    #    and the credit platform, which has it, does not get it twice.
    [preview] = _cli("replay", "--credit-code", CODE, "--reason", "check", "--dry-run")
    assert preview["affected"] == 1 and preview["dry_run"] is True
    [replayed] = _cli("replay", "--credit-code", CODE, "--reason", "resend after the fix",
                      "--actor", "ops-li")
    assert replayed["affected"] == 1
    _eventually(lambda: any(e["event"] == "duplicate" for e in _cli("timeline", CODE)))
    assert len(server.accepted) == 1

    # 4. Every action is in the audit trail: who, what, why, how many. The actor is the OS
    #    account running the command; --actor only labels it, it cannot replace it.
    audit = _cli("audit")
    labelled = f"{os_account()} (as ops-li)"
    assert [(a["action"], a["actor"], a["reason"], a["affected"], a["dry_run"]) for a in audit] == [
        ("replay", labelled, "resend after the fix", 1, False),
        ("replay", os_account(), "check", 1, True),
        ("retry-dead-letters", labelled, "credit platform certificate renewed", 1, False),
    ]
