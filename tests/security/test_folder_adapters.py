"""Attacks through exchange folders: links, FIFOs, swaps and planted names are never followed.

The whole hub runs (``hub run``'s loops: worker, file-drop adapter, delivery runner, journal) on
a fresh RabbitMQ virtual host, with market's drop folder and the credit platform's export
folder. Into them an attacker who can write the folders puts a link to a private file, a link
to a private folder, a FIFO, and a link where file-export will write; beside them market drops
a legitimate batch. Each attack is refused and reported; the private file's content appears in
no output, reason file, error report, journal or broker message; the legitimate batch arrives.
The races (a file swapped after the listing, or while being moved) are forced by hooks.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from kombu import Queue

from adapters.file import drop as drop_module
from adapters.file.completion import CompletionWatch
from adapters.file.drop import FileDropAdapter
from adapters.file.drop_config import FileDropConfig
from adapters.file.export import FileExportAdapter, FileExportConfig, file_name
from adapters.sdk import PermanentError
from adapters.sdk.regular_files import NotRegularFile, open_regular
from adapters.testing import RecordingPort
from hub.app.cli import import_cmd
from hub.app.cli.shared import CliState
from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.runtime.broker import body_bytes
from schemas.contract.envelope import content_hash
from tests.adapters.file.support import (
    LAYOUT,
    as_port,
    licence,
    licence_envelope,
    write_licences,
)
from tests.security.folder_support import Secret, mode_of
from tests.support.running_runtime import running_runtime
from tests.support.waiting import wait_until

NOT_REGULAR = "adapter.not_a_regular_file"


def _drop(folder: Path, name: str, count: int, start: int = 1) -> Path:
    path = write_licences(folder / name, count, start=start)
    (folder / f"{name}.done").touch()
    return path


def _plant(folder: Path, name: str, make: Any) -> Path:
    """An attacker's entry ``name`` (made by ``make(path)``), marked complete."""
    make(folder / name)
    (folder / f"{name}.done").touch()
    return folder / name


@dataclass
class Exchange:
    drop: Path
    export: Path
    data: Path
    secret: Secret
    settings: Any


@pytest.fixture
def exchange(rabbitmq_url: str, tmp_path: Path) -> Exchange:
    drop, export = tmp_path / "market" / "drop", tmp_path / "credit" / "export"
    drop.mkdir(parents=True)
    export.mkdir(parents=True)
    connections = tmp_path / "connections.yaml"
    connections.write_text(yaml.safe_dump({"connections": {
        "market": {"inbound": [{
            "kind": "file-drop", "folder": str(drop), "record_type": "administrative_licence",
            "columns": {"columns": LAYOUT}, "complete_when": "marker", "poll_seconds": 0.1}]},
        "credit-platform": {"outbound": {"kind": "file-export", "folder": str(export)}},
    }}, allow_unicode=True), encoding="utf-8")
    settings = load_settings(broker_url=rabbitmq_url, data_dir=tmp_path / "hub",
                             connections_file=connections, journal_max_deferral_seconds=0,
                             delivery_retry_schedule="1s")
    return Exchange(drop, export, tmp_path / "hub", Secret(tmp_path / "private"), settings)


@pytest.fixture
def running(exchange: Exchange) -> Iterator[Exchange]:
    with running_runtime(Hub(exchange.settings)):
        yield exchange


def _take_all(settings: Any, queues: list[str]) -> dict[str, list[bytes]]:
    """Every message in ``queues`` (taken off them)."""
    taken: dict[str, list[bytes]] = {}
    with Hub(settings).session() as session:
        for name in queues:
            bound = Queue(name, no_declare=True)(session.default_channel)
            bodies = taken.setdefault(name, [])
            while (message := bound.get(no_ack=False)) is not None:
                bodies.append(body_bytes(message))
                message.ack()
    return taken


def _exported_name(n: int) -> str:
    """The file file-export writes licence ``n`` to (the pipeline repairs the sample's date)."""
    record = licence(n)
    record["decision_date"] = record["decision_date"].replace("/", "-")
    return file_name(content_hash("market", "administrative_licence", record))


def _reasons(folder: Path) -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_bytes()) for p in (folder / "failed").glob("*.reason.json")}


