"""Options a caller can hand to validation through pydantic's validation context.

``model.model_validate(data, context={NONCONFORMING_CODES: {...}, SYSTEM_IDS: {...}})`` replaces
the shipped allow-list or system catalogue for that call, which is how tests and the hub use a
list other than the one on disk. Without a context the shipped data is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationInfo

#: Context key: collection of legally issued credit codes that fail the check character.
NONCONFORMING_CODES = "nonconforming_codes"
#: Context key: collection of known system ids.
SYSTEM_IDS = "system_ids"


def context_option(info: ValidationInfo, key: str) -> Any:
    """The caller's value for ``key``, or None when the caller gave none."""
    context = info.context
    if isinstance(context, Mapping):
        return context.get(key)
    return None
