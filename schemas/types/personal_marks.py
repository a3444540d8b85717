"""Marks on the fields of the standard that hold a natural person's data (个人信息).

A field is marked in its model with ``json_schema_extra=personal(kind)``; the mark shows in the
generated JSON Schema as ``x-personal`` (and ``x-personal-when`` for a condition) so a
department's integrator sees it too. :mod:`schemas.personal` reads the marks to find, mask and
disclose the values; nothing else needs to know which fields they are.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

#: Key of the mark in a field's JSON Schema.
PERSONAL = "x-personal"
#: Key of the mark's condition: sibling field -> the value it must have for the field to be
#: personal (a party's name is a person's name only when the party is a natural person).
PERSONAL_WHEN = "x-personal-when"


class PersonalKind(StrEnum):
    """What a personal field holds; each kind has its own mask."""

    #: A natural person's name: a natural-person party, a legal representative, an inspector.
    NAME = "name"
    #: An identity-document number (身份证, passport, permit): the person's or a representative's.
    ID_NUMBER = "id_number"


def personal(kind: PersonalKind, *, when: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``json_schema_extra`` that marks a field as holding personal data of ``kind``,
    only where each sibling named in ``when`` has the given value."""
    mark: dict[str, Any] = {PERSONAL: kind.value}
    if when:
        mark[PERSONAL_WHEN] = dict(when)
    return mark
