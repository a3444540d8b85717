"""The :class:`Hub`: everything a hub process needs, built once from settings.

No hidden globals: tests build a Hub from their own settings (an in-memory broker, a temporary
routes file) and every command of the CLI builds exactly one.
"""

from __future__ import annotations

from collections.abc import Callable

import schemas
from hub.broker import BrokerSession
from hub.config import HubSettings
from hub.delivery.schedule import parse_schedule
from hub.processor import Outcome, Processor
from hub.systems import SystemCatalogue
from hub.topology import Topology, TopologyOptions
from hub.worker import Worker
from routes import RouteTable
from transforms import MappingCatalogue


class Hub:
    """Catalogue, routes, mappings and topology, validated at construction.

    Raises :class:`hub.errors.ConfigError` if any of them is invalid, before anything connects.
    """

    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        self.systems = SystemCatalogue.load(settings.systems_file)
        self.routes = RouteTable.load(
            settings.route_files,
            systems=self.systems.ids,
            record_types=schemas.RECORD_TYPES,
        )
        self.mappings = MappingCatalogue.load(settings.mappings_dir)
        self.topology = Topology(
            self.systems.ids,
            TopologyOptions(
                queue_type=settings.queue_type,
                retry_delay_ms=int(settings.retry_delay_seconds * 1000),
                delivery_limit=settings.delivery_limit,
                delivery_delays=parse_schedule(settings.delivery_retry_schedule),
            ),
        )

    def processor(self) -> Processor:
        return Processor(
            systems=self.systems,
            routes=self.routes,
            mappings=self.mappings,
            max_message_bytes=self.settings.max_message_bytes,
            receipts=self.settings.receipts,
        )

    def worker(self, on_outcome: Callable[[Outcome], None] | None = None) -> Worker:
        return Worker(self.settings, self.topology, self.processor(), on_outcome=on_outcome)

    def session(self) -> BrokerSession:
        """A new, unopened broker session with this hub's topology."""
        return BrokerSession(self.settings.resolved_broker_url(), self.topology)
