"""Batch files for the file-mode tests: a department's licence layout and ways to write it."""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path
from typing import Any, cast

from adapters.file.columns import ColumnMap
from adapters.sdk import InboundPort
from schemas.contract.envelope import Envelope, content_hash

LICENCE: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "hub" / "records" / "licence.json").read_text(encoding="utf-8")
)

#: A department's licence export: its own headers, then the unified field each fills.
LAYOUT = {
    "行政相对人名称": "party.name",
    "行政相对人类别": "party.category",
    "统一社会信用代码": "party.credit_code",
    "法定代表人": "party.legal_representative",
    "行政许可决定文书名称": "decision_document_name",
    "行政许可决定文书号": "decision_document_number",
    "许可类别": "licence_category",
    "许可证书名称": "certificate_name",
    "许可编号": "licence_number",
    "许可内容": "content",
    "许可决定日期": "decision_date",
    "有效期自": "valid_from",
    "有效期至": "valid_to",
    "许可机关": "authority",
    "许可机关统一社会信用代码": "authority_credit_code",
    "当前状态": "status",
    "数据来源单位": "data_source",
    "数据来源单位统一社会信用代码": "data_source_credit_code",
}
COLUMNS = ColumnMap(columns=dict(LAYOUT))
HEADERS = list(LAYOUT)


def as_port(port: object) -> InboundPort:
    """A test port typed as the SDK's port (RecordingPort's ``checkpoints`` attribute is the
    narrower MemoryCheckpoints, which the Protocol's mutable attribute does not accept)."""
    return cast(InboundPort, port)


def licence(n: int) -> dict[str, Any]:
    """The sample licence with its own licence number (records differ, so do content hashes)."""
    record = copy.deepcopy(LICENCE)
    record["licence_number"] = f"JY{n:014d}"
    return record


def cells(record: dict[str, Any]) -> list[str]:
    """A record's cells in LAYOUT order."""
    values = []
    for path in LAYOUT.values():
        node: Any = record
        for name in path.split("."):
            node = node.get(name, "") if isinstance(node, dict) else ""
        values.append(node)
    return values


def csv_text(rows: list[list[str]], headers: list[str] | None = None) -> str:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(headers or HEADERS)
    writer.writerows(rows)
    return text.getvalue()


def write_licences(path: Path, count: int, *, encoding: str = "utf-8", start: int = 1,
                   bad_rows: dict[int, list[str]] | None = None) -> Path:
    """A licence CSV of ``count`` data rows; ``bad_rows`` replaces data row i (from 1)."""
    rows = [cells(licence(n)) for n in range(start, start + count)]
    for index, row in (bad_rows or {}).items():
        rows[index - 1] = row
    path.write_bytes(csv_text(rows).encode(encoding))
    return path


def licence_envelope(n: int) -> Envelope:
    """Licence ``n`` as the hub delivers it from market: an envelope with its content hash."""
    payload = licence(n)
    return Envelope(
        message_id=f"m-{n}", correlation_id=f"m-{n}", source="market",
        record_type="administrative_licence", schema_version="1.0",
        received_at="2026-11-28T07:00:00Z",  # type: ignore[arg-type]
        content_hash=content_hash("market", "administrative_licence", payload),
        credit_code=payload["party"]["credit_code"], payload=payload,
    )
