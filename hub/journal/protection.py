"""Personal data at rest: what the journal seals with SM4 and how it reads it back.

On write (:meth:`Protection.seal`), for every message:
- the body is sealed whole: it is the source's own format, where personal data cannot be
  told from the rest;
- each personal field of the payload (as the standard marks them, found by ``find_personal``)
  is replaced by ``{"$sealed": "sm4:..."}``: the rest of the payload stays queryable;
- each ID number is indexed by its keyed SM3 digest (:func:`person_digest`), so a person's
  records can be found without the number being readable in the database.
Every seal is bound to the message id and the place it was sealed for (see
:mod:`hub.crypto.sm4`), and the row keeps the id of the data key (``key_id``) for rotation.

On read (:func:`unseal`), what the keyring can open is opened; a value whose key is not in
the keyring stays unreadable and is shown as :data:`UNREADABLE`; a body then stays sealed
and the message says so (``body_readable`` False). A value that does not open because it was
changed raises :class:`hub.crypto.sm4.SealBroken`: tampering is never shown as data.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from hub.crypto.keyring import Keyring, KeyringSource
from hub.crypto.sealed_fields import (
    SEALED,
    UNREADABLE,
    open_fields,
    person_digest,
    person_digests,
    plain_copy,
    seal_fields,
)
from hub.crypto.sm4 import KeyNotInKeyring, open_sealed, seal
from hub.journal.records import JournalMessage, JsonText, decoded
from schemas.personal import personal_values

#: A personal value in a payload: its path (keys and list indices) and its kind.
PersonalPath = tuple[tuple[str | int, ...], str]
#: Finds the personal values of a payload of a record type (see schemas.personal).
PersonalFinder = Callable[[str, Mapping[str, Any]], Iterable[PersonalPath]]


def standard_personal_paths(record_type: str, payload: Mapping[str, Any]) -> list[PersonalPath]:
    """The personal values the unified standard marks (:mod:`schemas.personal`); none for a
    record type the standard does not know."""
    try:
        values = personal_values(record_type, payload)
    except LookupError:
        return []
    return [(value.path, value.kind.value) for value in values]


#: The kind of personal value that is indexed by digest.
ID_NUMBER = "id_number"


def body_context(message_id: str) -> bytes:
    return b"journal body\x00" + message_id.encode("utf-8")


def field_context(message_id: str, path: tuple[str | int, ...]) -> bytes:
    dotted = ".".join(str(part) for part in path)
    return b"journal payload\x00" + message_id.encode("utf-8") + b"\x00" + dotted.encode("utf-8")


@dataclass(frozen=True)
class Sealed:
    """A message as the journal stores it, and the digests of the ID numbers it names."""

    message: JournalMessage
    digests: tuple[tuple[str, str], ...]  # (digest, digest key id)


class Protection:
    """Seals messages for the journal with the keyring's active keys."""

    def __init__(self, keyring: KeyringSource, find_personal: PersonalFinder) -> None:
        self.keyring = keyring
        self.find_personal = find_personal

    def current(self) -> Keyring:
        return self.keyring.current()

    def seal(self, message: JournalMessage, keyring: Keyring) -> Sealed:
        """``message`` with its body and personal fields sealed under the active data key."""
        key = keyring.active_data_key()
        digest_id, digest_key = keyring.active_digest_key()
        payload = message.payload
        digests: list[tuple[str, str]] = []
        if payload is not None:
            document = json.loads(payload) if isinstance(payload, JsonText) else plain_copy(payload)
            personal = self.find_personal(message.record_type, document)
            context = functools.partial(field_context, message.message_id)
            for _path, kind, value in seal_fields(document, personal, key, context):
                if kind == ID_NUMBER:
                    digests.append((person_digest(digest_key, value), digest_id))
            payload = JsonText(json.dumps(document, ensure_ascii=False, separators=(",", ":")))
        body = seal(key, bytes(message.body), body_context(message.message_id))
        return Sealed(
            replace(message, body=body, payload=payload, key_id=key.key_id), tuple(digests)
        )


def unseal(message: JournalMessage, keyring: Keyring | None) -> JournalMessage:
    """``message`` as written, as far as ``keyring`` can open it (see the module's contract)."""
    if message.key_id is None:
        return message  # written in the clear, before revision 0005
    context = functools.partial(field_context, message.message_id)
    payload = None
    if message.payload is not None:
        payload = open_fields(decoded(message.payload), keyring, context)
    if keyring is None:
        return replace(message, payload=payload, body_readable=False)
    try:
        body = open_sealed(keyring.data_key, bytes(message.body), body_context(message.message_id))
    except KeyNotInKeyring:
        return replace(message, payload=payload, body_readable=False)
    return replace(message, payload=payload, body=body)


__all__ = [
    "ID_NUMBER", "SEALED", "UNREADABLE", "PersonalFinder", "PersonalPath", "Protection",
    "Sealed", "body_context", "field_context", "person_digest", "person_digests", "unseal",
]
