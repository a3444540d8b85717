"""What of a record's personal data a reader or a destination may see.

Two policies for destinations (``disclosure`` in ``schemas/data/systems.yaml``):

- ``whole``: the record as the source sent it (a department or platform entitled to the data);
- ``published``: identity numbers masked as published decisions mask them (the birth-date digits
  hidden), names kept, because 双公示 publishes the party's name. The service hall publishes
  what it receives, so it gets this.

Every screen and log gets :func:`masked_view` (names and numbers masked) unless an officer
unmasks it, which is audited by the caller (``hub.admin``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from schemas.personal.classification import PersonalValue, personal_values
from schemas.personal.masks import mask, mask_id_number, mask_id_numbers_in_text
from schemas.types.personal_marks import PersonalKind


class Disclosure(StrEnum):
    """How much personal data a destination receives."""

    WHOLE = "whole"
    PUBLISHED = "published"


def disclose(record_type: str, payload: dict[str, Any], disclosure: Disclosure) -> dict[str, Any]:
    """``payload`` as a destination with ``disclosure`` receives it; the same object when
    nothing changes (``whole``, or no identity number in it), else a changed copy."""
    if disclosure is Disclosure.WHOLE:
        return payload
    values = [v for v in _values(record_type, payload) if v.kind is PersonalKind.ID_NUMBER]
    return _replaced(payload, values, lambda v: mask_id_number(v.value))


def masked_view(record_type: str | None, payload: Any) -> Any:
    """``payload`` for a screen or a log: every personal value the standard marks masked, and
    any identity number left elsewhere in its text (an unknown record type, a free-text field)
    masked by the net. Never the same object when something changed."""
    values = _values(record_type, payload) if record_type and isinstance(payload, dict) else []
    masked = _replaced(payload, values, lambda v: mask(v.kind, v.value)) if values else payload
    return _net(masked)


def masked_text(text: str) -> str:
    """Text for a screen or a log: identity numbers in it masked (names cannot be found)."""
    return mask_id_numbers_in_text(text)


def masked_json_body(record_type: str | None, body: bytes) -> str | None:
    """A message body for a screen: the JSON masked field by field (an envelope's payload
    included), or None when the body is not JSON and must be withheld."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(document, dict) and isinstance(document.get("payload"), dict):
        payload = masked_view(document.get("record_type") or record_type, document["payload"])
        envelope = {key: payload if key == "payload" else _net(value)
                    for key, value in document.items()}
        return json.dumps(envelope, ensure_ascii=False)
    return json.dumps(masked_view(record_type, document), ensure_ascii=False)


def _values(record_type: str | None, payload: Mapping[str, Any]) -> list[PersonalValue]:
    if record_type is None:
        return []
    try:
        return personal_values(record_type, payload)
    except LookupError:
        return []


def _replaced(
    payload: Any, values: list[PersonalValue], masker: Callable[[PersonalValue], str]
) -> Any:
    """A copy of ``payload`` with each value replaced; only the containers on the values' paths
    are copied, the rest is shared with ``payload`` (which is never changed)."""
    if not values:
        return payload
    result = _shallow(payload)
    copied = {id(result)}
    for value in values:
        holder = result
        for part in value.path[:-1]:
            child = holder[part]
            if id(child) not in copied:
                child = holder[part] = _shallow(child)
                copied.add(id(child))
            holder = child
        holder[value.path[-1]] = masker(value)
    return result


def _shallow(container: Any) -> Any:
    return dict(container) if isinstance(container, dict) else list(container)


def _net(node: Any) -> Any:
    if isinstance(node, str):
        return mask_id_numbers_in_text(node)
    if isinstance(node, dict):
        return {key: _net(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_net(item) for item in node]
    return node
