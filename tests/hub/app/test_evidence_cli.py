"""``hub verify-log`` and ``hub keys``, as an operator types them, on the embedded default."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.app.cli import main
from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.journal import JournalMessage
from hub.journal.records import AuditEntry


def _hub(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _lines(result: Result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HUB_KEYRING", raising=False)
    monkeypatch.delenv("HUB_JOURNAL_URL", raising=False)
    hub = Hub(load_settings())
    journal = hub.open_journal()  # makes the default keyring: the hub says so
    journal.record([
        JournalMessage(
            message_id=f"m{i}", received_at=datetime.now(UTC), source="market",
            record_type="administrative_licence", routing_key="market.administrative_licence",
            correlation_id=f"c{i}", body=b'{"licence": 1}',
        )
        for i in range(5)
    ])
    journal.audit(AuditEntry(actor="ops", action="replay", reason="resent", affected=5))
    journal.close()
    return tmp_path


def _secrets(data_dir: Path) -> list[str]:
    keys = data_dir / "keys"
    return [p.read_text().strip() for p in keys.iterdir() if p.suffix in (".key", ".pem")]


def test_verify_log_passes_on_an_intact_journal_and_names_a_changed_row(data_dir: Path) -> None:
    intact = _hub("verify-log")
    assert intact.exit_code == 0, intact.output
    assert [(r["chain"], r["ok"], r["links"]) for r in _lines(intact)] == [
        ("messages", True, 5), ("audit", True, 1)
    ]
    with sqlite3.connect(data_dir / "journal.sqlite") as db:
        db.execute("UPDATE journal_audit SET reason = 'nothing to see'")
    broken = _hub("verify-log")
    assert broken.exit_code == 1
    audit = _lines(broken)[1]
    assert audit["broken"]["kind"] == "changed" and audit["broken"]["link"] == 1
    assert "audit: BROKEN" in broken.stderr


def test_keys_rotate_list_and_retire_only_what_no_row_needs(data_dir: Path) -> None:
    before = {k["purpose"]: k for k in _lines(_hub("keys", "list"))}
    assert before["data"]["rows"] == 5 and before["signing"]["rows"] >= 2
    rotated = _hub("keys", "generate", "--purpose", "data")
    assert rotated.exit_code == 0
    new = _lines(rotated)[0]
    assert new["state"] == "active" and new["id"] != before["data"]["id"]
    refused = _hub("keys", "retire", before["data"]["id"])
    assert refused.exit_code == 2 and "5 journal rows still need key" in refused.stderr
    forced = _hub("keys", "retire", before["data"]["id"], "--force")
    assert forced.exit_code == 0 and _lines(forced)[0]["state"] == "retired"
    listing = _hub("keys", "list").output + rotated.output + forced.output
    for secret in _secrets(data_dir):
        for line in secret.splitlines():
            if "-----" not in line:
                assert line not in listing
