"""The options of ``db-poll``: which table, how rows become records, and how rows are taken."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

import schemas
from adapters.db.database import DatabaseConfig, Identifier

_FIELD_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class DbPollConfig(DatabaseConfig):
    """Read new rows of the department's exchange table in batches and hand them to the hub.

    ``tracking: status``: rows whose status column holds ``status_new`` are read, submitted
    and set to ``status_taken`` in the same transaction (on PostgreSQL with ``FOR UPDATE SKIP
    LOCKED``, so two hubs never take the same row). ``tracking: watermark``: rows are read in
    order of ``watermark_column`` (then ``key_column``), and the last position submitted is kept
    in the adapter's checkpoints; the table is only read. Use it only where rows become visible
    in watermark order (a row committed late with a smaller value than one already read is
    never taken); status tracking has no such condition.

    While a batch is handed to the hub (until the broker confirmed it) its rows stay locked: on
    PostgreSQL only those rows; on SQLite the whole file's write lock, so the department's
    writers wait for it (their busy timeout must cover a batch; keep ``batch_size`` modest).
    """

    table: Identifier = Field(
        default="hub_outbox", description="The exchange table the department writes."
    )
    key_column: Identifier = Field(
        default="id",
        description="A unique, non-null column identifying the row (its primary key): the "
        "record's source message id, and how the row is marked.",
    )
    body_column: Identifier | None = Field(
        default=None,
        description="Column holding the whole record as JSON or XML text (or bytes). Set this "
        "or `columns`.",
    )
    body_format: Literal["json", "xml"] = Field(
        default="json", description="What `body_column` holds."
    )
    columns: dict[str, Identifier] | None = Field(
        default=None,
        description="Build the record from columns instead: record field path -> column, e.g. "
        "{party.credit_code: XDR_SHXYM}. Dotted paths make nested objects; NULL columns are "
        "left out. Set this or `body_column`.",
    )
    record_type: str | None = Field(
        default=None, description="The record type of every row. Set this or `record_type_column`."
    )
    record_type_column: Identifier | None = Field(
        default=None, description="Column naming each row's record type."
    )
    tracking: Literal["status", "watermark"] = Field(
        default="status", description="How taken rows are told apart from new ones."
    )
    status_column: Identifier = Field(
        default="status", description="The status flag column (tracking: status, and marking "
        "refused rows)."
    )
    status_new: str | int = Field(default="new", description="Status of a row to take.")
    status_taken: str | int = Field(default="taken", description="Status set on a taken row.")
    status_error: str | int = Field(
        default="error", description="Status set on a row that cannot be made into a record."
    )
    reason_column: Identifier | None = Field(
        default=None, description="Column that receives why a row was refused (code: message)."
    )
    reason_max_chars: int = Field(
        default=255, ge=16, description="The reason is cut to this many characters to fit."
    )
    taken_at_column: Identifier | None = Field(
        default=None, description="Column set to the time (UTC) the hub marked the row "
        "(taken or refused)."
    )
    watermark_column: Identifier | None = Field(
        default=None,
        description="tracking: watermark: a column that only grows (an id or a timestamp).",
    )
    mark_errors: bool = Field(
        default=False,
        description="tracking: watermark: also set refused rows to `status_error` (and the "
        "reason). With tracking: status refused rows are always marked.",
    )
    batch_size: int = Field(default=100, ge=1, le=10_000, description="Rows read per batch.")
    poll_seconds: float = Field(default=5.0, gt=0, description="Wait between polls when idle.")

    @field_validator("record_type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        accepted = [t for t in schemas.RECORD_TYPES if t != "feedback"]
        if value is not None and value not in accepted:
            raise ValueError(f"unknown record type {value!r}; known: {', '.join(accepted)}")
        return value

    @field_validator("columns")
    @classmethod
    def _field_paths(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("columns maps at least one record field to a column")
        for path in value:
            if not _FIELD_PATH.match(path):
                raise ValueError(f"{path!r} is not a field path (names joined by dots)")
            for other in value:
                if other.startswith(path + "."):
                    raise ValueError(f"{path!r} cannot be both a value and the parent of {other!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> DbPollConfig:
        if (self.body_column is None) == (self.columns is None):
            raise ValueError("set exactly one of body_column and columns")
        if (self.record_type is None) == (self.record_type_column is None):
            raise ValueError("set exactly one of record_type and record_type_column")
        if self.tracking == "watermark" and self.watermark_column is None:
            raise ValueError("tracking: watermark needs watermark_column")
        if self.tracking == "status" and self.watermark_column is not None:
            raise ValueError("watermark_column is only used with tracking: watermark")
        if self.status_new in (self.status_taken, self.status_error):
            raise ValueError("status_new must differ from status_taken and status_error")
        return self

    @property
    def marks_rows(self) -> bool:
        """Whether the adapter writes to the table (status tracking, or marking refusals)."""
        return self.tracking == "status" or self.mark_errors

    def selected_columns(self) -> list[str]:
        """The columns read from each row, key first, without repeats."""
        names = [self.key_column]
        if self.body_column is not None:
            names.append(self.body_column)
        names += list((self.columns or {}).values())
        names += [c for c in (self.record_type_column, self.watermark_column) if c is not None]
        if self.tracking == "status":
            names.append(self.status_column)
        return list(dict.fromkeys(names))

    def written_columns(self) -> list[str]:
        """The columns the adapter sets on rows (empty when it only reads)."""
        if not self.marks_rows:
            return []
        optional = (self.reason_column, self.taken_at_column)
        return [self.status_column, *[c for c in optional if c is not None]]
