"""``file-drop`` configuration: the folder, what its files hold, and when one is complete."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

import schemas
from adapters.file.columns import ColumnMap
from adapters.file.completion import CompleteWhen
from adapters.file.encodings import codec_for
from adapters.file.readers import Format
from adapters.sdk.config import AdapterConfig
from adapters.sdk.regular_files import FileMode


class FileDropConfig(AdapterConfig):
    """Take batch files (CSV, xlsx, XML) a department drops into a folder."""

    folder: Path = Field(
        description="The drop folder. The adapter creates processing/, done/ and failed/ in it; "
        "the folder itself must exist (a missing folder is a share not mounted, retried).")
    record_type: str | None = Field(
        default=None,
        description="Record type of every file; unset: the file name up to its first '-' or "
        "'.' names it (administrative_licence-20261128.csv).")
    format: Format | None = Field(
        default=None, description="csv, xlsx or xml; unset: from the file's extension.")
    patterns: list[str] = Field(
        default=["*.csv", "*.xlsx", "*.xml"], min_length=1,
        description="File names to take (glob, case-insensitive); others are left alone.")
    encoding: str | None = Field(
        default=None,
        description="UTF-8 (default for CSV; a byte-order mark is skipped), GBK or GB18030. "
        "For XML it must agree with the document's own declaration.")
    columns: ColumnMap | None = Field(
        default=None,
        description="CSV and xlsx: header -> unified field (see adapters/file/columns.py); "
        "unset: headers are field paths.")
    delimiter: str = Field(
        default=",", min_length=1, max_length=1, description="CSV field delimiter.")
    sheet: str | None = Field(default=None, description="xlsx: the sheet to read; unset: the first.")
    record_element: str | None = Field(
        default=None,
        description="XML: the repeated element holding one record; unset: the record type.")
    wrap: str | None = Field(
        default=None,
        description="XML: wrap each record in this element before sending (e.g. ROWS for a "
        "source whose stylesheet expects <ROWS><ROW>).")
    complete_when: CompleteWhen = Field(
        default="stable",
        description="stable: size and time unchanged for stable_seconds; marker: a "
        "<name><marker_suffix> file exists.")
    stable_seconds: float = Field(
        default=10.0, gt=0, description="How long a file must stay unchanged (stable rule).")
    marker_suffix: str = Field(
        default=".done", min_length=1, description="Suffix of the marker file (marker rule).")
    chunk_size: int = Field(
        default=500, gt=0, le=10_000,
        description="Records submitted, and confirmed by the broker, per checkpoint.")
    poll_seconds: float = Field(default=5.0, gt=0, description="Seconds between folder scans.")
    file_mode: FileMode = Field(
        default="0600",
        description="Mode of the files the adapter writes (reason files, error reports): 0600 "
        "(the hub's account only) or 0640 (also the folder's group, for a department reading "
        "them in that group); folders it creates get 0700 or 0750.")

    @field_validator("record_type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        if value is not None and value not in schemas.RECORD_TYPES:
            raise ValueError(f"{value!r} is not a record type ({', '.join(schemas.RECORD_TYPES)})")
        return value

    @field_validator("encoding")
    @classmethod
    def _accepted(cls, value: str | None) -> str | None:
        if value is not None:
            codec_for(value)
        return value
