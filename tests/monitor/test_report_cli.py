"""``hub report`` in-process: the three formats, the hub's adapters deciding queue-only, errors."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from hub.app.cli import main
from hub.journal import Journal, JournalEvent, JournalMessage
from tests.journal.conftest import event, message

T = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def _message(message_id: str, source: str, at: datetime = T) -> JournalMessage:
    return message(message_id, at=at, source=source,
                   routing_key=f"{source}.administrative_licence")  # fmt: skip


def _step(message_id: str, source: str, kind: str, destination: str | None = None,
          seconds: float = 0, at: datetime = T) -> JournalEvent:  # fmt: skip
    return event(message_id, kind, at=at + timedelta(seconds=seconds), source=source,
                 destination=destination)  # fmt: skip


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A hub whose credit-platform has an outbound adapter, and a journal of 2026-11-28:

    market: m1 routed to city-platform (queue-only) and credit-platform, delivered there after
    20 s; m2 routed to credit-platform, not delivered yet; m3 rejected, with feedback.
    tax: t1 routed to market (queue-only). Received on 2026-11-27 in Shanghai (15:59 UTC): x1.
    """
    connections = tmp_path / "connections.yaml"
    connections.write_text(
        "connections:\n  credit-platform:\n"
        "    outbound: {kind: rest-out, url: 'http://127.0.0.1:9/records'}\n",
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'journal.sqlite'}"
    journal = Journal.open(url)
    journal.record(
        [_message("m1", "market"), _message("m2", "market"), _message("m3", "market"),
         _message("t1", "tax"), _message("x1", "tax", at=datetime(2026, 11, 27, 15, 59, tzinfo=UTC))],
        [_step("m1", "market", "received"), _step("m1", "market", "routed", "city-platform"),
         _step("m1", "market", "routed", "credit-platform"),
         _step("m1", "market", "delivered", "credit-platform", 20),
         _step("m2", "market", "received"), _step("m2", "market", "routed", "credit-platform"),
         _step("m3", "market", "received"), _step("m3", "market", "rejected", "quarantine"),
         _step("m3", "market", "feedback", "market"),
         _step("t1", "tax", "received"), _step("t1", "tax", "routed", "market")],
    )  # fmt: skip
    journal.close()
    yield {"HUB_DATA_DIR": str(tmp_path), "HUB_JOURNAL_URL": url,
           "HUB_CONNECTIONS_FILE": str(connections)}  # fmt: skip


def _run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, ["report", *args], env=env, catch_exceptions=False)


def test_csv_has_a_header_and_one_row_per_system_and_section(env: dict[str, str]) -> None:
    result = _run(env, "--date", "2026-11-28", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    by_key = {(r["section"], r["system"]): r for r in rows}
    assert list(by_key) == [
        ("source", "market"), ("source", "tax"), ("source", "TOTAL"),
        ("destination", "city-platform"), ("destination", "credit-platform"),
        ("destination", "market"), ("destination", "TOTAL"),
    ]
    market = by_key[("source", "market")]
    assert market["name"] == "区市场监督管理局" and market["date"] == "2026-11-28"
    # credit-platform has an adapter: m2 waits there; city-platform reads its queue itself.
    assert {k: market[k] for k in ("received", "delivered", "rejected", "dead_lettered",
                                   "in_flight", "with_feedback")} == {
        "received": "3", "delivered": "1", "rejected": "1", "dead_lettered": "0",
        "in_flight": "1", "with_feedback": "1",
    }  # fmt: skip
    assert float(market["feedback_rate"]) == pytest.approx(1 / 3, abs=1e-6)
    # m1's copies: city-platform at once (0 s), credit-platform after 20 s.
    assert (float(market["delay_median_seconds"]), float(market["delay_p99_seconds"])) == (0, 20)
    total = by_key[("source", "TOTAL")]
    assert (total["received"], total["delivered"], total["routed"]) == ("4", "2", "")
    credit = by_key[("destination", "credit-platform")]
    assert (credit["routed"], credit["delivered"], credit["in_flight"], credit["received"]) == (
        "2", "1", "1", "")


def test_json_holds_the_day_both_sections_and_totals(env: dict[str, str]) -> None:
    result = _run(env, "--date", "2026-11-28", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["date"] == "2026-11-28" and document["time_zone"] == "Asia/Shanghai"
    assert (document["since"], document["until"]) == ("2026-11-27T16:00:00Z", "2026-11-28T16:00:00Z")
    assert datetime.fromisoformat(document["generated_at"]).tzinfo is not None
    assert document["identity"] == "received = delivered + rejected + dead_lettered + in_flight"
    tax = next(row for row in document["sources"] if row["system"] == "tax")
    assert (tax["received"], tax["delivered"], tax["feedback_rate"]) == (1, 1, 0.0)
    assert document["totals"]["sources"]["received"] == 4
    assert document["totals"]["destinations"] == {
        "system": "TOTAL", "name": "", "routed": 4, "delivered": 3, "dead_lettered": 0,
        "in_flight": 1,
    }


def test_the_previous_day_in_another_time_zone_is_another_window(env: dict[str, str]) -> None:
    shanghai = json.loads(_run(env, "--date", "2026-11-27", "--format", "json").output)
    assert [row["system"] for row in shanghai["sources"]] == ["tax"]  # x1, 23:59 in Shanghai
    utc = json.loads(_run(env, "--date", "2026-11-28", "--tz", "UTC", "--format", "json").output)
    assert utc["totals"]["sources"]["received"] == 4  # m1..m3 and t1; x1 is on the 27th


def _display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_the_table_aligns_columns_with_chinese_names(env: dict[str, str]) -> None:
    result = _run(env, "--date", "2026-11-28")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    after = lines[lines.index("By source") + 1 :]
    section = after[: after.index("")]
    header, *rows = section
    assert header.split()[:3] == ["source", "name", "received"]
    assert any("区市场监督管理局" in row for row in rows)
    assert {_display_width(line) for line in section} == {_display_width(header)}
    market = next(row for row in rows if row.startswith("market"))
    assert market.split()[2:7] == ["3", "1", "1", "0", "1"]
    assert "33.3%" in market
    assert "received = delivered + rejected + dead-lettered + in flight" in result.output


def test_output_writes_the_report_to_a_file(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    result = _run(env, "--date", "2026-11-28", "--format", "json", "--output", str(target))
    assert result.exit_code == 0 and result.output == ""
    assert json.loads(target.read_text(encoding="utf-8"))["totals"]["sources"]["received"] == 4


def test_the_commands_default_time_zone_is_the_reports() -> None:
    from hub.app.cli.report_cmd import DEFAULT_TIME_ZONE
    from monitor.report import DEFAULT_TIME_ZONE as REPORTS

    assert DEFAULT_TIME_ZONE == REPORTS == "Asia/Shanghai"


def test_the_date_defaults_to_today_in_the_time_zone(env: dict[str, str]) -> None:
    before = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    document = json.loads(_run(env, "--format", "json").output)
    after = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert document["date"] in {before, after}


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--date", "2026-13-01"], "is not a date YYYY-MM-DD"),
        (["--date", "28.11.2026"], "is not a date YYYY-MM-DD"),
        (["--tz", "Mars/Olympus"], "is not an IANA time zone"),
        (["--format", "xml"], "'xml' is not one of"),
    ],
)
def test_bad_options_are_usage_errors(env: dict[str, str], args: list[str], complaint: str) -> None:
    result = CliRunner().invoke(main, ["report", *args], env=env)
    assert result.exit_code == 2
    assert complaint in result.output
