"""What an administrator is shown: personal data masked unless an officer unmasks it.

Every reading operation of :class:`hub.admin.operations.AdminOps` passes its results through
here. By default (``unmasked=False``):

- a record's payload has the fields the standard marks personal masked
  (:func:`schemas.personal.masked_view`: ``李*``, ``310112********1234``);
- a message body is shown as masked JSON when it parses, and is otherwise withheld (an XML or
  CSV body cannot be masked field by field, and names cannot be found in free text);
- free text (an event's detail, a delivery's last error) has resident ID numbers masked by the
  net (:func:`schemas.personal.masked_text`).

Unmasked views are built only after ``AdminOps`` has written the audit entry that says who
unmasked what and why; a body sealed with a retired key stays unreadable either way.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from hub.journal import JournalEvent, JournalMessage
from schemas.personal import masked_json_body, masked_text, masked_view

#: Shown instead of a body that cannot be masked.
WITHHELD = "[withheld: may hold personal data; an officer can unmask it, with a reason]"
#: Shown instead of a body whose key the keyring no longer holds.
UNREADABLE_BODY = "[encrypted: key not in keyring]"


@dataclass(frozen=True)
class Unmasking:
    """An officer's request to see personal data unmasked: who, and why (audited)."""

    actor: str
    reason: str


def event_view(event: JournalEvent, *, unmasked: bool) -> JournalEvent:
    """``event`` with identity numbers in its detail masked, unless ``unmasked``."""
    if unmasked or not event.detail:
        return event
    return dataclasses.replace(event, detail=masked_text(event.detail))


def body_view(record_type: str | None, body: bytes, *, unmasked: bool) -> str:
    """A message body for display: masked JSON, or withheld; the text itself when unmasked."""
    if unmasked:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(body)} bytes, not UTF-8>"
    shown = masked_json_body(record_type, body)
    return WITHHELD if shown is None else shown


def message_view(message: JournalMessage, *, unmasked: bool) -> dict[str, Any]:
    """One journaled input: where it came from, its record and its body."""
    payload = dict(message.payload) if isinstance(message.payload, dict) else message.payload
    if message.body_readable:
        body = body_view(message.record_type, message.body, unmasked=unmasked)
    else:
        body = UNREADABLE_BODY
    return {
        "message_id": message.message_id,
        "received_at": message.received_at.isoformat(),
        "source": message.source,
        "record_type": message.record_type,
        "credit_code": message.credit_code,
        "content_hash": message.content_hash,
        "key_id": message.key_id,
        "payload": payload if unmasked else masked_view(message.record_type, payload),
        "body": body,
        "body_truncated": message.body_truncated,
        "masked": not unmasked,
    }


def dead_letter_view(shown: dict[str, Any], body: bytes, *, unmasked: bool) -> dict[str, Any]:
    """A dead letter's description with its body (an envelope: masked field by field)."""
    view = dict(shown)
    if not unmasked and view.get("last_error"):
        view["last_error"] = masked_text(str(view["last_error"]))
    view["body"] = body_view(view.get("record_type"), body, unmasked=unmasked)
    view["masked"] = not unmasked
    return view
