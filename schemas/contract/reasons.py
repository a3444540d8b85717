"""Reason codes as data: one :class:`Reason` per code, and the :class:`ReasonRegistry` of them.

Every problem, repair or dead-letter reason the hub reports carries a dotted, lower-case, stable
code. Each package declares the codes it owns in its own table (a tuple of :class:`Reason`):
the standard's in ``schemas.reasons``, the transforms' in ``transforms.transform_errors``, the
routes' in ``routes.reasons``, the adapter SDK's in ``adapters.sdk.adapter_errors`` and the hub's
own in ``schemas.contract.problems``. One place, ``hub.pipeline.reasons``, merges them into the
registry that metrics, the generated reason table (``docs/reasons.md``) and tests read.

A code is owned by one package: another package that emits it does not list it again. The
registry refuses a code registered twice with different meanings (or kinds): two packages
disagreeing about what a code means is a programming error, found at start-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

#: problem: a record was refused or held (sent back in feedback); repair: the hub changed a value
#: (reported in feedback); note: neither, a fact feedback reports (a code confirmed); operational:
#: why the hub dead-lettered or could not take a message (for administrators and callers).
Kind = Literal["problem", "repair", "note", "operational"]

#: The form of every reason code: dotted, lower case, at least two parts.
CODE_FORM = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class Reason:
    """One reason code, what it means (a sentence for people) and its kind."""

    code: str
    meaning: str
    kind: Kind = "problem"

    def __post_init__(self) -> None:
        if not CODE_FORM.match(self.code):
            raise ValueError(f"reason code {self.code!r} is not dotted lower case")
        if not self.meaning.strip():
            raise ValueError(f"reason code {self.code!r} has no meaning")


def table(meanings: dict[str, str], kind: Kind = "problem") -> tuple[Reason, ...]:
    """Reasons of one kind from ``{code: meaning}``, the way packages write their tables."""
    return tuple(Reason(code, meaning, kind) for code, meaning in meanings.items())


@dataclass(frozen=True)
class Registered:
    """A reason in the registry, with the package that owns it."""

    reason: Reason
    owner: str


class ReasonRegistry:
    """Every reason code the hub can emit, each with its meaning, kind and owning package.

    Built by :meth:`merge` from the packages' tables; read-only by convention afterwards.
    Iteration yields :class:`Registered` entries in registration order.
    """

    def __init__(self) -> None:
        self._entries: dict[str, Registered] = {}

    def merge(self, owner: str, reasons: Iterable[Reason]) -> ReasonRegistry:
        """Add ``owner``'s reasons; returns the registry, so merges chain.

        ValueError when a code is already registered with another meaning or kind (the same
        reason registered again is harmless).
        """
        for reason in reasons:
            known = self._entries.get(reason.code)
            if known is None:
                self._entries[reason.code] = Registered(reason, owner)
            elif known.reason != reason:
                raise ValueError(
                    f"reason code {reason.code!r} is registered by {known.owner} and, with "
                    f"another meaning or kind, by {owner}"
                )
        return self

    def __contains__(self, code: object) -> bool:
        return code in self._entries

    def __iter__(self) -> Iterator[Registered]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, code: str) -> Reason:
        """The reason registered under ``code``; KeyError when there is none."""
        return self._entries[code].reason

    def owner(self, code: str) -> str:
        """The package that registered ``code``; KeyError when there is none."""
        return self._entries[code].owner

    def codes(self, kind: Kind | None = None) -> frozenset[str]:
        """Every registered code (of ``kind`` only, when given)."""
        return frozenset(
            code for code, entry in self._entries.items()
            if kind is None or entry.reason.kind == kind
        )
