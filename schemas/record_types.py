"""The record types of the unified standard (fixed by the contract) and its schema versions."""

from __future__ import annotations

#: Record type ids, in the contract's order.
RECORD_TYPES: tuple[str, ...] = (
    "enterprise_registration",
    "administrative_licence",
    "administrative_penalty",
    "inspection_result",
    "discipline_measure",
    "discipline_report",
    "supervision_alert",
    "credit_record",
    "feedback",
)

#: The current schema version of the standard.
SCHEMA_VERSION = "1.0"
