"""A department that exchanges files: drops GBK CSV batches, takes JSON files back.

``FileDeptSimulator(system, folder)`` keeps two folders under ``folder``: ``drop/``, watched by
the hub's ``file-drop`` adapter, and ``export/``, where the hub's ``file-export`` adapter writes
what it delivers. :meth:`emit` writes one record as a one-row CSV in the department's own layout
(Chinese headers from the 双公示 template, GBK, CRLF line ends, as such systems export), named
``<record_type>-<serial>.csv`` so the adapter knows its record type, written under a temporary
name and renamed, then marked complete with ``<name>.done``. :meth:`received` reads only regular
files from ``export/`` (as a careful department would: nothing through a link). Fields the layout has no header for
are written under their unified path (``party.tax_number``). The one list column is 处罚类别
(penalty categories, joined with ``;``); other lists cannot be emitted.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import threading
from pathlib import Path
from typing import Any

from adapters.sdk.regular_files import (
    NotRegularFile,
    lstat_regular,
    open_regular,
    write_private,
)

#: The department's headers for fields every record type shares.
COMMON_HEADERS = {
    "party.name": "行政相对人名称",
    "party.category": "行政相对人类别",
    "party.credit_code": "统一社会信用代码",
    "party.registration_number": "工商注册号",
    "party.organisation_code": "组织机构代码",
    "party.legal_representative": "法定代表人",
    "party.legal_representative_id_type": "法定代表人证件类型",
    "party.legal_representative_id_number": "法定代表人证件号码",
    "party.id_type": "证件类型",
    "party.id_number": "证件号码",
    "data_source": "数据来源单位",
    "data_source_credit_code": "数据来源单位统一社会信用代码",
    "remarks": "备注",
}
#: Headers of the licence and penalty templates (decision date and authority differ by type).
TYPE_HEADERS = {
    "administrative_licence": {
        "decision_document_name": "行政许可决定文书名称",
        "decision_document_number": "行政许可决定文书号",
        "licence_category": "许可类别",
        "certificate_name": "许可证书名称",
        "licence_number": "许可编号",
        "content": "许可内容",
        "decision_date": "许可决定日期",
        "valid_from": "有效期自",
        "valid_to": "有效期至",
        "authority": "许可机关",
        "authority_credit_code": "许可机关统一社会信用代码",
        "status": "当前状态",
    },
    "administrative_penalty": {
        "decision_number": "行政处罚决定书文号",
        "violation_type": "违法行为类型",
        "violation_facts": "违法事实",
        "legal_basis": "处罚依据",
        "penalty_categories": "处罚类别",
        "penalty_content": "处罚内容",
        "fine_amount": "罚款金额（万元）",
        "confiscated_amount": "没收违法所得、没收非法财物的金额（万元）",
        "suspended_licence": "暂扣或吊销证照名称及编号",
        "decision_date": "处罚决定日期",
        "valid_until": "处罚有效期",
        "publication_deadline": "公示截止期",
        "authority": "处罚机关",
        "authority_credit_code": "处罚机关统一社会信用代码",
    },
}
LIST_SEPARATOR = ";"
#: List fields the layout carries (joined with LIST_SEPARATOR, split again by the column map).
LIST_FIELDS = frozenset({"penalty_categories"})


def column_map() -> dict[str, Any]:
    """The ``file-drop`` column map for this layout (headers of every type, lists split)."""
    columns: dict[str, Any] = {}
    for headers in (COMMON_HEADERS, *TYPE_HEADERS.values()):
        for field, header in headers.items():
            columns[header] = field
    columns[TYPE_HEADERS["administrative_penalty"]["penalty_categories"]] = {
        "field": "penalty_categories", "split": LIST_SEPARATOR}
    return {"columns": columns, "unmapped": "as-is"}


class FileDeptSimulator:
    """A file-exchanging department (see module doc). Thread-safe."""

    def __init__(self, system: str, folder: Path, *, encoding: str = "gbk") -> None:
        self.system = system
        self.folder = folder
        self.drop = folder / "drop"
        self.export = folder / "export"
        self.encoding = encoding
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    def start(self) -> None:
        self.drop.mkdir(parents=True, exist_ok=True)
        self.export.mkdir(parents=True, exist_ok=True)

    def stop(self) -> None:
        """Nothing runs: the folders stay for inspection."""

    def connection(self) -> dict[str, Any]:
        return {
            "name": f"{self.system} (simulated, file exchange)",
            "mode": "file",
            "inbound": [{
                "kind": "file-drop", "folder": str(self.drop), "encoding": self.encoding,
                "columns": column_map(), "complete_when": "marker", "poll_seconds": 0.5,
            }],
            "outbound": {"kind": "file-export", "folder": str(self.export)},
        }

    def environment(self) -> dict[str, str]:
        return {}

    def received(self) -> list[dict[str, Any]]:
        """Envelopes in the export folder, oldest file first."""
        files = []
        for path in self.export.glob("*.json"):
            try:
                files.append((lstat_regular(path).st_mtime_ns, path))
            except (NotRegularFile, FileNotFoundError):
                continue  # not a file the hub wrote, or taken meanwhile
        envelopes = []
        for _, path in sorted(files):
            with open_regular(path) as stream:
                envelopes.append(json.loads(stream.read()))
        return envelopes

    def emit(self, record: dict[str, Any], record_type: str) -> None:
        """Drop ``record`` (unified field names, nested) as a one-row CSV in the department's
        layout. ValueError if it holds a list the layout cannot carry (see module doc) or a
        character the encoding lacks."""
        cells = _flatten(record)
        headers = {**COMMON_HEADERS, **TYPE_HEADERS.get(record_type, {})}
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([headers.get(path, path) for path in cells])
        writer.writerow(list(cells.values()))
        try:
            data = text.getvalue().encode(self.encoding)
        except UnicodeEncodeError as e:
            raise ValueError(f"the record holds {e.object[e.start:e.end]!r}, which "
                             f"{self.encoding} cannot encode") from e
        with self._lock:
            name = f"{record_type}-{next(self._serial):06d}.csv"
        write_private(self.drop / name, data)
        (self.drop / f"{name}.done").touch()


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, str]:
    cells: dict[str, str] = {}
    for key, value in record.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            cells.update(_flatten(value, f"{path}."))
        elif isinstance(value, list):
            if path not in LIST_FIELDS or any(isinstance(i, dict | list) for i in value):
                raise ValueError(f"{path} is a list this department's layout cannot carry")
            cells[path] = LIST_SEPARATOR.join(str(item) for item in value)
        elif value is not None:
            cells[path] = value if isinstance(value, str) else json.dumps(value)
    return cells
