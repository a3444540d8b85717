"""Ports the core consumes from adapters other than inbound and outbound ones.

:class:`EntityLookup` is what the core (the review verifier, :mod:`hub.review`) needs of the
legal-entity library: a credit code in, the registered entity out. :class:`RecordsLookup` is
what the information service's live profile needs of a platform holding records about
entities (the credit platform): a credit code in, its records out. The core holds only this
port; the adapter host builds the implementation through the registry like any other adapter,
as an :class:`EntityLookupAdapter` (``direction = "lookup"``).

Contract of :meth:`EntityLookup.lookup`:

- the entity as the library knows it, or None when the library does not know the code;
- :class:`~adapters.sdk.adapter_errors.TransientError` when the library cannot answer now
  (refused connection, timeout, overload): ask again later;
- :class:`~adapters.sdk.adapter_errors.PermanentError` when it refused the question or broke
  its contract (credentials refused, an answer without the entity's name): the lookup is
  misconfigured, asking again will not help;
- ``ValueError`` for an empty code (a caller's mistake, never the library's).

Implementations are thread-safe. :meth:`EntityLookup.close` releases their connections.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Protocol

from adapters.sdk.lifecycle import Adapter, ConfigT, Direction


@dataclass(frozen=True)
class LegalEntity:
    """An entity as registered in the legal-entity library."""

    credit_code: str
    name: str
    registration_authority: str | None
    #: Registration status as the library words it (存续, 在业, 注销, 吊销...).
    status: str | None


class EntityLookup(Protocol):
    """The core's port to the legal-entity library (contract in the module doc)."""

    def lookup(self, credit_code: str) -> LegalEntity | None:
        """The entity registered under ``credit_code`` (as given, not repaired), or None."""

    def close(self) -> None:
        """Release connections; idempotent."""


class EntityLookupAdapter(Adapter[ConfigT]):
    """Base of an adapter implementing :class:`EntityLookup` (structurally), hosted by the core.

    Lifecycle as for every adapter: constructed with its validated config and ``system`` (the
    system it asks), then :meth:`~Adapter.start`, which must resolve the credentials (raising
    :class:`~adapters.sdk.adapter_errors.ConfigError` if one is missing) so that a missing secret
    stops start-up instead of failing the first record. :meth:`close` is :meth:`~Adapter.stop`.
    """

    direction: ClassVar[Direction] = "lookup"

    @abstractmethod
    def lookup(self, credit_code: str) -> LegalEntity | None:
        """See :class:`EntityLookup`."""


class RecordsLookup(Protocol):
    """A platform asked about an entity's records now (the credit platform's credit items).

    Contract of :meth:`lookup_records`: the records the platform holds for ``credit_code`` as
    it words them (a list of JSON objects), or None when it does not know the entity; errors
    as for :meth:`EntityLookup.lookup`. Thread-safe; :meth:`close` releases connections.
    """

    def lookup_records(self, credit_code: str) -> list[dict[str, object]] | None:
        """The entity's records as the platform holds them, or None."""

    def close(self) -> None:
        """Release connections; idempotent."""


class RecordsLookupAdapter(Adapter[ConfigT]):
    """Base of an adapter implementing :class:`RecordsLookup`; lifecycle as for
    :class:`EntityLookupAdapter`."""

    direction: ClassVar[Direction] = "lookup"

    @abstractmethod
    def lookup_records(self, credit_code: str) -> list[dict[str, object]] | None:
        """See :class:`RecordsLookup`."""
