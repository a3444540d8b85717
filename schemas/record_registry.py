"""Which model validates which record type in which schema version."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from types import MappingProxyType

from schemas import v1
from schemas.contract.errors import PermanentError
from schemas.record_types import RECORD_TYPES, SCHEMA_VERSION
from schemas.v1.standard_model import StandardModel

#: Schema version -> (record type id -> model).
SCHEMA_VERSIONS: Mapping[str, Mapping[str, type[StandardModel]]] = MappingProxyType(
    {v1.VERSION: v1.MODELS}
)
# The contract fixes the record types; a version that lacks one is a packaging bug.
assert all(tuple(models) == RECORD_TYPES for models in SCHEMA_VERSIONS.values())
assert SCHEMA_VERSION in SCHEMA_VERSIONS


# Both keep LookupError as a second base: callers (hub.review.verification) catch LookupError.
class UnknownSchemaVersion(PermanentError, LookupError):
    """The schema version is not implemented (reason code ``schema_version.unknown``).

    Permanent for the message that names it; also a ``LookupError``.
    """


class UnknownRecordType(PermanentError, LookupError):
    """The record type is not in the standard (reason code ``record_type.unknown``).

    Permanent for the message that names it; also a ``LookupError``.
    """


def _did_you_mean(word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def model_for(record_type: str, version: str = SCHEMA_VERSION) -> type[StandardModel]:
    """The model for ``record_type`` in schema ``version``.

    Raises ``UnknownSchemaVersion`` or ``UnknownRecordType`` (both ``LookupError``s) with a
    message that suggests the closest known name.
    """
    if not isinstance(version, str) or version not in SCHEMA_VERSIONS:
        known = tuple(SCHEMA_VERSIONS)
        raise UnknownSchemaVersion(
            f"schema version {version!r} is not one of {', '.join(known)}"
            + (_did_you_mean(version, known) if isinstance(version, str) else "")
        )
    models = SCHEMA_VERSIONS[version]
    if not isinstance(record_type, str) or record_type not in models:
        hint = _did_you_mean(record_type, RECORD_TYPES) if isinstance(record_type, str) else ""
        raise UnknownRecordType(f"record type {record_type!r} is not in the standard{hint}")
    return models[record_type]
