"""``hub import`` in-process on the embedded broker: summary, report, exit codes, resume."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from openpyxl import Workbook

from adapters.sdk import InboundRecord
from hub.app.cli import import_cmd
from hub.app.cli.shared import CliState
from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.hosting.adapter_host import BrokerInboundPort
from schemas.contract.errors import BrokerUnavailable
from tests.adapters.file.support import HEADERS, LAYOUT, cells, licence, write_licences


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"HUB_DATA_DIR": str(tmp_path / "var")}


@pytest.fixture
def columns(tmp_path: Path) -> Path:
    path = tmp_path / "columns.yaml"
    path.write_text(yaml.safe_dump({"columns": LAYOUT}, allow_unicode=True), encoding="utf-8")
    return path


def _invoke(tmp_path: Path, env: dict[str, str], *args: str) -> Result:
    state = CliState(config_file=None, broker_url=f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}")
    return CliRunner().invoke(import_cmd.import_file, list(args), obj=state, env=env,
                              catch_exceptions=False)


def _summary(result: Result) -> dict[str, Any]:
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("{")]
    summary: dict[str, Any] = json.loads(line)
    return summary


def _inbound_depth(tmp_path: Path) -> int:
    settings = load_settings(broker_url=f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}",
                             data_dir=tmp_path / "var")
    with Hub(settings).session() as session:
        return session.queue_depth("hub.inbound")


def _report(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig") as report:
        return list(csv.reader(report))[1:]


def test_a_gbk_csv_is_imported_with_a_report_and_exit_1_for_its_refused_row(
    tmp_path: Path, env: dict[str, str], columns: Path,
) -> None:
    data = write_licences(tmp_path / "licences.csv", 5, encoding="gbk", bad_rows={3: ["坏"]})
    result = _invoke(tmp_path, env, str(data), "--source", "market", "--record-type",
                     "administrative_licence", "--encoding", "gbk", "--columns", str(columns))
    assert result.exit_code == 1, result.output
    summary = _summary(result)
    assert (summary["rows_taken"], summary["rows_refused"], summary["last_row"]) == (4, 1, 6)
    assert summary["failure"] is None and summary["rows_per_second"] > 0
    assert _report(Path(summary["report"])) == [
        ["4", "", "adapter.row_invalid", "the row has 1 cells, the header 18"]]
    assert _inbound_depth(tmp_path) == 5, "four records and one quarantined row"
    assert "rows/s" not in result.output, "no progress bar when not on a terminal"


def test_a_clean_xlsx_exits_0_and_the_report_is_where_it_was_asked(
    tmp_path: Path, env: dict[str, str], columns: Path,
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADERS)
    for n in range(1, 4):
        sheet.append(cells(licence(n)))
    workbook.save(tmp_path / "licences.xlsx")
    report = tmp_path / "reports" / "out.csv"
    report.parent.mkdir()
    result = _invoke(tmp_path, env, str(tmp_path / "licences.xlsx"), "--source", "market",
                     "--record-type", "administrative_licence", "--columns", str(columns),
                     "--report", str(report))
    assert result.exit_code == 0, result.output
    assert _summary(result)["rows_taken"] == 3
    assert report.exists() and _report(report) == []


def test_an_unreadable_file_exits_1_with_the_reason_in_the_report(
    tmp_path: Path, env: dict[str, str],
) -> None:
    data = write_licences(tmp_path / "licences.csv", 3, encoding="utf-8")
    result = _invoke(tmp_path, env, str(data), "--source", "market", "--record-type",
                     "administrative_licence", "--encoding", "gb18030")
    assert result.exit_code == 1
    summary = _summary(result)
    assert summary["failure"]["code"] == "adapter.encoding"
    assert _report(Path(summary["report"]))[0][:3] == ["", "", "adapter.encoding"]
    assert _inbound_depth(tmp_path) == 1, "the source is told once, about the file"


def test_a_crashed_import_resumes_after_its_last_confirmed_chunk_and_only_once(
    tmp_path: Path, env: dict[str, str], columns: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = write_licences(tmp_path / "licences.csv", 10)
    args = (str(data), "--source", "market", "--record-type", "administrative_licence",
            "--columns", str(columns), "--chunk-size", "3")
    real_submit = BrokerInboundPort.submit
    calls = 0

    def dying_submit(self: BrokerInboundPort, records: Sequence[InboundRecord]) -> list[str]:
        nonlocal calls
        calls += 1
        ids = real_submit(self, records)  # confirmed by the broker...
        if calls == 3:
            raise BrokerUnavailable("connection lost (test)")  # ...but never checkpointed
        return ids

    monkeypatch.setattr(BrokerInboundPort, "submit", dying_submit)
    crashed = _invoke(tmp_path, env, *args)
    assert crashed.exit_code == 3
    assert "Rows up to 7 are confirmed" in crashed.stderr
    monkeypatch.setattr(BrokerInboundPort, "submit", real_submit)
    resumed = _invoke(tmp_path, env, *args)
    assert resumed.exit_code == 0, resumed.output
    summary = _summary(resumed)
    assert (summary["resumed_after_row"], summary["rows_taken"], summary["last_row"]) == (7, 10, 11)
    assert _inbound_depth(tmp_path) == 13, "ten rows, and the unconfirmed chunk of three again"
    again = _invoke(tmp_path, env, *args)
    assert again.exit_code == 0 and "already imported" in again.stderr
    assert _inbound_depth(tmp_path) == 13
    restarted = _invoke(tmp_path, env, *args, "--restart")
    assert restarted.exit_code == 0 and _summary(restarted)["resumed_after_row"] == 0
    assert _inbound_depth(tmp_path) == 23


@pytest.mark.parametrize(("extra", "message"), [
    (["--source", "nowhere"], "not in the systems catalogue"),
    (["--record-type", "licence"], "not a record type"),
    (["--encoding", "latin-1"], "not accepted"),
])
def test_usage_and_configuration_errors_exit_2(
    tmp_path: Path, env: dict[str, str], extra: list[str], message: str,
) -> None:
    data = write_licences(tmp_path / "licences.csv", 1)
    options = {"--source": "market", "--record-type": "administrative_licence"}
    options.update(dict(zip(extra[::2], extra[1::2], strict=True)))
    result = _invoke(tmp_path, env, str(data), *[x for pair in options.items() for x in pair])
    assert result.exit_code == 2
    assert message in result.output


def test_a_bad_column_map_exits_2_naming_the_file(tmp_path: Path, env: dict[str, str]) -> None:
    data = write_licences(tmp_path / "licences.csv", 1)
    bad = tmp_path / "columns.yaml"
    bad.write_text("columns: {名称: 'not a path'}\n", encoding="utf-8")
    result = _invoke(tmp_path, env, str(data), "--source", "market", "--record-type",
                     "administrative_licence", "--columns", str(bad))
    assert result.exit_code == 2 and "columns.yaml" in result.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_progress_bar_shows_rows_per_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with import_cmd._ProgressLine("licences.csv", started=0.0, clock=lambda: 2.0) as line:
        line.show(1000, 0.5)
    assert "licences.csv" in terminal.getvalue() and "1000 rows, 500 rows/s" in terminal.getvalue()