def test_links_fifos_and_planted_names_are_refused_while_the_legitimate_batch_arrives(
    running: Exchange,
) -> None:
    ex, secret = running, running.secret
    planted = ex.export / _exported_name(1)
    planted.symlink_to(secret.path)
    _plant(ex.drop, "stolen.csv", lambda p: p.symlink_to(secret.path))
    _plant(ex.drop, "folder.csv", lambda p: p.symlink_to(secret.path.parent))
    _plant(ex.drop, "pipe.csv", os.mkfifo)
    _drop(ex.drop, "licences.csv", 2)

    delivered = ex.export / _exported_name(2)
    wait_until(lambda: delivered.exists(), "the legitimate record is exported", timeout=60)
    wait_until(lambda: len(_reasons(ex.drop)) == 3, "each attack has its reason file")
    with Hub(ex.settings).session() as session:
        wait_until(lambda: session.queue_depth("hub.out.credit-platform.dead") == 1,
                   "the record whose file name holds a link is dead-lettered", timeout=60)

    queues = _take_all(ex.settings, ["hub.out.market", "hub.quarantine", "hub.out.city-platform",
                                     "hub.out.credit-platform.dead"])
    refused = {}
    for body in queues["hub.out.market"]:
        feedback = json.loads(body)["payload"]
        if feedback["status"] == "rejected":
            (problem,) = feedback["problems"]
            refused[feedback["regarding_source_message_id"]] = problem["code"]
    assert refused == dict.fromkeys(["stolen.csv", "folder.csv", "pipe.csv"], NOT_REGULAR)
    assert len(queues["hub.quarantine"]) == 3 and len(queues["hub.out.city-platform"]) == 2
    dead = queues["hub.out.credit-platform.dead"][0]
    assert json.loads(dead)["payload"]["licence_number"] == licence(1)["licence_number"]

    reasons = _reasons(ex.drop)
    assert {r["file"]: r["code"] for r in reasons.values()} == dict.fromkeys(
        ["stolen.csv", "folder.csv", "pipe.csv"], NOT_REGULAR)
    everything = [body for bodies in queues.values() for body in bodies]
    assert secret.found_in([ex.drop, ex.export, ex.data], everything) == []
    assert secret.untouched() and planted.is_symlink() and planted.resolve() == secret.path
    failed = {p.name.split("-", 1)[1]: p for p in (ex.drop / "failed").iterdir()
              if not p.name.endswith(".json")}
    assert failed["stolen.csv"].is_symlink() and failed["folder.csv"].is_symlink()
    assert os.path.exists(secret.path.parent), "a link is moved, never what it points at"
    assert {mode_of(p) for p in (ex.drop / "failed").glob("*.reason.json")} == {0o600}
    assert {mode_of(p) for p in (ex.drop / "done").glob("*.errors.csv")} == {0o600}
    assert mode_of(delivered) == 0o600


def _adapter(folder: Path, port: RecordingPort, **options: Any) -> FileDropAdapter:
    settings = {"kind": "file-drop", "folder": folder, "record_type": "administrative_licence",
                "columns": {"columns": LAYOUT}, "complete_when": "marker", **options}
    return FileDropAdapter(FileDropConfig.model_validate(settings), system="market",
                           port=as_port(port))


