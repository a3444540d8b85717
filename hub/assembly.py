"""The :class:`Hub`: everything a hub process needs, built once from settings.

No hidden globals: tests build a Hub from their own settings (an in-memory broker, a temporary
routes file) and every command of the CLI builds exactly one.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager

import schemas
from adapters.registry import AdapterRegistry
from hub.config.retry_schedule import Delay, parse_schedule
from hub.config.settings import HubSettings
from hub.config.system_catalogue import SystemCatalogue
from hub.crypto.key_files import ensure_keyring
from hub.crypto.keyring import KeyringSource
from hub.crypto.sm3 import require_sm3
from hub.delivery.runner import DeliveryRunner, RunnerPolicy
from hub.hosting.adapter_host import (
    AdapterLoop,
    BrokerInboundPort,
    build_inbound,
    build_lookup,
    build_outbound,
    build_records_lookup,
)
from hub.hosting.connections import CREDIT_PLATFORM, LEGAL_ENTITY_LIBRARY, Connections
from hub.information import SUPERVISION_DB, StoreDestination, SupervisionStore
from hub.information.desk import InformationDesk
from hub.information.live import LiveGatherer, library_source, records_source
from hub.information.service import InformationService
from hub.journal import Journal, JournalWriter
from hub.journal.evidence import Evidence
from hub.journal.protection import standard_personal_paths
from hub.observers.fanout import ExchangeObserver, Fanout
from hub.observers.journal_hooks import JournalHooks
from hub.pipeline.processor import Outcome, Processor
from hub.review import ReviewPolicy, ReviewVerifier
from hub.runtime.broker import BrokerSession, publisher_identity
from hub.runtime.declarations import Topology, TopologyOptions
from hub.runtime.delay_pump import DelayPump
from hub.runtime.journal_retention import RetentionLoop
from hub.runtime.loops import HubRuntime, Loop
from hub.runtime.worker import AckBarrier, Worker
from routes import RouteTable
from schemas.contract.topology import REVIEW
from transforms import MappingCatalogue

log = logging.getLogger(__name__)


class Hub:
    """Catalogue, routes, mappings and topology, validated at construction.

    Raises :class:`schemas.contract.errors.ConfigError` if any of them is invalid, before anything connects.
    """

    def __init__(self, settings: HubSettings, *, registry: AdapterRegistry | None = None) -> None:
        self.settings = settings
        self.registry = registry or AdapterRegistry()
        self.systems = SystemCatalogue.load(settings.systems_file)
        self.routes = RouteTable.load(
            settings.route_files,
            systems=self.systems.ids,
            record_types=schemas.RECORD_TYPES,
        )
        self.mappings = MappingCatalogue.load(settings.mappings_dir)
        self.connections = Connections.load(
            settings.connections_file, self.systems.ids, self.registry,
            credit_codes={system.id: system.credit_codes for system in self.systems},
        )
        self.deliveries = self.connections.outbound()
        self.topology = Topology(
            self.systems.ids,
            TopologyOptions(
                queue_type=settings.queue_type,
                retry_delay_ms=int(settings.retry_delay_seconds * 1000),
                delivery_limit=settings.delivery_limit,
                delivery_delays=self._all_delays(),
            ),
        )

    def _schedule(self, destination: str) -> tuple[Delay, ...]:
        """The retry schedule of one destination: its own, or the hub's."""
        config = self.deliveries.get(destination)
        own = config.retry_schedule if config is not None else None
        return parse_schedule(own or self.settings.delivery_retry_schedule)

    def _all_delays(self) -> tuple[Delay, ...]:
        """Every delay tier any destination uses (the topology declares one queue per tier)."""
        delays = list(parse_schedule(self.settings.delivery_retry_schedule))
        for destination in self.deliveries:
            delays.extend(self._schedule(destination))
        return tuple(delays)

    def processor(self) -> Processor:
        return Processor(
            systems=self.systems,
            routes=self.routes,
            mappings=self.mappings,
            max_message_bytes=self.settings.max_message_bytes,
            receipts=self.settings.receipts,
            trusted_publisher=publisher_identity(self.settings.resolved_broker_url()),
        )

    def worker(
        self,
        on_outcome: Callable[[Outcome], None] | None = None,
        on_released: Callable[[int], None] | None = None,
        on_backlog: Callable[[bool], None] | None = None,
        ack_barrier: Callable[[], AckBarrier] | None = None,
    ) -> Worker:
        return Worker(self.settings, self.topology, self.processor(), on_outcome=on_outcome,
                      on_released=on_released, on_backlog=on_backlog, ack_barrier=ack_barrier)

    def keyring(self) -> KeyringSource:
        """The keyring (see :mod:`hub.crypto.keyring`). The default one, in data_dir, is made
        with fresh keys on first use, and the hub says so; a keyring configured by path must
        exist (:class:`ConfigError` otherwise)."""
        path = self.settings.resolved_keyring()
        if self.settings.keyring is None:
            made = ensure_keyring(path, path.parent)
            if made:
                log.warning("generated keys %s in %s: personal data in the journal is sealed "
                            "with them; back up that folder (production: set HUB_KEYRING to "
                            "a keyring managed with hub keys)",
                            ", ".join(entry.id for entry in made), path.parent)
        return KeyringSource(path)

    def evidence(self) -> Evidence:
        """How the journal seals personal data, chains its rows and signs its checkpoints."""
        return Evidence(
            self.keyring(), standard_personal_paths,
            checkpoint_rows=self.settings.journal_checkpoint_rows,
            checkpoint_seconds=self.settings.journal_checkpoint_seconds,
        )

    def open_journal(self) -> Journal:
        """The message journal, migrated to the current schema (SQLite in data_dir by default),
        sealing, chaining and signing with the hub's keyring."""
        require_sm3()
        return Journal.open(self.settings.resolved_journal_url(), evidence=self.evidence())

    def open_supervision_store(self) -> SupervisionStore:
        """The supervision database, migrated to the current schema (SQLite in data_dir by
        default), sealing personal fields with the hub's keyring."""
        return SupervisionStore.open(self.settings.resolved_supervision_db_url(), self.keyring(),
                                     standard_personal_paths)

    def live_gatherer(self) -> LiveGatherer:
        """The platforms a live profile asks (:mod:`hub.information.live`): the legal-entity
        library and the credit platform, each when the connections file gives its ``lookup``;
        one without is named missing ("not connected") in live answers.

        Raises :class:`ConfigError` when a credential a lookup refers to is missing."""
        sources = []
        library = self.connections.lookup_of(LEGAL_ENTITY_LIBRARY)
        if library is not None:
            sources.append(library_source(
                build_lookup(self.registry, library, LEGAL_ENTITY_LIBRARY), LEGAL_ENTITY_LIBRARY))
        credit = self.connections.lookup_of(CREDIT_PLATFORM)
        if credit is not None:
            sources.append(records_source(
                build_records_lookup(self.registry, credit, CREDIT_PLATFORM), CREDIT_PLATFORM))
        return LiveGatherer(sources)

    @contextmanager
    def information_desk(self) -> Iterator[InformationDesk]:
        """The information service's desk on its own journal (the audit trail), supervision
        database and live sources; all closed when the block ends. For the doors."""
        with ExitStack() as opened:
            journal = self.open_journal()
            opened.callback(journal.close)
            store = self.open_supervision_store()
            opened.callback(store.close)
            live = self.live_gatherer()
            opened.callback(live.close)
            yield InformationDesk(InformationService(store, journal.audit), live)

    def journal_writer(self, journal: Journal) -> JournalWriter:
        """The writer that takes journal records off the pipeline's thread, as configured."""
        return JournalWriter(journal, max_deferral=self.settings.journal_max_deferral_seconds)

    def runtime(
        self,
        journal: Journal,
        writer: JournalWriter,
        *,
        on_outcome: Callable[[Outcome], None] | None = None,
        observers: Sequence[ExchangeObserver] = (),
        pipeline_only: bool = False,
    ) -> HubRuntime:
        """Every loop of ``hub run``: the worker, a delivery runner per configured destination,
        an adapter loop per inbound adapter in the connections file, the review verifier when
        the legal-entity library has a ``lookup`` and, on an embedded broker, the delay pump.
        The supervision database, when the catalogue has it, gets its runner like any
        destination (:mod:`hub.information.landing`). Every step is journaled through
        ``writer`` and reported to each of ``observers`` (metrics); ``on_outcome`` also sees
        each outcome (logging, tallies). ``pipeline_only``:
        the worker alone, for the extra processes of ``hub run --workers N`` (deliveries,
        adapters, review, the delay pump and retention run once, in the first process).

        Raises :class:`ConfigError` when a credential the lookup refers to is missing."""
        journal_hooks = JournalHooks(writer, max_body_bytes=self.settings.max_message_bytes,
                                     commit_timeout=self.settings.confirm_timeout_seconds)
        hooks = Fanout([journal_hooks, *observers])

        def each_outcome(outcome: Outcome) -> None:
            hooks.on_outcome(outcome)
            if on_outcome is not None:
                on_outcome(outcome)

        url = self.settings.resolved_broker_url()
        loops: dict[str, Loop] = {
            "worker": self.worker(on_outcome=each_outcome, on_released=hooks.on_released,
                                  on_backlog=hooks.on_backlog, ack_barrier=hooks.ack_barrier)
        }
        if pipeline_only:
            return HubRuntime(loops)
        for destination, config in self.deliveries.items():
            policy = RunnerPolicy(self._schedule(destination))
            loops[f"deliver:{destination}"] = DeliveryRunner(
                url,
                self.topology,
                destination,
                build_outbound(self.registry, config, destination),
                journal.delivery_keys,
                policy,
                on_event=hooks.on_delivery,
            )
        if SUPERVISION_DB in self.systems.ids and SUPERVISION_DB not in self.deliveries:
            loops[f"deliver:{SUPERVISION_DB}"] = DeliveryRunner(
                url, self.topology, SUPERVISION_DB, StoreDestination(self.open_supervision_store),
                journal.delivery_keys, RunnerPolicy(self._schedule(SUPERVISION_DB)),
                on_event=hooks.on_delivery,
            )
        for connection in self.connections:
            for index, inbound in enumerate(connection.inbound):
                name = f"{inbound.kind}:{connection.system}:{index}"
                port = BrokerInboundPort(
                    url, self.topology, connection.system, inbound.kind, journal.checkpoints(name),
                    confirm_timeout=self.settings.confirm_timeout_seconds,
                    on_records=functools.partial(
                        hooks.on_adapter_records, connection.system, inbound.kind
                    ),
                )
                adapter = build_inbound(self.registry, inbound, connection.system, port)
                loops[f"adapter:{name}"] = AdapterLoop(adapter, port)
        lookup = self.connections.lookup()
        if lookup is not None:
            loops["verify:review"] = ReviewVerifier(
                url, self.topology, build_lookup(self.registry, lookup, LEGAL_ENTITY_LIBRARY),
                self.routes, self.systems.ids,
                ReviewPolicy(self._schedule(REVIEW)), on_outcome=hooks.on_review,
                disclosure_of=self.systems.disclosure,
            )
        if self.settings.is_embedded():
            loops["delay-pump"] = DelayPump(url, self.topology)
        loops["retention"] = RetentionLoop(journal, self.settings.journal_retention_days)
        return HubRuntime(loops)

    def session(self) -> BrokerSession:
        """A new, unopened broker session with this hub's topology."""
        return BrokerSession(self.settings.resolved_broker_url(), self.topology)
