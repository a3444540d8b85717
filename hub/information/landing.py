"""The supervision database as a destination of the delivery runner (``supervision-db``).

Routes send records to ``supervision-db`` like to any system; its runner lands each one
(:meth:`SupervisionStore.land`; many at once in one transaction, as a
:class:`~hub.delivery.destinations.BatchDestination`) and so inherits what every destination has: idempotency by
content hash, retries along the schedule while the database is down, a dead letter with its
reason for a record it cannot keep, delivery events in the journal and the metrics.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from hub.information.filing import NotFiled
from hub.information.store import Landing, SupervisionStore
from schemas.contract.envelope import Envelope
from schemas.contract.errors import PermanentError

log = logging.getLogger(__name__)

#: The system id of the supervision database in the catalogue and in routes.
SUPERVISION_DB = "supervision-db"


class StoreDestination:
    """Lands envelopes in a :class:`SupervisionStore` opened on first use.

    ``open_store`` is called by :meth:`start` (and again on a delivery if the database was not
    reachable then), so a database that is down at start delays landing, not the hub.
    """

    def __init__(self, open_store: Callable[[], SupervisionStore]) -> None:
        self._open_store = open_store
        self._store: SupervisionStore | None = None

    def start(self) -> None:
        self._store = self._open_store()

    def deliver(self, envelope: Envelope, body: bytes) -> None:
        """Land ``envelope``. A record the database does not keep raises
        :class:`~hub.information.filing.NotFiled`, a :class:`PermanentError` (dead-lettered with
        its reason); an unreachable database raises :class:`JournalUnavailable`, a
        :class:`TransientError` (retried)."""
        self._report(envelope, self._opened().land(envelope))

    def deliver_batch(self, items: Sequence[tuple[Envelope, bytes]]) -> list[PermanentError | None]:
        """Land every envelope of ``items`` in one transaction (see
        :class:`~hub.delivery.destinations.BatchDestination`): a record the database does not
        keep comes back as its :class:`NotFiled`; the database being unreachable raises
        :class:`JournalUnavailable` for the whole batch."""
        envelopes = [envelope for envelope, _body in items]
        refusals: list[PermanentError | None] = []
        for envelope, outcome in zip(envelopes, self._opened().land_batch(envelopes), strict=True):
            if isinstance(outcome, NotFiled):
                refusals.append(outcome)
            else:
                self._report(envelope, outcome)
                refusals.append(None)
        return refusals

    def _opened(self) -> SupervisionStore:
        if self._store is None:
            self._store = self._open_store()
        return self._store

    @staticmethod
    def _report(envelope: Envelope, outcome: Landing) -> None:
        if outcome is Landing.STALE:
            log.info("%s: %s %s is older than the version held; kept the newer one",
                     SUPERVISION_DB, envelope.record_type, envelope.message_id)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
