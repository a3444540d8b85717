"""Personal fields of a JSON document sealed in place, and opened again.

A sealed field stands in the document as ``{"$sealed": "sm4:..."}``: the rest of the document
stays readable and queryable. Each value is bound to a context the caller derives from the
field's path (:data:`ContextOf`), so a sealed value moved to another field or another row does
not open. The journal (:mod:`hub.journal.protection`) and the supervision database
(:mod:`hub.information`) seal with this, each with its own contexts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from hub.crypto.keyring import Keyring
from hub.crypto.sm3 import keyed_sm3_hex
from hub.crypto.sm4 import DataKey, KeyNotInKeyring, open_text, seal_text

#: A value's place in a document: keys and list indices from the root.
FieldPath = tuple[str | int, ...]
#: The context (associated data) a field's value is sealed for.
ContextOf = Callable[[FieldPath], bytes]

#: The key under which a sealed value stands in a document.
SEALED = "$sealed"
#: What a value whose key the keyring lacks reads as.
UNREADABLE = "[encrypted: key not in keyring]"


def normalised_id_number(value: str) -> bytes:
    """An ID number as its digest is taken: NFKC, no spaces, upper case (x -> X)."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper().encode("utf-8")


def person_digest(key: bytes, id_number: str) -> str:
    """The keyed SM3 digest an ID number is indexed under (never the number itself)."""
    return keyed_sm3_hex(key, normalised_id_number(id_number))


def person_digests(keyring: Keyring, id_number: str) -> list[str]:
    """The digests ``id_number`` may be indexed under: one per readable digest key."""
    return [person_digest(key, id_number) for key in keyring.digest_keys().values()]


def plain_copy(value: Any) -> Any:
    """A deep copy of a document of dicts, lists and scalars."""
    if isinstance(value, Mapping):
        return {k: plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_copy(v) for v in value]
    return value


def _at(document: Any, path: FieldPath) -> tuple[Any, str | int] | None:
    """The container holding ``path``'s last step and that step, or None if absent."""
    for step in path[:-1]:
        try:
            document = document[step]
        except (KeyError, IndexError, TypeError):
            return None
    last = path[-1]
    try:
        document[last]
    except (KeyError, IndexError, TypeError):
        return None
    return document, last


def seal_fields(document: Any, paths: Iterable[tuple[FieldPath, str]], key: DataKey,
                context_of: ContextOf) -> list[tuple[FieldPath, str, str]]:
    """Seal, in ``document`` itself, each text value at ``paths`` (path, kind) under ``key``.

    Returns what was sealed as (path, kind, the value in the clear), for the caller to index
    (ID numbers by :func:`person_digest`). Absent paths and values that are not text are left.
    """
    sealed: list[tuple[FieldPath, str, str]] = []
    for path, kind in list(paths):
        found = _at(document, path)
        if found is None:
            continue
        container, last = found
        value = container[last]
        if not isinstance(value, str):
            continue
        container[last] = {SEALED: seal_text(key, value, context_of(path))}
        sealed.append((path, kind, value))
    return sealed


def open_fields(document: Any, keyring: Keyring | None, context_of: ContextOf,
                path: FieldPath = ()) -> Any:
    """A copy of ``document`` with every sealed value opened as far as ``keyring`` can; a value
    whose key it lacks (or with no keyring) reads :data:`UNREADABLE`. A value that was changed
    raises :class:`hub.crypto.sm4.SealBroken`: tampering is never shown as data."""
    if isinstance(document, Mapping):
        if set(document) == {SEALED} and isinstance(document[SEALED], str):
            if keyring is None:
                return UNREADABLE
            try:
                return open_text(keyring.data_key, document[SEALED], context_of(path))
            except KeyNotInKeyring:
                return UNREADABLE
        return {k: open_fields(v, keyring, context_of, (*path, k)) for k, v in document.items()}
    if isinstance(document, list):
        return [open_fields(v, keyring, context_of, (*path, i)) for i, v in enumerate(document)]
    return document