def _poll_within(adapter: FileDropAdapter, seconds: float) -> int:
    """One poll in a thread; fails the test if it does not return within ``seconds``."""
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(adapter.poll_once()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the poll hung for {seconds}s"
    (count,) = result
    return count


def test_a_fifo_cannot_hang_the_adapter_even_when_it_looks_like_a_file_at_the_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret, port = Secret(tmp_path / "private"), RecordingPort()
    _drop(tmp_path, "late.csv", 1)
    _drop(tmp_path, "licences.csv", 2, start=5)
    listed = CompletionWatch.ready

    def swap_after_listing(watch: CompletionWatch, folder: Path) -> Any:
        ready = listed(watch, folder)
        os.unlink(folder / "late.csv")
        os.mkfifo(folder / "late.csv")  # nobody ever writes it: an open for reading would block
        return ready

    monkeypatch.setattr(CompletionWatch, "ready", swap_after_listing)
    assert _poll_within(_adapter(tmp_path, port), 10) == 2
    assert [r.problem.code for r in port.rejected] == [NOT_REGULAR]
    assert secret.found_in([tmp_path], [r.body for r in port.rejected]) == []


def test_a_file_swapped_for_a_link_after_the_listing_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret, port = Secret(tmp_path / "private"), RecordingPort()
    _drop(tmp_path, "swapped.csv", 1)
    _drop(tmp_path, "licences.csv", 2, start=5)
    listed = CompletionWatch.ready

    def swap_after_listing(watch: CompletionWatch, folder: Path) -> Any:
        ready = listed(watch, folder)
        link = folder / ".link"
        link.symlink_to(secret.path)
        os.replace(link, folder / "swapped.csv")
        return ready

    monkeypatch.setattr(CompletionWatch, "ready", swap_after_listing)
    assert _adapter(tmp_path, port).poll_once() == 2
    assert [(r.source_message_id, r.problem.code) for r in port.rejected] == [
        ("swapped.csv", NOT_REGULAR)]
    everything = [r.body for r in port.rejected] + [r.body for r in port.submitted]
    assert secret.found_in([tmp_path], everything) == []
    assert [json.loads(r.body)["licence_number"] for r in port.submitted] == [
        licence(n)["licence_number"] for n in (5, 6)]


def test_a_file_swapped_for_a_link_while_being_moved_is_caught_after_the_move(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret, port = Secret(tmp_path / "private"), RecordingPort()
    _drop(tmp_path, "moving.csv", 1)
    digest = drop_module.stream_digest

    def swap_while_open(stream: Any) -> str:
        result = digest(stream)  # the checked file, open; now the name is swapped under it
        link = tmp_path / ".link"
        link.symlink_to(secret.path)
        os.replace(link, tmp_path / "moving.csv")
        return result

    monkeypatch.setattr(drop_module, "stream_digest", swap_while_open)
    assert _adapter(tmp_path, port).poll_once() == 0
    (rejected,) = port.rejected
    assert rejected.problem.code == NOT_REGULAR and "swapped" in rejected.problem.message
    assert port.submitted == [] and secret.found_in([tmp_path], [rejected.body]) == []
    assert list((tmp_path / "processing").iterdir()) == [tmp_path / "processing" / "reports"]


def test_a_hard_link_to_a_private_file_is_refused_like_a_symbolic_one(tmp_path: Path) -> None:
    secret, port = Secret(tmp_path / "private"), RecordingPort()
    _plant(tmp_path, "linked.csv", lambda p: os.link(secret.path, p))
    assert _adapter(tmp_path, port).poll_once() == 0
    (rejected,) = port.rejected
    assert rejected.problem.code == NOT_REGULAR and "hard links" in rejected.problem.message
    assert secret.found_in([tmp_path], [rejected.body]) == []


def test_a_working_folder_replaced_by_a_link_stops_the_poll_before_anything_is_read(
    tmp_path: Path,
) -> None:
    secret, port = Secret(tmp_path / "private"), RecordingPort()
    (tmp_path / "processing").symlink_to(secret.path.parent)
    with pytest.raises(PermanentError, match="symbolic link"):
        _adapter(tmp_path, port).poll_once()
    assert port.submitted == [] and port.rejected == []


def test_the_files_file_drop_writes_take_the_configured_mode(tmp_path: Path) -> None:
    port = RecordingPort()
    _drop(tmp_path, "licences.csv", 2, start=1)
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 truncated")
    (tmp_path / "bad.xlsx.done").touch()
    _adapter(tmp_path, port, file_mode="0640").poll_once()
    (report,) = (tmp_path / "done").glob("*.errors.csv")
    (reason,) = (tmp_path / "failed").glob("*.reason.json")
    assert mode_of(report) == mode_of(reason) == 0o640
    assert mode_of(tmp_path / "failed") == 0o750


def test_file_export_never_writes_through_a_planted_link_and_writes_privately(
    tmp_path: Path,
) -> None:
    secret = Secret(tmp_path / "private")
    export = tmp_path / "export"
    export.mkdir()
    adapter = FileExportAdapter(FileExportConfig(kind="file-export", folder=export), system="tax")
    planted_for, legit = licence_envelope(1), licence_envelope(2)
    planted = export / file_name(planted_for.content_hash)
    planted.symlink_to(secret.path)
    with pytest.raises(PermanentError, match="symbolic link"):
        adapter.deliver(planted_for, planted_for.to_bytes())
    adapter.deliver(legit, legit.to_bytes())
    assert secret.untouched() and planted.is_symlink()
    written = export / file_name(legit.content_hash)
    assert mode_of(written) == 0o600 and sorted(p.name for p in export.iterdir()) == sorted(
        [planted.name, written.name]), "no temporary file is left behind"




@pytest.mark.parametrize("make", [
    pytest.param(lambda p, s: p.symlink_to(s), id="symlink"),
    pytest.param(lambda p, s: os.mkfifo(p), id="fifo"),
    pytest.param(lambda p, s: p.mkdir(), id="directory"),
])
def test_hub_import_refuses_a_file_that_is_not_regular_in_one_line_without_reading_it(
    tmp_path: Path, make: Any,
) -> None:
    secret = Secret(tmp_path / "private")
    target = tmp_path / "licences.csv"
    make(target, secret.path)
    state = CliState(config_file=None, broker_url=f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}")
    result = CliRunner().invoke(
        import_cmd.import_file, [str(target), "--source", "market", "--record-type",
                                 "administrative_licence"],
        obj=state, env={"HUB_DATA_DIR": str(tmp_path / "var")}, catch_exceptions=False)
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith("usage error: licences.csv is ") and "regular files" in line
    assert secret.token not in result.output
    assert not (tmp_path / "broker.sqlite").exists(), "nothing was published"


def test_open_regular_refuses_before_reading_and_reads_a_plain_file(tmp_path: Path) -> None:
    secret = Secret(tmp_path / "private")
    link = tmp_path / "link.csv"
    link.symlink_to(secret.path)
    with pytest.raises(NotRegularFile, match="symbolic link"):
        open_regular(link)
    with open_regular(secret.path) as stream:
        assert stream.read() == secret.content
    other = tmp_path / "other.csv"
    other.write_bytes(b"x")
    with pytest.raises(NotRegularFile, match="replaced"):
        open_regular(secret.path, expected=os.lstat(other))
